import type * as cdktf from "cdktf";
import type { IConstruct } from "constructs";

/**
 * The CDK library a construct belongs to: `cdktf` (HashiCorp's CDK for Terraform, archived at
 * 0.21) or `cdktn` (CDK Terrain, its maintained continuation: the same API under other package
 * names, https://github.com/open-constructs/cdk-terrain). One set of reposmith classes serves both
 * (so `instanceof` and the app-wide checks see one tree); whatever a construct adds to a stack (hook
 * resources, lazy values, annotations) is made with the library of the App it is in, found here.
 *
 * A static `import "cdktf"` cannot serve a cdktn app: a resource made by cdktf's TerraformResource
 * inside a cdktn stack crashes cdktn's synth (`e._resetResolveDiscoveredProviderFeatureUsage is not
 * a function`). Both libraries mark their objects with the same symbols (`Symbol.for("cdktf/App")`),
 * so their own `App.isApp` / `TerraformStack.isStack` cannot tell them apart: `instanceof` does.
 */
export type Cdk = Pick<
  typeof cdktf,
  | "App"
  | "TerraformStack"
  | "TerraformResource"
  | "TerraformProvider"
  | "Lazy"
  | "Annotations"
  | "Token"
  | "Fn"
  | "DataTerraformRemoteStateLocal"
  | "propertyAccess"
>;

/** The packages tried, in this order, where an app uses neither (a tree without an App). */
const CDK_PACKAGES = ["cdktf", "cdktn"] as const;

/**
 * Each library that resolves from this package (npm installs peers beside it, in the app's
 * node_modules), those already loaded first: the app has loaded its own, and loading the other
 * (a few hundred ms) would be for nothing.
 */
function installed(): { name: string; file: string }[] {
  const found = CDK_PACKAGES.flatMap((name) => {
    try {
      return [{ name, file: require.resolve(name) }];
    } catch {
      return [];
    }
  });
  return [...found.filter((l) => require.cache[l.file]), ...found.filter((l) => !require.cache[l.file])];
}

const APP_SYMBOL = Symbol.for("cdktf/App");
const bound = new WeakMap<IConstruct, Cdk>();

/** The library whose App (or TerraformStack) `scope` is in. */
export function cdkOf(scope: IConstruct): Cdk {
  const root = scope.node.root;
  const known = bound.get(root);
  if (known) return known;
  const libs = installed();
  if (!libs.length) {
    throw new Error(
      `reposmith's constructs need cdktf (0.21) or cdktn (0.24) installed beside them, ` +
        `and none resolves from ${__dirname}: npm install cdktn constructs`,
    );
  }
  for (const { file } of libs) {
    const lib = require(file) as Cdk;
    if (root instanceof lib.App || scope.node.scopes.some((s) => s instanceof lib.TerraformStack)) {
      bound.set(root, lib);
      return lib;
    }
  }
  if (APP_SYMBOL in root) {
    // An App of a copy of the library other than the one reposmith resolves: nothing it makes
    // would synthesize in that App.
    throw new Error(
      `reposmith: the App of "${scope.node.path}" is not an App of the ` +
        `${libs.map((l) => `${l.name} at ${l.file}`).join(" or ")} that reposmith loads; ` +
        `the app and reposmith must share one copy of the library (see npm ls cdktf cdktn)`,
    );
  }
  // Not inside an App at all: the first library's own errors ("No stack could be identified") apply.
  return require(libs[0].file) as Cdk;
}

/**
 * The package as users install it: compiled JavaScript and declarations only (no TypeScript
 * sources, no tsx), so a CDKTF app in plain JavaScript or under ts-node (which does not compile
 * node_modules) can use the constructs, and the CLI runs from dist/.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { builtPackage } from "../helpers/built-package";
import { ROOT } from "../helpers/harness";

let dir: string;
let pkg: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "reposmith-dist-"));
  pkg = path.join(dir, "node_modules", "reposmith");
  mkdirSync(pkg, { recursive: true });
  // What `npm pack` puts in the tarball ("files"), built by its prepack script (`npm run build`).
  cpSync(builtPackage(), pkg, { recursive: true });
  // Its dependencies (and the app's cdktf or cdktn and constructs peers), as npm would install them beside it.
  for (const dep of ["cdktf", "cdktn", "constructs"])
    symlinkSync(path.join(ROOT, "node_modules", dep), path.join(dir, "node_modules", dep), "dir");
  symlinkSync(path.join(ROOT, "node_modules"), path.join(pkg, "node_modules"), "dir");
}, 120_000);
afterAll(() => {
  if (!process.env.KEEP_DIST) rmSync(dir, { recursive: true, force: true });
});

describe("the installed package", () => {
  it("names only built files: main and types point into dist, which holds both", () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(manifest.files).toEqual(expect.arrayContaining(["dist", "bin"]));
    expect(manifest.files).not.toContain("src");
    expect(manifest.scripts.prepack).toBe("npm run build");
    expect(readFileSync(path.join(pkg, manifest.main), "utf8")).toMatch(/EntitlementToken/);
    expect(readFileSync(path.join(pkg, manifest.types), "utf8")).toMatch(/EntitlementToken/);
    // A construct library shares the app's cdktf (or cdktn) and constructs, or `instanceof` checks
    // across the two copies fail; either library will do, so npm must not install the other.
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["cdktf", "cdktn", "constructs"]);
    expect(manifest.peerDependenciesMeta).toEqual({ cdktf: { optional: true }, cdktn: { optional: true } });
    expect(Object.keys(manifest.dependencies).filter((d) => /cdktf|cdktn|constructs/.test(d))).toEqual([]);
  });

  it("ships declarations that import neither cdktf nor cdktn, so an app's type-check needs only the library it uses", () => {
    // Every declaration file a TypeScript app reads through `import ... from "reposmith"`.
    const seen = new Set<string>();
    const bare: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, from, inline] of readFileSync(file, "utf8").matchAll(
        /^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|\bimport\("([^"]+)"\)/gm,
      )) {
        const spec = from ?? inline;
        if (!spec.startsWith(".")) bare.push(spec);
        else {
          const base = path.resolve(path.dirname(file), spec);
          visit([`${base}.d.ts`, path.join(base, "index.d.ts")].find((f) => existsSync(f))!);
        }
      }
    };
    visit(path.join(pkg, "dist/index.d.ts"));
    expect(seen.size).toBeGreaterThan(5);
    expect(bare.filter((spec) => /^@?cdkt[fn](\/|$)/.test(spec))).toEqual([]);
    expect(bare).toContain("constructs");
  });

  it("runs a plain JavaScript CDKTF app using the constructs, with no TypeScript loader", () => {
    writeFileSync(
      path.join(dir, "main.js"),
      `const { App, TerraformStack } = require("cdktf");
const { EntitlementToken } = require("reposmith");
const app = new App({ outdir: "cdktf.out" });
const stack = new TerraformStack(app, "tokens");
new EntitlementToken(stack, "ci", { owner: "acme", repository: "prod", name: "ci", limits: { numDownloads: 10 } });
app.synth();
`,
    );
    execFileSync(process.execPath, ["main.js"], { cwd: dir, env: { ...process.env, NODE_OPTIONS: "" } });
    const synthesized = readFileSync(path.join(dir, "cdktf.out/stacks/tokens/cdk.tf.json"), "utf8");
    const hook = JSON.parse(synthesized).resource.terraform_data;
    expect(Object.keys(hook)).toEqual([expect.stringMatching(/^ci_hook_resource/), "reposmith"]);
    expect(JSON.parse(Object.values<{ input: { spec: string } }>(hook)[0].input.spec)).toMatchObject({
      owner: "acme",
      repository: "prod",
      name: "ci",
      limits: { numDownloads: 10 },
    });
    expect(synthesized).toMatch(/reposmith\/bin\/reposmith\.js.* -- hook run/);
  });

  it("runs a plain JavaScript CDK Terrain (cdktn) app using the constructs", () => {
    writeFileSync(
      path.join(dir, "main-cdktn.js"),
      `const { App, TerraformStack } = require("cdktn");
const { EntitlementToken } = require("reposmith");
const app = new App({ outdir: "cdktn.out" });
new EntitlementToken(new TerraformStack(app, "tokens"), "ci", { owner: "acme", repository: "prod", name: "ci" });
app.synth();
`,
    );
    execFileSync(process.execPath, ["main-cdktn.js"], { cwd: dir, env: { ...process.env, NODE_OPTIONS: "" } });
    const doc = JSON.parse(readFileSync(path.join(dir, "cdktn.out/stacks/tokens/cdk.tf.json"), "utf8"));
    expect(doc["//"].metadata.version).toBe(
      JSON.parse(readFileSync(path.join(ROOT, "node_modules/cdktn/package.json"), "utf8")).version,
    );
    expect(Object.keys(doc.resource.terraform_data)).toEqual([expect.stringMatching(/^ci_hook_resource/), "reposmith"]);
  });

  it("type-checks a TypeScript app against the shipped declarations, and reports a wrong prop", () => {
    const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
    // As `cdktf init --template typescript` sets it up (CommonJS), checking only the app's own file.
    const tsconfig = {
      compilerOptions: {
        strict: true,
        module: "CommonJS",
        target: "ES2018",
        lib: ["es2018"],
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      files: ["app.ts"],
    };
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    const app = (props: string) =>
      `import { App, TerraformStack } from "cdktf";\nimport { EntitlementToken } from "reposmith";\nnew EntitlementToken(new TerraformStack(new App(), "s"), "ci", ${props});\n`;
    writeFileSync(path.join(dir, "app.ts"), app(`{ owner: "acme", repository: "prod", name: "ci" }`));
    execFileSync(process.execPath, [tsc, "-p", dir]);
    writeFileSync(
      path.join(dir, "app.ts"),
      app(`{ owner: "acme", repository: "prod", name: "ci", limits: { numDownload: 5 } }`),
    );
    let out = "";
    try {
      execFileSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8" });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout);
    }
    expect(out).toMatch(/numDownload/);
  }, 60_000);

  it("runs the CLI from dist/ when no sources are there", () => {
    expect(
      execFileSync(process.execPath, [path.join(pkg, "bin/reposmith.js"), "--version"], { encoding: "utf8" }).trim(),
    ).toBe(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
    const help = execFileSync(process.execPath, [path.join(pkg, "bin/reposmith.js"), "--help"], { encoding: "utf8" });
    expect(help).toMatch(/reconcile/);
  });
});

import { Construct } from "constructs";
import type { LifecycleProps } from "../resources/lifecycle";
import { PACKAGE_COPY_KIND, PackageCopySpecSchema, type PackageCopySpec } from "../resources/package-copy";
import { refKey } from "../resources/package-common";
import { claimOnce } from "./claims";
import { CloudsmithConnection } from "./connection";
import { HookResource } from "./hook";
import { extractRefs, validateWithRefs } from "./references";
import { twoConstructs } from "./messages";

/** Package formats Cloudsmith hosts. */
export type PackageFormat =
  | "alpine"
  | "cargo"
  | "cocoapods"
  | "composer"
  | "conan"
  | "conda"
  | "cran"
  | "dart"
  | "deb"
  | "docker"
  | "go"
  | "helm"
  | "hex"
  | "huggingface"
  | "luarocks"
  | "maven"
  | "npm"
  | "nuget"
  | "p2"
  | "python"
  | "raw"
  | "rpm"
  | "ruby"
  | "swift"
  | "terraform"
  | "vagrant";

/** A package by what it is: the identity a copy keeps in every repository. */
export interface PackageSelector {
  /** Package format, e.g. `npm`. */
  readonly format: PackageFormat;
  /** Package name, e.g. `left-pad`. */
  readonly name: string;
  /** Exact version, e.g. `1.3.0`. */
  readonly version: string;
}

export interface WaitForSyncOptions {
  /**
   * How long to wait for the copy to be fully synchronised before the apply fails (the copy stays
   * and the next apply waits again): a duration such as "10m", "90s", "1h", or seconds as a number.
   * @default "10m"
   */
  readonly timeout?: string | number;
}

export interface PackageCopyProps extends LifecycleProps {
  /** The package to copy and where it is now. */
  readonly source: {
    /** Namespace slug, e.g. `acme`; the destination is in the same namespace. */
    readonly owner: string;
    /** Repository slug holding the package, e.g. `staging`. */
    readonly repository: string;
    /** The package: its slug_perm (e.g. `"Abc123XyZ789"`) or `{ format, name, version }`. */
    readonly package: string | PackageSelector;
  };
  /** Repository slug to copy into, in the same namespace, e.g. `prod`. */
  readonly destination: string;
  /**
   * Overwrite a different package with the same format/name/version that is already in the
   * destination. Without it such a package is left alone and the apply fails saying so; a copy
   * reposmith made itself is always re-copied (with republish) when the source's checksum changes.
   * @default false
   */
  readonly republish?: boolean;
  /** Waiting for the copy's sync. @default { timeout: "10m" } */
  readonly waitForSync?: WaitForSyncOptions;
  /** How many times a failed sync is resynced before the apply fails with the API's status_reason. @default 2 */
  readonly resyncAttempts?: number;
  /** @default - the nearest CloudsmithConnection above, else the environment */
  readonly connection?: CloudsmithConnection;
}

/**
 * One Cloudsmith package copied from a source repository into a destination repository (a
 * promotion, e.g. staging → prod), waited on until fully synchronised. Identity is the destination
 * plus format/name/version: a copy already there is adopted, never copied twice. A copy deleted by
 * hand is copied again; a source whose checksum changed is copied again with republish.
 */
export class PackageCopy extends Construct {
  /** The validated spec, as synthesized. */
  readonly spec: PackageCopySpec;
  /** `<stack>/<path>`: how reposmith names this copy in plans and state. */
  readonly key: string;
  readonly hook: HookResource;

  constructor(scope: Construct, id: string, props: PackageCopyProps) {
    super(scope, id);
    const { connection, driftPolicy, deletionPolicy, ...given } = props;
    const { value, refs } = extractRefs(this, PACKAGE_COPY_KIND, given);
    this.spec = validateWithRefs(this, PACKAGE_COPY_KIND, PackageCopySpecSchema, value, refs);
    const conn = connection ?? CloudsmithConnection.of(this);
    this.hook = new HookResource(
      this,
      PACKAGE_COPY_KIND,
      this.spec,
      conn?.ref,
      { driftPolicy, deletionPolicy },
      { identity: ["source.owner", "source.package", "destination"], refs },
    );
    this.key = this.hook.key;

    // One package in one destination is one remote object: two copies of it would share its id, and
    // removing either construct would delete the package under the other. A slug_perm and a
    // { format, name, version } cannot be compared before the API is asked (the plan checks that).
    // What is given as a reference is compared where its value is known: by the plan, at apply.
    if (refs.some((r) => ["source.owner", "source.package", "destination"].some((p) => r.path.startsWith(p)))) return;
    const { owner, package: pkg } = this.spec.source;
    const what = typeof pkg === "string" ? `package ${pkg}` : refKey(pkg);
    const where = `${owner}/${this.spec.destination}`;
    claimOnce(
      this,
      JSON.stringify([
        PACKAGE_COPY_KIND,
        conn?.ref.apiUrl ?? "",
        owner,
        this.spec.destination,
        typeof pkg === "string" ? { slugPerm: pkg } : refKey(pkg),
      ]),
      (first) =>
        `${twoConstructs("PackageCopies", first.node.path, this.node.path)} both copy ${what} into ${where}: both ` +
        `would manage the same package, and removing one would delete it under the other; declare the copy once`,
    );
  }

  /** The copy's slug_perm in the destination, as a Terraform value known once the stack is applied. */
  get slugPerm(): string {
    return this.hook.output("slug_perm");
  }
}

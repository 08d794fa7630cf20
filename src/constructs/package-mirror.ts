import { Construct } from "constructs";
import type { LifecycleProps } from "../resources/lifecycle";
import { PACKAGE_MIRROR_KIND, PackageMirrorSpecSchema, type PackageMirrorSpec } from "../resources/package-mirror";
import { CloudsmithConnection } from "./connection";
import { HookResource } from "./hook";
import { extractRefs, validateWithRefs } from "./references";
import type { WaitForSyncOptions } from "./package-copy";

export interface PackageMirrorProps extends LifecycleProps {
  /** The repository packages are copied from. */
  readonly source: {
    /** Namespace slug, e.g. `acme`; the destination is in the same namespace. */
    readonly owner: string;
    /** Repository slug, e.g. `staging`. */
    readonly repository: string;
  };
  /** Repository slug the packages are copied into, e.g. `prod`. */
  readonly destination: string;
  /**
   * Which source packages to mirror, in Cloudsmith search syntax: `field:value` terms (`name:`,
   * `version:`, `format:`, `tag:`, `filename:`, `checksum:`, ...) joined with AND / OR / NOT,
   * e.g. `tag:release AND format:npm`.
   * @default - every package of the source
   */
  readonly query?: string;
  /**
   * Delete packages of the destination that match the query but are no longer in the source's
   * matching set. Without it, extra packages in the destination are left alone.
   * @default false
   */
  readonly prune?: boolean;
  /**
   * Overwrite a package of the destination that has a matching package's version but other content
   * and that this mirror did not copy (e.g. uploaded by hand). Without it such a package is left
   * alone and plans and applies say so; a copy the mirror made itself is always re-copied (with
   * republish) when its source's checksum changes.
   * @default false
   */
  readonly republish?: boolean;
  /**
   * How many packages are copied and waited on at once (API calls are paced by the shared rate limiter). @default 10
   */
  readonly parallelism?: number;
  /** Waiting for each copy's sync. @default { timeout: "10m" } */
  readonly waitForSync?: WaitForSyncOptions;
  /** How many times a failed sync is resynced before that package fails. @default 2 */
  readonly resyncAttempts?: number;
  /** @default - the nearest CloudsmithConnection above, else the environment */
  readonly connection?: CloudsmithConnection;
}

/**
 * Keeps every package of `source` that matches `query` copied into `destination` (a promotion
 * policy, e.g. every `tag:release` npm package from staging to prod). Plans list each package to
 * copy; copies run in parallel and are each waited on until fully synchronised. Packages whose
 * source checksum changed are copied again with republish (only copies this mirror made, unless
 * `republish` is set). Removing the construct leaves the mirrored packages in place.
 */
export class PackageMirror extends Construct {
  /** The validated spec, as synthesized. */
  readonly spec: PackageMirrorSpec;
  /** `<stack>/<path>`: how reposmith names this mirror in plans and state. */
  readonly key: string;
  readonly hook: HookResource;

  constructor(scope: Construct, id: string, props: PackageMirrorProps) {
    super(scope, id);
    const { connection, driftPolicy, deletionPolicy, ...given } = props;
    const { value, refs } = extractRefs(this, PACKAGE_MIRROR_KIND, given);
    this.spec = validateWithRefs(this, PACKAGE_MIRROR_KIND, PackageMirrorSpecSchema, value, refs);
    this.hook = new HookResource(
      this,
      PACKAGE_MIRROR_KIND,
      this.spec,
      (connection ?? CloudsmithConnection.of(this))?.ref,
      { driftPolicy, deletionPolicy },
      { identity: ["source.owner", "destination"], refs },
    );
    this.key = this.hook.key;
  }
}

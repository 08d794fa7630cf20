import { Construct } from "constructs";
import type { LifecycleProps } from "../resources/lifecycle";
import {
  REPOSITORY_MIRROR_KIND,
  RepositoryMirrorSpecSchema,
  type RepositoryMirrorSpec,
} from "../resources/repository-mirror-spec";
import { claimOnce } from "./claims";
import { CodeArtsConnection } from "./codearts-connection";
import { ValidationError } from "./errors";
import { HookResource } from "./hook";
import { extractRefs, isPlaceholder, validateWithRefs } from "./references";
import { secretRequired, twoConstructs } from "./messages";
import { Secret } from "./secret";

export interface RepositoryMirrorWaitOptions {
  /**
   * How long an apply waits for a started sync before failing (the sync may still finish). "20m", "90s", "1h", or
   * seconds. @default "20m"
   */
  readonly timeout?: string | number;
  /** Fixed time between progress polls. @default - 3s, 5s, 10s, 15s, then every 30s (±20 %) */
  readonly pollInterval?: string | number;
}

export interface RepositoryMirrorProps extends LifecycleProps {
  /** The CodeArts repository (`repository_id`) that mirrors the source. Changing it replaces the mirror. */
  readonly repositoryId: number;
  /**
   * The source repository's http(s) clone address, e.g. `https://git.example.com/app.git` (no
   * credentials, query string or fragment in it; CodeArts does not pull over SSH).
   */
  readonly sourceUrl: string;
  /** Mirror every branch or only the default one. @default "all" */
  readonly syncBranchType?: "all" | "default";
  /** Whether CodeArts re-syncs the mirror on its own schedule. @default true */
  readonly scheduledSync?: boolean;
  /**
   * Source credentials for a private source, read from the environment when a sync starts and sent base64-encoded.
   * @default - none
   */
  readonly credentials?: { readonly username: Secret; readonly password: Secret };
  /** A CodeArts service endpoint that holds the source credentials instead. @default - none */
  readonly endpointUuid?: string;
  /** Ask for a forced synchronization (`force_fetch`; the API documents no more than "forced sync"). @default false */
  readonly forceFetch?: boolean;
  /** Changing any value starts one synchronization (e.g. `{ release: "2026.03" }`). @default - none */
  readonly syncTriggers?: Record<string, string>;
  /** Waiting for a started sync. @default { timeout: "20m" } */
  readonly waitForSync?: RepositoryMirrorWaitOptions;
  /** @default - the nearest CodeArtsConnection above, else the HW_* environment */
  readonly connection?: CodeArtsConnection;
}

/**
 * A Huawei Cloud CodeArts Repo repository mirroring a Git source: associated, configured, synced
 * once on create (and whenever the source, credentials or `syncTriggers` change), and checked for
 * drift and failed syncs. CodeArts has no API to remove a mirror: destroying this switches
 * scheduled sync off and stops managing it. Credentials never reach the synthesized stack.
 */
export class RepositoryMirror extends Construct {
  readonly spec: RepositoryMirrorSpec;
  /** `<stack>/<path>`. */
  readonly key: string;
  readonly hook: HookResource;

  constructor(scope: Construct, id: string, props: RepositoryMirrorProps) {
    super(scope, id);
    const { connection, credentials, driftPolicy, deletionPolicy, ...given } = props;
    const { value: rest, refs } = extractRefs(this, REPOSITORY_MIRROR_KIND, given);
    if (
      credentials !== undefined &&
      (credentials === null || !(credentials.username instanceof Secret) || !(credentials.password instanceof Secret))
    ) {
      throw new ValidationError(this, REPOSITORY_MIRROR_KIND, [
        secretRequired(["credentials.username", "credentials.password"], "GIT_PASSWORD"),
      ]);
    }
    const input = {
      ...rest,
      ...(credentials
        ? { credentials: { usernameEnv: credentials.username.envName, passwordEnv: credentials.password.envName } }
        : {}),
    };
    this.spec = validateWithRefs(this, REPOSITORY_MIRROR_KIND, RepositoryMirrorSpecSchema, input, refs);
    const conn = connection ?? CodeArtsConnection.of(this);
    this.hook = new HookResource(
      this,
      REPOSITORY_MIRROR_KIND,
      this.spec,
      conn?.ref,
      { driftPolicy, deletionPolicy },
      { identity: ["repositoryId"], refs },
    );
    this.key = this.hook.key;
    // A repository given as a reference is compared where its value is known: at apply.
    if (isPlaceholder(this.spec.repositoryId)) return;

    // A CodeArts repository has one mirror: two constructs would each PUT their own source on every apply.
    const region = conn?.ref.codearts?.endpoint ?? conn?.ref.codearts?.region ?? "";
    claimOnce(this, JSON.stringify([REPOSITORY_MIRROR_KIND, region, this.spec.repositoryId]), (first) => {
      const urls =
        first.spec.sourceUrl === this.spec.sourceUrl
          ? `source ${JSON.stringify(this.spec.sourceUrl)}`
          : `sources ${JSON.stringify(first.spec.sourceUrl)} and ${JSON.stringify(this.spec.sourceUrl)}`;
      return (
        `${twoConstructs("RepositoryMirrors", first.node.path, this.node.path)} both manage CodeArts ` +
        `repository ${this.spec.repositoryId} (${urls}), which has one mirror: each apply would undo the other; ` +
        `declare one RepositoryMirror per repositoryId`
      );
    });
  }

  /** The mirrored CodeArts repository's id (`repository_id`), as a Terraform value known once the stack is applied. */
  get mirrorId(): string {
    return this.hook.output("id");
  }
}

import { Construct } from "constructs";
import {
  ENTITLEMENT_TOKEN_KIND,
  EntitlementTokenSpecSchema,
  type EntitlementTokenSpec,
} from "../resources/entitlement-token";
import { cdkOf } from "./cdk";
import { claimOnce } from "./claims";
import { CloudsmithConnection } from "./connection";
import { ValidationError } from "./errors";
import type { LifecycleProps } from "../resources/lifecycle";
import { HookResource } from "./hook";
import { extractRefs, isPlaceholder, validateWithRefs } from "./references";
import { mustBeBoolean, twoConstructs } from "./messages";

/** Units `limits.bandwidth.unit` accepts (Cloudsmith's `limit_bandwidth_unit`). */
export type BandwidthUnit =
  "Byte" | "Kilobyte" | "Megabyte" | "Gigabyte" | "Terabyte" | "Petabyte" | "Exabyte" | "Zettabyte" | "Yottabyte";

/** Periods after which Cloudsmith zeroes the usage counters (`scheduled_reset_period`). */
export type ScheduledResetPeriod =
  | "Never Reset"
  | "Daily"
  | "Weekly"
  | "Fortnightly"
  | "Monthly"
  | "Bi-Monthly"
  | "Quarterly"
  | "Every 6 months"
  | "Annual";

export interface EntitlementTokenLimits {
  /**
   * Start of the window in which the token works: a Date, or an ISO-8601 string with "Z" or an
   * offset ("2027-01-31T00:00:00Z", "2027-01-31T09:00:00+09:00") or a bare date (UTC midnight).
   * @default - no start
   */
  readonly dateRangeFrom?: string | Date;
  /** End of that window; must be after `dateRangeFrom`. @default - no end */
  readonly dateRangeTo?: string | Date;
  /** Maximum number of distinct clients (enforced asynchronously by Cloudsmith). @default - unlimited */
  readonly numClients?: number;
  /** Maximum number of downloads (enforced asynchronously). @default - unlimited */
  readonly numDownloads?: number;
  /** Maximum download bandwidth, `amount` counted in `unit`. @default - unlimited */
  readonly bandwidth?: { readonly amount: number; readonly unit?: BandwidthUnit };
  /**
   * Package search query restricting what the token may download, e.g. `format:npm AND tag:release`. @default -
   * everything
   */
  readonly packageQuery?: string;
  /** Path query. Deprecated by Cloudsmith: prefer `packageQuery` (a warning is printed at synth). @default - none */
  readonly pathQuery?: string;
}

export interface EntitlementTokenProps extends LifecycleProps {
  /** Namespace (organisation) slug, e.g. `acme`. */
  readonly owner: string;
  /** Repository slug in that namespace, e.g. `prod`. */
  readonly repository: string;
  /** Token name, unique within the repository. */
  readonly name: string;
  /** Whether the token allows downloads; changed through the enable/disable endpoints. @default true */
  readonly enabled?: boolean;
  /** Same as `enabled` (Cloudsmith's `is_active`); give one or the other. @default true */
  readonly active?: boolean;
  /** Whether the token may be used for private broadcasts (its own endpoint). @default - left as it is */
  readonly privateBroadcasts?: boolean;
  /**
   * Rotation (Cloudsmith "refresh": same slug_perm, new secret value). A changed trigger value, or a
   * token older than `maxAge` ("90d", "12h", ...), rotates it on the next apply or reconcile.
   * @default - never rotated
   */
  readonly rotation?: { readonly triggers?: Record<string, string>; readonly maxAge?: string | number };
  /** Changing any value zeroes the token's usage counters (POST reset) once. @default - never reset */
  readonly resetTriggers?: Record<string, string>;
  /**
   * API fields (as plans name them, e.g. "limit_num_downloads") whose differences are neither
   * reported nor corrected. @default - every field is managed
   */
  readonly ignoreChanges?: string[];
  /** Whether a EULA must be accepted before downloading. @default false */
  readonly eulaRequired?: boolean;
  /** Usage restrictions; anything omitted is unlimited, and drift that adds a limit is corrected. @default - none */
  readonly limits?: EntitlementTokenLimits;
  /** When the usage counters reset automatically. @default "Never Reset" */
  readonly scheduledResetPeriod?: ScheduledResetPeriod;
  /**
   * When Cloudsmith last reset the usage counters on schedule (`scheduled_reset_at`): an instant as
   * `limits.dateRangeFrom` takes it. Written when given or changed; Cloudsmith moves it at each
   * scheduled reset, so a value it moved is not drift.
   * @default - left as it is
   */
  readonly scheduledResetAt?: string | Date;
  /**
   * Free-form metadata stored on the token. The keys `managed-by` and `key` are reserved for reposmith. @default - none
   */
  readonly metadata?: Record<string, unknown>;
  /** The connection to use. @default - the nearest CloudsmithConnection above, else the environment */
  readonly connection?: CloudsmithConnection;
}

/** How forDefaultToken marks its props: `defaultToken` itself is not a prop (see the constructor). */
const FOR_DEFAULT_TOKEN = Symbol("reposmith.forDefaultToken");

const toIso = (d: string | Date | undefined) =>
  d instanceof Date ? (Number.isNaN(d.getTime()) ? "invalid Date" : d.toISOString()) : d;

/** Props whose change makes it another token (Terraform shows a replacement). */
const ENTITLEMENT_TOKEN_IDENTITY = ["owner", "repository", "defaultToken"];

/**
 * A Cloudsmith entitlement token (a download credential for one repository), managed declaratively.
 * The token value itself never appears in the stack, plans or state.
 */
export class EntitlementToken extends Construct {
  /**
   * The repository's default token (every Cloudsmith repository has one): adopted by its `default`
   * flag, managed like any token (limits, enabled, rotation), and never deleted — destroy leaves it
   * as it is and says so. Its name and metadata are left alone unless given.
   */
  static forDefaultToken(
    scope: Construct,
    id: string,
    props: Omit<EntitlementTokenProps, "name"> & { readonly name?: string },
  ): EntitlementToken {
    return new EntitlementToken(scope, id, { ...props, [FOR_DEFAULT_TOKEN]: true } as EntitlementTokenProps);
  }

  /** The validated spec, as synthesized. */
  readonly spec: EntitlementTokenSpec;
  /** `<stack>/<path>`: the tag that lets reposmith find this token again. */
  readonly key: string;
  readonly hook: HookResource;

  constructor(scope: Construct, id: string, props: EntitlementTokenProps) {
    super(scope, id);
    // The default token is declared with forDefaultToken only: a `defaultToken` prop is not part of
    // EntitlementTokenProps, so it is refused rather than silently honoured (or silently ignored).
    if (typeof props === "object" && props !== null && "defaultToken" in props)
      throw new ValidationError(this, ENTITLEMENT_TOKEN_KIND, [
        "defaultToken is not a prop: declare the repository's default token with " +
          "EntitlementToken.forDefaultToken(scope, id, { owner, repository, ... })",
      ]);
    const {
      connection,
      driftPolicy,
      deletionPolicy,
      [FOR_DEFAULT_TOKEN]: isDefault,
      ...given
    } = props as EntitlementTokenProps & { [FOR_DEFAULT_TOKEN]?: boolean };
    const { value, refs } = extractRefs(this, ENTITLEMENT_TOKEN_KIND, given);
    const { limits, active, scheduledResetAt, ...props0 } = value;
    const rest = { ...props0, ...(isDefault ? { defaultToken: true } : {}) };
    const known = (v: unknown) => v !== undefined && !isPlaceholder(v);
    if (known(active) && known(rest.enabled) && active !== rest.enabled) {
      throw new ValidationError(this, ENTITLEMENT_TOKEN_KIND, [
        `active (${JSON.stringify(active)}) and enabled (${JSON.stringify(rest.enabled)}) disagree; give only enabled`,
      ]);
    }
    // `active` is validated as `enabled` below, whose problem would name a field the user did not give.
    if (known(active) && typeof active !== "boolean") {
      throw new ValidationError(this, ENTITLEMENT_TOKEN_KIND, [
        `${mustBeBoolean("active")} (got ` +
          `${typeof active === "number" ? String(active) : (JSON.stringify(active) ?? String(active))})`,
      ]);
    }
    // Only an object's fields are spread: anything else (a string, a number) goes to the schema as it
    // is, to be refused as such rather than spread into unknown fields "0", "1", ... or into nothing.
    let limitsInput: unknown = limits;
    if (typeof limits === "object" && limits !== null && !Array.isArray(limits) && !isPlaceholder(limits)) {
      const l: Record<string, unknown> = {
        ...limits,
        dateRangeFrom: toIso(limits.dateRangeFrom),
        dateRangeTo: toIso(limits.dateRangeTo),
      };
      for (const k of ["dateRangeFrom", "dateRangeTo"]) if (l[k] === undefined) delete l[k];
      limitsInput = l;
    }
    const input = {
      ...rest,
      ...(active !== undefined && rest.enabled === undefined ? { enabled: active } : {}),
      ...(scheduledResetAt !== undefined ? { scheduledResetAt: toIso(scheduledResetAt) } : {}),
      ...(limitsInput !== undefined && limitsInput !== null ? { limits: limitsInput } : {}),
    };
    this.spec = validateWithRefs(this, ENTITLEMENT_TOKEN_KIND, EntitlementTokenSpecSchema, input, refs);
    if (typeof this.spec.limits?.pathQuery === "string" && this.spec.limits.pathQuery) {
      cdkOf(this)
        .Annotations.of(this)
        .addWarning(
          `limits.pathQuery is deprecated by Cloudsmith ("THIS WILL SOON BE DEPRECATED"); use limits.packageQuery ` +
            `instead`,
        );
    }
    const conn = connection ?? CloudsmithConnection.of(this);
    this.hook = new HookResource(
      this,
      ENTITLEMENT_TOKEN_KIND,
      this.spec,
      conn?.ref,
      { driftPolicy, deletionPolicy },
      { identity: ENTITLEMENT_TOKEN_IDENTITY, refs },
    );
    this.key = this.hook.key;

    // Names are compared exactly, as Cloudsmith does. The default token has no name of its own unless
    // given one, but a repository has only one: two constructs managing it would fight over it. A
    // reference is compared where its value is known: by the API, at apply.
    if ([this.spec.owner, this.spec.repository].some(isPlaceholder)) return;
    const where = `${this.spec.owner}/${this.spec.repository}`;
    if (this.spec.defaultToken)
      this.claimOnce(
        conn,
        "(default token)",
        (first) =>
          `${twoConstructs("EntitlementTokens", first, this.node.path)} both manage the default token of ` +
          `${where}; declare it once`,
      );
    if (typeof this.spec.name === "string") {
      const name = JSON.stringify(this.spec.name);
      this.claimOnce(
        conn,
        this.spec.name,
        (first) =>
          `${twoConstructs("EntitlementTokens", first, this.node.path)} both have name ${name} in ${where}, where ` +
          `Cloudsmith allows one token per name; give each a unique name`,
      );
    }
  }

  /** The token's slug_perm (its stable id), as a Terraform value known once the stack is applied. Never a secret. */
  get slugPerm(): string {
    return this.hook.output("slug_perm");
  }

  /** The token's deprecated `identifier`, as a Terraform value known once the stack is applied. */
  get identifier(): string {
    return this.hook.output("identifier");
  }

  /**
   * Registers `what` in this token's repository for the whole app; every later claimant fails synth
   * with `message`: Cloudsmith refuses a second token with a name its repository already has (a 422
   * at apply), so synth does.
   */
  private claimOnce(
    conn: CloudsmithConnection | undefined,
    what: string,
    message: (firstPath: string) => string,
  ): void {
    claimOnce(
      this,
      JSON.stringify([ENTITLEMENT_TOKEN_KIND, conn?.ref.apiUrl ?? "", this.spec.owner, this.spec.repository, what]),
      (first) => message(first.node.path),
    );
  }
}

import { z } from "zod";
import { BANDWIDTH_UNITS, RESET_PERIODS } from "../api/cloudsmith";
import { count, isoDateTime, jsonValue, repositorySlug, slug } from "./common";
import { duration } from "./duration";

export const ENTITLEMENT_TOKEN_KIND = "EntitlementToken";

/** Metadata keys reposmith writes on every token it manages (docs/architecture.md#identity-and-adoption). */
export const MANAGED_BY = "managed-by";
export const MANAGED_BY_VALUE = "reposmith";
export const KEY_TAG = "key";

/** The writable API fields reposmith manages, in plan order (the names plans, drift and ignoreChanges use). */
export const MANAGED_FIELDS = [
  "name",
  "is_active",
  "eula_required",
  "limit_date_range_from",
  "limit_date_range_to",
  "limit_num_clients",
  "limit_num_downloads",
  "limit_bandwidth",
  "limit_bandwidth_unit",
  "limit_package_query",
  "limit_path_query",
  "scheduled_reset_period",
  "metadata",
  "access_private_broadcasts",
] as const;
export type ManagedField = (typeof MANAGED_FIELDS)[number];

const oneOf = <T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z.enum(values, {
    error: (iss) =>
      `${what} must be one of ${values.map((v) => `"${v}"`).join(", ")} (got ${JSON.stringify(iss.input)})`,
  });

const triggers = (what: string) =>
  z.record(z.string(), z.string({ error: `${what} values must be strings (change one to trigger the action)` }));

const TokenLimitsSchema = z
  .object({
    dateRangeFrom: isoDateTime("limits.dateRangeFrom").optional(),
    dateRangeTo: isoDateTime("limits.dateRangeTo").optional(),
    numClients: count("limits.numClients").optional(),
    numDownloads: count("limits.numDownloads").optional(),
    bandwidth: z
      .object({
        amount: count("limits.bandwidth.amount"),
        unit: oneOf("limits.bandwidth.unit", BANDWIDTH_UNITS as unknown as [string, ...string[]]).default("Byte"),
      })
      .strict()
      .optional(),
    packageQuery: z
      .string()
      .min(1)
      .max(1024, { error: "limits.packageQuery must be at most 1024 characters" })
      .optional(),
    /** Deprecated by Cloudsmith in favour of packageQuery. */
    pathQuery: z.string().min(1).max(1024, { error: "limits.pathQuery must be at most 1024 characters" }).optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    if (l.dateRangeFrom && l.dateRangeTo && Date.parse(l.dateRangeTo) <= Date.parse(l.dateRangeFrom)) {
      ctx.addIssue({
        code: "custom",
        path: ["dateRangeTo"],
        message: `limits.dateRangeTo (${l.dateRangeTo}) must be after limits.dateRangeFrom (${l.dateRangeFrom})`,
      });
    }
  });

export const EntitlementTokenSpecSchema = z
  .object({
    owner: slug("owner"),
    repository: repositorySlug("repository", "owner"),
    /**
     * Absent only for the repository's default token, whose name is then left alone. The spec gives
     * only minLength 1 (no maximum is documented: a longer name is the API's to refuse).
     */
    name: z.string().min(1, { error: "name must not be empty" }).optional(),
    /** The repository's default token (adopted by its `default` flag; never deleted). */
    defaultToken: z.boolean().default(false),
    enabled: z.boolean().default(true),
    eulaRequired: z.boolean().default(false),
    limits: TokenLimitsSchema.default({}),
    scheduledResetPeriod: oneOf("scheduledResetPeriod", RESET_PERIODS as unknown as [string, ...string[]]).default(
      "Never Reset",
    ),
    /** Managed only when given (toggled through its own endpoint). */
    privateBroadcasts: z.boolean().optional(),
    metadata: z
      .record(z.string(), jsonValue)
      .refine((m) => !(MANAGED_BY in m) && !(KEY_TAG in m), {
        error: `metadata must not set "${MANAGED_BY}" or "${KEY_TAG}": reposmith writes them to find its tokens again`,
      })
      .optional(),
    rotation: z
      .object({ triggers: triggers("rotation.triggers").optional(), maxAge: duration("rotation.maxAge").optional() })
      .strict()
      .optional(),
    resetTriggers: triggers("resetTriggers").optional(),
    ignoreChanges: z.array(oneOf("ignoreChanges[]", MANAGED_FIELDS as unknown as [string, ...string[]])).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.defaultToken && !s.name)
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: "name is required (a token name unique in the repository)",
      });
  });

export type EntitlementTokenSpec = z.output<typeof EntitlementTokenSpecSchema>;
export type EntitlementTokenInput = z.input<typeof EntitlementTokenSpecSchema>;

export type DesiredFields = Readonly<Partial<Record<ManagedField, unknown>>>;

/**
 * The API fields that express a spec: every managed field, null where unset (a declarative
 * "no limit"). Fields the spec leaves unmanaged are absent: the default token's name and tag.
 */
export function desiredFields(key: string, spec: EntitlementTokenSpec): DesiredFields {
  return computeDesiredFields(key, spec);
}

function computeDesiredFields(key: string, spec: EntitlementTokenSpec): DesiredFields {
  const l = spec.limits;
  const out: Partial<Record<ManagedField, unknown>> = {
    is_active: spec.enabled,
    eula_required: spec.eulaRequired,
    limit_date_range_from: l.dateRangeFrom ?? null,
    limit_date_range_to: l.dateRangeTo ?? null,
    limit_num_clients: l.numClients ?? null,
    limit_num_downloads: l.numDownloads ?? null,
    limit_bandwidth: l.bandwidth?.amount ?? null,
    limit_bandwidth_unit: l.bandwidth?.unit ?? "Byte",
    limit_package_query: l.packageQuery ?? null,
    limit_path_query: l.pathQuery ?? null,
    scheduled_reset_period: spec.scheduledResetPeriod,
  };
  if (spec.name) out.name = spec.name;
  if (spec.privateBroadcasts !== undefined) out.access_private_broadcasts = spec.privateBroadcasts;
  // The default token is found by its flag, not a tag; its metadata is managed only when declared.
  if (!spec.defaultToken) out.metadata = { ...(spec.metadata ?? {}), [MANAGED_BY]: MANAGED_BY_VALUE, [KEY_TAG]: key };
  else if (spec.metadata) out.metadata = { ...spec.metadata };
  return out;
}

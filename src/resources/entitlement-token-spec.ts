import { z } from "zod";
import { BANDWIDTH_UNITS, RESET_PERIODS } from "../api/cloudsmith";
import { count, isoDateTime, jsonValue, repositorySlug, slug } from "./common";
import { fieldTable, UNMANAGED, type TableInput, type TableOutput } from "./field-table";
import { duration } from "./duration";

export const ENTITLEMENT_TOKEN_KIND = "EntitlementToken";

/** Metadata keys reposmith writes on every token it manages (docs/architecture.md#identity-and-adoption). */
export const MANAGED_BY = "managed-by";
export const MANAGED_BY_VALUE = "reposmith";
export const KEY_TAG = "key";

const oneOf = <T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z.enum(values, {
    error: (iss) =>
      `${what} must be one of ${values.map((v) => `"${v}"`).join(", ")} (got ${JSON.stringify(iss.input)})`,
  });

const triggers = (what: string) =>
  z.record(z.string(), z.string({ error: `${what} values must be strings (change one to trigger the action)` }));

const query = (what: string) =>
  z
    .string()
    .min(1)
    .max(1024, { error: `${what} must be at most 1024 characters` })
    .optional();

/** What the table's `value` functions read of a spec (the full type is derived from the table). */
interface TokenSpecCore {
  readonly defaultToken: boolean;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * The token's managed fields, in plan order (the order state keeps them in): the writable API
 * fields reposmith sets, compares and shows, each with its prop. docs/architecture.md#adding-a-field.
 */
export const TOKEN_FIELDS = fieldTable(
  [
    {
      api: "name",
      /** Absent only for the repository's default token, whose name is then left alone. */
      prop: "name",
      // The spec gives only minLength 1: a longer name than Cloudsmith takes is the API's to refuse.
      schema: z.string().min(1, { error: "name must not be empty" }).optional(),
      unset: UNMANAGED,
      sync: "key",
    },
    { api: "is_active", prop: "enabled", schema: z.boolean().default(true), sync: "carried" },
    { api: "eula_required", prop: "eulaRequired", schema: z.boolean().default(false), sync: "carried" },
    {
      api: "limit_date_range_from",
      prop: "limits.dateRangeFrom",
      schema: isoDateTime("limits.dateRangeFrom").optional(),
      compare: "instant",
      sync: "carried",
    },
    {
      api: "limit_date_range_to",
      prop: "limits.dateRangeTo",
      schema: isoDateTime("limits.dateRangeTo").optional(),
      compare: "instant",
      sync: "carried",
    },
    {
      api: "limit_num_clients",
      prop: "limits.numClients",
      schema: count("limits.numClients").optional(),
      sync: "carried",
    },
    {
      api: "limit_num_downloads",
      prop: "limits.numDownloads",
      schema: count("limits.numDownloads").optional(),
      sync: "carried",
    },
    {
      api: "limit_bandwidth",
      prop: "limits.bandwidth.amount",
      schema: count("limits.bandwidth.amount"),
      sync: "carried",
    },
    {
      api: "limit_bandwidth_unit",
      prop: "limits.bandwidth.unit",
      schema: oneOf("limits.bandwidth.unit", BANDWIDTH_UNITS).default("Byte"),
      // Cloudsmith reports its default "Byte" for a token without a bandwidth limit.
      unset: "Byte",
      meaningfulWith: "limit_bandwidth",
      sync: "carried",
    },
    {
      api: "limit_package_query",
      prop: "limits.packageQuery",
      schema: query("limits.packageQuery"),
      compare: "blank-null",
      sync: "carried",
    },
    {
      /** Deprecated by Cloudsmith in favour of packageQuery. */
      api: "limit_path_query",
      prop: "limits.pathQuery",
      schema: query("limits.pathQuery"),
      compare: "blank-null",
      sync: "carried",
    },
    {
      api: "scheduled_reset_period",
      prop: "scheduledResetPeriod",
      schema: oneOf("scheduledResetPeriod", RESET_PERIODS).default("Never Reset"),
      sync: "carried",
    },
    {
      api: "scheduled_reset_at",
      prop: "scheduledResetAt",
      schema: isoDateTime("scheduledResetAt").optional(),
      unset: UNMANAGED,
      compare: "instant",
      // Cloudsmith moves it at each scheduled reset: that is not drift, and a sync's copy says nothing.
      drift: false,
    },
    {
      api: "metadata",
      prop: "metadata",
      schema: z
        .record(z.string(), jsonValue)
        .refine((m) => !(MANAGED_BY in m) && !(KEY_TAG in m), {
          error:
            `metadata must not set "${MANAGED_BY}" or "${KEY_TAG}": reposmith writes them to find its tokens ` +
            `again`,
        })
        .optional(),
      // The default token is found by its flag, not a tag; its metadata is managed only when declared.
      value: (spec: TokenSpecCore, key: string) =>
        !spec.defaultToken
          ? { ...spec.metadata, [MANAGED_BY]: MANAGED_BY_VALUE, [KEY_TAG]: key }
          : spec.metadata
            ? { ...spec.metadata }
            : UNMANAGED,
      compare: "json",
      sync: "undocumented",
    },
    {
      api: "access_private_broadcasts",
      /** Managed only when given (toggled through its own endpoint). */
      prop: "privateBroadcasts",
      schema: z.boolean().optional(),
      unset: UNMANAGED,
      sync: "undocumented",
    },
  ],
  {
    limits: (o) =>
      o
        .superRefine((l, ctx) => {
          const { dateRangeFrom: from, dateRangeTo: to } = l as { dateRangeFrom?: string; dateRangeTo?: string };
          if (from && to && Date.parse(to) <= Date.parse(from)) {
            ctx.addIssue({
              code: "custom",
              path: ["dateRangeTo"],
              message: `limits.dateRangeTo (${to}) must be after limits.dateRangeFrom (${from})`,
            });
          }
        })
        .default({}),
    "limits.bandwidth": (o) => o.optional(),
  },
);

/** The writable API fields reposmith manages, in plan order (the names plans, drift and ignoreChanges use). */
export const MANAGED_FIELDS = TOKEN_FIELDS.apiNames;
export type ManagedField = (typeof MANAGED_FIELDS)[number];

/** The props the table does not hold: identity, rotation and reset triggers, ignoreChanges. */
const OtherProps = z.object({
  owner: slug("owner"),
  repository: repositorySlug("repository", "owner"),
  /** The repository's default token (adopted by its `default` flag; never deleted). */
  defaultToken: z.boolean().default(false),
  rotation: z
    .object({ triggers: triggers("rotation.triggers").optional(), maxAge: duration("rotation.maxAge").optional() })
    .strict()
    .optional(),
  resetTriggers: triggers("resetTriggers").optional(),
  ignoreChanges: z
    .array(oneOf("ignoreChanges[]", MANAGED_FIELDS as unknown as [ManagedField, ...ManagedField[]]))
    .optional(),
});

type TokenFields = typeof TOKEN_FIELDS.fields;
export type EntitlementTokenSpec = z.output<typeof OtherProps> & TableOutput<TokenFields>;
export type EntitlementTokenInput = z.input<typeof OtherProps> & TableInput<TokenFields>;

const P = TOKEN_FIELDS.props;
const O = OtherProps.shape;
/** In the order specs were always parsed in: state keeps the parsed spec as it is. */
export const EntitlementTokenSpecSchema = z
  .object({
    owner: O.owner,
    repository: O.repository,
    name: P.name,
    defaultToken: O.defaultToken,
    enabled: P.enabled,
    eulaRequired: P.eulaRequired,
    limits: P.limits,
    scheduledResetPeriod: P.scheduledResetPeriod,
    scheduledResetAt: P.scheduledResetAt,
    privateBroadcasts: P.privateBroadcasts,
    metadata: P.metadata,
    rotation: O.rotation,
    resetTriggers: O.resetTriggers,
    ignoreChanges: O.ignoreChanges,
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.defaultToken && !s.name)
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: "name is required (a token name unique in the repository)",
      });
  }) as unknown as z.ZodType<EntitlementTokenSpec, EntitlementTokenInput>;

export type DesiredFields = Readonly<Partial<Record<ManagedField, unknown>>>;

/**
 * The API fields that express a spec: every managed field, null where unset (a declarative
 * "no limit"). Fields the spec leaves unmanaged are absent: the default token's name and tag.
 */
export function desiredFields(key: string, spec: EntitlementTokenSpec): DesiredFields {
  return TOKEN_FIELDS.desired(spec, key);
}

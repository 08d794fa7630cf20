/**
 * Zod schemas for the Cloudsmith API v1 objects we use (spec/cloudsmith-openapi.json, Cloudsmith's published OpenAPI
 * description).
 *
 * Response schemas read only the fields reposmith uses, each nullable and optional; unknown extra
 * fields pass through, formats (date-time, uri) and lengths are not checked
 * (docs/api/cloudsmith.md#tolerant-reads). Request schemas are stricter so callers can validate before sending.
 */
import { z } from "zod";

export const BANDWIDTH_UNITS = [
  "Byte",
  "Kilobyte",
  "Megabyte",
  "Gigabyte",
  "Terabyte",
  "Petabyte",
  "Exabyte",
  "Zettabyte",
  "Yottabyte",
] as const;
const BandwidthUnitSchema = z.enum(BANDWIDTH_UNITS);

export const RESET_PERIODS = [
  "Never Reset",
  "Daily",
  "Weekly",
  "Fortnightly",
  "Monthly",
  "Bi-Monthly",
  "Quarterly",
  "Every 6 months",
  "Annual",
] as const;
const ScheduledResetPeriodSchema = z.enum(RESET_PERIODS);

/** Free-form object (`metadata`): checked to be an object and kept as it is, not copied key by key. */
const JsonObject = z.custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
  error: "expected an object",
});

/**
 * The spec declares int64 limits; a JS number is exact only up to 2^53-1, so requests are capped there
 * (docs/api/cloudsmith.md#repositorytoken-fields).
 */
const SafeInt = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

/**
 * Response shape of an entitlement token: only what reposmith uses is read (docs/api/cloudsmith.md#tolerant-reads).
 * Its managed fields (the ones it writes, compares or finds a token by) are checked, each of them may be
 * null or missing (blank values come back as null; a list may give a summary representation), and an
 * enumerated one may hold a value this version does not know (it is then a difference, not an error).
 * Every other field (usage counters, URLs, who made it, `identifier`, ...) is not read at all: it
 * may be null, missing, of another type or new without breaking anything. Only `name` is required,
 * as in the spec. `created_at` and `updated_at` are read where used, as strings or not at all.
 */
export const RepositoryTokenSchema = z.looseObject({
  name: z.string(),
  slug_perm: z.string().optional(),
  /** The secret; the real value only appears with show_tokens=true. */
  token: z.string().nullish(),
  is_active: z.boolean().nullish(),
  eula_required: z.boolean().nullish(),
  default: z.boolean().nullish(),
  access_private_broadcasts: z.boolean().nullish(),
  limit_bandwidth: z.number().int().nullish(),
  limit_bandwidth_unit: z.string().nullish(),
  limit_num_clients: z.number().int().nullish(),
  limit_num_downloads: z.number().int().nullish(),
  limit_date_range_from: z.string().nullish(),
  limit_date_range_to: z.string().nullish(),
  limit_package_query: z.string().nullish(),
  /** Deprecated; use limit_package_query. */
  limit_path_query: z.string().nullish(),
  scheduled_reset_period: z.string().nullish(),
  scheduled_reset_at: z.string().nullish(),
  metadata: JsonObject.nullish(),
});
export type RepositoryToken = z.infer<typeof RepositoryTokenSchema>;

/** Writable fields shared by create, patch and refresh (refresh has no `name`). */
const writableFields = {
  token: z.string().min(1).optional(),
  is_active: z.boolean().optional(),
  eula_required: z.boolean().optional(),
  limit_bandwidth: SafeInt.nullable().optional(),
  limit_bandwidth_unit: BandwidthUnitSchema.nullable().optional(),
  limit_num_clients: SafeInt.nullable().optional(),
  limit_num_downloads: SafeInt.nullable().optional(),
  limit_date_range_from: z.string().nullable().optional(),
  limit_date_range_to: z.string().nullable().optional(),
  limit_package_query: z.string().max(1024).nullable().optional(),
  limit_path_query: z.string().max(1024).nullable().optional(),
  scheduled_reset_period: ScheduledResetPeriodSchema.nullable().optional(),
  scheduled_reset_at: z.string().nullable().optional(),
  metadata: JsonObject.nullable().optional(),
};

const RepositoryTokenRequestSchema = z.object({ name: z.string().min(1), ...writableFields });
export type RepositoryTokenRequest = z.infer<typeof RepositoryTokenRequestSchema>;

const RepositoryTokenRequestPatchSchema = z.object({ name: z.string().min(1).optional(), ...writableFields });
export type RepositoryTokenRequestPatch = z.infer<typeof RepositoryTokenRequestPatchSchema>;

const RepositoryTokenRefreshRequestSchema = z.object({ ...writableFields });
export type RepositoryTokenRefreshRequest = z.infer<typeof RepositoryTokenRefreshRequestSchema>;

/** The sync reply: its tokens are read one by one, as list items are (a malformed one does not fail the reply). */
export const RepositoryTokenSyncSchema = z.looseObject({ tokens: z.array(z.unknown()).nullish() });

export const UserBriefSchema = z.looseObject({
  authenticated: z.boolean().optional(),
  email: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  profile_url: z.string().nullable().optional(),
  self_url: z.string().optional(),
  slug: z.string().nullable().optional(),
  slug_perm: z.string().nullable().optional(),
});
export type UserBrief = z.infer<typeof UserBriefSchema>;

const RateCheckSchema = z.looseObject({
  interval: z.number().optional(),
  limit: z.number().int().optional(),
  remaining: z.number().int().optional(),
  reset: z.number().int().optional(),
  reset_iso_8601: z.string().optional(),
  throttled: z.boolean().optional(),
});

export const ResourcesRateCheckSchema = z.looseObject({
  resources: z.record(z.string(), RateCheckSchema).optional(),
});
export type ResourcesRateCheck = z.infer<typeof ResourcesRateCheckSchema>;

/**
 * Error body. The spec says `{detail, fields: {f: string[]}}`; real bodies also carry `code` and
 * object-valued fields (docs/api/cloudsmith.md#errors), so everything is optional and `fields` is unknown.
 */
export const ErrorDetailSchema = z.looseObject({
  detail: z.unknown().optional(),
  code: z.unknown().optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Zod schemas for the Cloudsmith API v1 objects we use (spec/cloudsmith-openapi.json, Cloudsmith's published OpenAPI description).
 *
 * Response schemas are loose on purpose: unknown extra fields pass through, only `name` is required
 * (as in the spec), formats (date-time, uri) and lengths are not checked. Nullability follows the spec.
 * Request schemas are stricter so callers can validate before sending.
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

/** Free-form object (`metadata`). */
const JsonObject = z.record(z.string(), z.unknown());

/**
 * The spec declares int64 limits; a JS number is exact only up to 2^53-1, so requests are capped there
 * (docs/api/cloudsmith.md#repositorytoken-fields).
 */
const SafeInt = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

const EulaSchema = z.looseObject({
  identifier: z.string().nullable().optional(),
  number: z.number().int().nullable().optional(),
});

/** Response shape of an entitlement token. Only `name` is required. */
export const RepositoryTokenSchema = z.looseObject({
  name: z.string(),
  slug_perm: z.string().optional(),
  /** Deprecated; use slug_perm. */
  identifier: z.number().int().nullable().optional(),
  /** The secret; the real value only appears with show_tokens=true. */
  token: z.string().optional(),
  is_active: z.boolean().optional(),
  eula_required: z.boolean().optional(),
  limit_bandwidth: z.number().int().nullable().optional(),
  limit_bandwidth_unit: BandwidthUnitSchema.nullable().optional(),
  limit_num_clients: z.number().int().nullable().optional(),
  limit_num_downloads: z.number().int().nullable().optional(),
  limit_date_range_from: z.string().nullable().optional(),
  limit_date_range_to: z.string().nullable().optional(),
  limit_package_query: z.string().nullable().optional(),
  /** Deprecated; use limit_package_query. */
  limit_path_query: z.string().nullable().optional(),
  scheduled_reset_period: ScheduledResetPeriodSchema.nullable().optional(),
  scheduled_reset_at: z.string().nullable().optional(),
  metadata: JsonObject.nullable().optional(),
  access_private_broadcasts: z.boolean().optional(),
  // The spec's $ref is not marked nullable, but the docs say blank values come back as null.
  eula_accepted: EulaSchema.nullable().optional(),
  eula_accepted_at: z.string().nullable().optional(),
  eula_accepted_from: z.string().nullable().optional(),
  default: z.boolean().optional(),
  has_limits: z.boolean().optional(),
  is_limited: z.boolean().optional(),
  clients: z.number().int().optional(),
  downloads: z.number().int().optional(),
  usage: z.string().optional(),
  created_at: z.string().optional(),
  created_by: z.string().optional(),
  created_by_url: z.string().optional(),
  updated_at: z.string().nullable().optional(),
  updated_by: z.string().nullable().optional(),
  updated_by_url: z.string().nullable().optional(),
  user: z.string().nullable().optional(),
  user_url: z.string().nullable().optional(),
  self_url: z.string().optional(),
  refresh_url: z.string().optional(),
  reset_url: z.string().optional(),
  enable_url: z.string().optional(),
  disable_url: z.string().optional(),
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

export const RepositoryTokenSyncSchema = z.looseObject({ tokens: z.array(RepositoryTokenSchema).optional() });

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

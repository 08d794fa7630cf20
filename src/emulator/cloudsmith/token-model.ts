/**
 * The stored form of a Cloudsmith entitlement token and its wire form (`RepositoryToken`,
 * components/schemas/RepositoryToken in the published spec). Every schema field is emitted;
 * blank values are `null`, never omitted (Cloudsmith's documented convention).
 */
import { isoNow, randomAlnum } from "../util";

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

/** The value every response shows instead of the secret unless `show_tokens=true`. */
const MASKED_TOKEN = "************";

/** The user every write is attributed to. */
export const EMULATOR_USER = "emulator-user";

/** Fields a client may write (RepositoryTokenRequest / ...Patch / RefreshRequest). */
export interface WritableTokenFields {
  name: string;
  token: string;
  is_active: boolean;
  eula_required: boolean;
  limit_bandwidth: number | null;
  limit_bandwidth_unit: string | null;
  limit_num_clients: number | null;
  limit_num_downloads: number | null;
  limit_date_range_from: string | null;
  limit_date_range_to: string | null;
  limit_package_query: string | null;
  limit_path_query: string | null;
  scheduled_reset_period: string | null;
  scheduled_reset_at: string | null;
  metadata: Record<string, unknown> | null;
}

export interface TokenRecord extends WritableTokenFields {
  slug_perm: string;
  identifier: number;
  default: boolean;
  access_private_broadcasts: boolean;
  clients: number;
  downloads: number;
  /** Hidden usage counter (bytes downloaded); not in the API, zeroed by reset. */
  bandwidth: number;
  created_at: string;
  created_by: string;
  updated_at: string | null;
  updated_by: string | null;
  user: string | null;
}

/** A 12-character `[A-Za-z0-9]` permanent slug, like Cloudsmith's. */
export function newSlugPerm(): string {
  return randomAlnum(12);
}

/** A server-generated secret: 16 alphanumerics (what the Cloudsmith CLI documents). */
export function newTokenValue(): string {
  return randomAlnum(16);
}

/** A new record with Cloudsmith's defaults, overlaid with `fields`. */
export function newTokenRecord(identifier: number, fields: Partial<TokenRecord> & { name: string }): TokenRecord {
  const now = isoNow();
  return {
    token: newTokenValue(),
    is_active: true,
    eula_required: false,
    limit_bandwidth: null,
    limit_bandwidth_unit: "Byte",
    limit_num_clients: null,
    limit_num_downloads: null,
    limit_date_range_from: null,
    limit_date_range_to: null,
    limit_package_query: null,
    limit_path_query: null,
    scheduled_reset_period: "Never Reset",
    scheduled_reset_at: null,
    metadata: null,
    slug_perm: newSlugPerm(),
    identifier,
    default: false,
    access_private_broadcasts: false,
    clients: 0,
    downloads: 0,
    bandwidth: 0,
    created_at: now,
    created_by: EMULATOR_USER,
    updated_at: now,
    updated_by: EMULATOR_USER,
    user: null,
    ...fields,
  };
}

/** Marks a record as changed now by the emulator user. */
export function touch(record: TokenRecord): void {
  record.updated_at = isoNow();
  record.updated_by = EMULATOR_USER;
}

const UNIT_BYTES: Record<string, number> = Object.fromEntries(BANDWIDTH_UNITS.map((u, i) => [u, 1024 ** i]));

function hasLimits(t: TokenRecord): boolean {
  return [
    t.limit_bandwidth,
    t.limit_num_clients,
    t.limit_num_downloads,
    t.limit_date_range_from,
    t.limit_date_range_to,
    t.limit_package_query,
    t.limit_path_query,
  ].some((v) => v !== null);
}

/** True when a limit currently stops the token from being used (counters reached, outside the date window). */
function isLimited(t: TokenRecord, nowMs = Date.now()): boolean {
  if (t.limit_num_downloads !== null && t.downloads >= t.limit_num_downloads) return true;
  if (t.limit_num_clients !== null && t.clients >= t.limit_num_clients) return true;
  if (
    t.limit_bandwidth !== null &&
    t.bandwidth >= t.limit_bandwidth * (UNIT_BYTES[t.limit_bandwidth_unit ?? "Byte"] ?? 1)
  )
    return true;
  if (t.limit_date_range_from !== null && nowMs < Date.parse(t.limit_date_range_from)) return true;
  if (t.limit_date_range_to !== null && nowMs > Date.parse(t.limit_date_range_to)) return true;
  return false;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Where the token lives, for building its URLs. `root` is e.g. `http://127.0.0.1:4010`. */
export interface TokenLocation {
  root: string;
  owner: string;
  repo: string;
}

/**
 * The `RepositoryToken` wire representation. The secret appears only when `showToken` is true.
 * `loose` (settings.looseAnswers): the fields reposmith does not manage come back null, missing or
 * of another type, and a field no version of the spec has is added; managed fields are as always.
 */
export function toRepositoryToken(
  t: TokenRecord,
  loc: TokenLocation,
  showToken: boolean,
  loose = false,
): Record<string, unknown> {
  const wire = strictToken(t, loc, showToken);
  return loose ? loosen(wire, LOOSE_TOKEN) : wire;
}

/** How settings.looseAnswers answers a field the client does not manage: null, left out, or another type. */
export type Loosening = Record<string, "null" | "missing" | ((v: unknown) => unknown)>;

const LOOSE_TOKEN: Loosening = {
  clients: "null",
  downloads: (v) => String(v),
  created_by: "null",
  created_by_url: "null",
  usage: "null",
  self_url: "null",
  refresh_url: "missing",
  reset_url: "null",
  enable_url: "missing",
  disable_url: "null",
  has_limits: "null",
  is_limited: (v) => (v ? 1 : 0),
  identifier: (v) => String(v),
  eula_accepted: "missing",
  eula_accepted_at: (v) => v ?? false,
  updated_by_url: "null",
  user_url: (v) => (v === null ? {} : v),
};

/** A wire object loosened as `how` says, plus a field no spec has. */
export function loosen(wire: Record<string, unknown>, how: Loosening): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wire)) {
    const rule = how[k];
    if (rule === "missing") continue;
    out[k] = rule === undefined ? v : rule === "null" ? null : rule(v);
  }
  out.emulator_field_from_a_later_version = { added: true, values: [1, "two", null] };
  return out;
}

function strictToken(t: TokenRecord, loc: TokenLocation, showToken: boolean): Record<string, unknown> {
  const base = `${loc.root}/v1/entitlements/${loc.owner}/${loc.repo}/${t.slug_perm}/`;
  const userUrl = (slug: string | null) => (slug === null ? null : `${loc.root}/v1/users/profile/${slug}/`);
  return {
    access_private_broadcasts: t.access_private_broadcasts,
    clients: t.clients,
    created_at: t.created_at,
    created_by: t.created_by,
    created_by_url: userUrl(t.created_by),
    default: t.default,
    disable_url: `${base}disable/`,
    downloads: t.downloads,
    enable_url: `${base}enable/`,
    eula_accepted: null,
    eula_accepted_at: null,
    eula_accepted_from: null,
    eula_required: t.eula_required,
    has_limits: hasLimits(t),
    identifier: t.identifier,
    is_active: t.is_active,
    is_limited: isLimited(t),
    limit_bandwidth: t.limit_bandwidth,
    limit_bandwidth_unit: t.limit_bandwidth_unit,
    limit_date_range_from: t.limit_date_range_from,
    limit_date_range_to: t.limit_date_range_to,
    limit_num_clients: t.limit_num_clients,
    limit_num_downloads: t.limit_num_downloads,
    limit_package_query: t.limit_package_query,
    limit_path_query: t.limit_path_query,
    metadata: t.metadata,
    name: t.name,
    refresh_url: `${base}refresh/`,
    reset_url: `${base}reset/`,
    scheduled_reset_at: t.scheduled_reset_at,
    scheduled_reset_period: t.scheduled_reset_period,
    self_url: base,
    slug_perm: t.slug_perm,
    token: showToken ? t.token : MASKED_TOKEN,
    updated_at: t.updated_at,
    updated_by: t.updated_by,
    updated_by_url: userUrl(t.updated_by),
    usage: `${plural(t.downloads, "download")}, ${plural(t.clients, "client")}`,
    user: t.user,
    user_url: userUrl(t.user),
  };
}

interface WireCacheEntry {
  context: string;
  values: unknown[];
  bytes: Buffer;
}
const wireCache = new WeakMap<TokenRecord, WireCacheEntry>();

/**
 * `toRepositoryToken` as UTF-8 JSON bytes, reused while the record and the request's context are
 * unchanged. List pages of thousands of tokens are the emulator's hot path: serialising and encoding
 * each token afresh on its one thread would add more to every round trip than the latency being
 * emulated. A record counts as unchanged when all its values are identical (writes replace values,
 * `metadata` included, never edit them in place) and its time-dependent `is_limited` is the same.
 */
export function repositoryTokenBytes(t: TokenRecord, loc: TokenLocation, showToken: boolean, loose = false): Buffer {
  const context = `${loc.root}\n${loc.owner}\n${loc.repo}\n${showToken}\n${isLimited(t)}\n${loose}`;
  const values = Object.values(t);
  const hit = wireCache.get(t);
  if (
    hit &&
    hit.context === context &&
    hit.values.length === values.length &&
    hit.values.every((v, i) => v === values[i])
  )
    return hit.bytes;
  const bytes = Buffer.from(JSON.stringify(toRepositoryToken(t, loc, showToken, loose)));
  wireCache.set(t, { context, values, bytes });
  return bytes;
}

const COMMA = Buffer.from(",");
const OPEN = Buffer.from("[");
const CLOSE = Buffer.from("]");

/** A JSON array of already-encoded items. */
export function jsonArrayBytes(items: Buffer[]): Buffer {
  const parts: Buffer[] = [OPEN];
  items.forEach((b, i) => parts.push(...(i ? [COMMA, b] : [b])));
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

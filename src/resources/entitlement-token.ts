import { z } from "zod";
import {
  BANDWIDTH_UNITS,
  RESET_PERIODS,
  isNotFound,
  type CloudsmithClient,
  type RepositoryToken,
  type RepositoryTokenRequestPatch,
} from "../api/cloudsmith";
import { canonicalJson } from "../util/canonical";
import { count, isoDateTime, jsonValue, sameInstant, slug } from "./common";
import type { ConnectionRef, FieldChange, HandlerContext, Observed, ResourceHandler, ResourceState } from "./types";

export const ENTITLEMENT_TOKEN_KIND = "EntitlementToken";

/** Metadata keys reposmith writes on every token it manages (design.md "Identity and adoption"). */
export const MANAGED_BY = "managed-by";
export const MANAGED_BY_VALUE = "reposmith";
export const KEY_TAG = "key";

const oneOf = <T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z.enum(values, {
    error: (iss) => `${what} must be one of ${values.map((v) => `"${v}"`).join(", ")} (got ${JSON.stringify(iss.input)})`,
  });

export const TokenLimitsSchema = z
  .object({
    /** Start of the validity window. */
    dateRangeFrom: isoDateTime("limits.dateRangeFrom").optional(),
    /** End of the validity window. */
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
    packageQuery: z.string().min(1).max(1024, { error: "limits.packageQuery must be at most 1024 characters" }).optional(),
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
    repository: slug("repository"),
    name: z.string().min(1, { error: "name must not be empty" }).max(255),
    active: z.boolean().default(true),
    eulaRequired: z.boolean().default(false),
    limits: TokenLimitsSchema.default({}),
    scheduledResetPeriod: oneOf("scheduledResetPeriod", RESET_PERIODS as unknown as [string, ...string[]]).default("Never Reset"),
    metadata: z
      .record(z.string(), jsonValue)
      .refine((m) => !(MANAGED_BY in m) && !(KEY_TAG in m), {
        error: `metadata must not set "${MANAGED_BY}" or "${KEY_TAG}": reposmith writes them to find its tokens again`,
      })
      .optional(),
  })
  .strict();

export type EntitlementTokenSpec = z.output<typeof EntitlementTokenSpecSchema>;
export type EntitlementTokenInput = z.input<typeof EntitlementTokenSpecSchema>;

/** The writable API fields reposmith manages, in plan order. */
const MANAGED_FIELDS = [
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
] as const;
type ManagedField = (typeof MANAGED_FIELDS)[number];
const DATE_FIELDS = new Set<ManagedField>(["limit_date_range_from", "limit_date_range_to"]);
/** Extra observed fields kept in state (never `token`). */
const KEPT_FIELDS = ["slug_perm", "default", "created_at", "updated_at"] as const;

/** The API body that expresses a spec: every managed field, null where unset (a declarative "no limit"). */
export function desiredFields(key: string, spec: EntitlementTokenSpec): Record<ManagedField, unknown> {
  const l = spec.limits;
  return {
    name: spec.name,
    is_active: spec.active,
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
    metadata: { ...(spec.metadata ?? {}), [MANAGED_BY]: MANAGED_BY_VALUE, [KEY_TAG]: key },
  };
}

function observedFields(t: RepositoryToken): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of [...KEPT_FIELDS, ...MANAGED_FIELDS]) out[f] = (t as Record<string, unknown>)[f] ?? null;
  return out;
}

function same(field: ManagedField, want: unknown, have: unknown, desired: Record<ManagedField, unknown>): boolean {
  if (DATE_FIELDS.has(field)) return sameInstant(want, have);
  // The unit means nothing without an amount; Cloudsmith reports its default "Byte" then.
  if (field === "limit_bandwidth_unit" && desired.limit_bandwidth == null) return true;
  // Blank queries come back as null or "" depending on how they were cleared.
  if (field === "limit_package_query" || field === "limit_path_query") return (want || null) === (have || null);
  if (field === "metadata") return canonicalJson(want ?? {}) === canonicalJson(have ?? {});
  return want === have;
}

export function tokenId(owner: string, repo: string, slugPerm: string): string {
  return `${owner}.${repo}.${slugPerm}`;
}

/** Parses `owner.repo.slug_perm` (terraform-provider-cloudsmith's import id). */
export function parseTokenId(id: string): { owner: string; repository: string; slugPerm: string } {
  const parts = id.split(".");
  if (parts.length !== 3 || parts.some((p) => !p)) {
    throw new Error(`"${id}" is not an entitlement token id: expected owner.repository.slug_perm, e.g. acme.prod.a1B2c3D4e5F6`);
  }
  return { owner: parts[0], repository: parts[1], slugPerm: parts[2] };
}

function toObserved(owner: string, repo: string, t: RepositoryToken, adopted = false): Observed {
  return { id: tokenId(owner, repo, t.slug_perm ?? ""), fields: observedFields(t), adopted };
}

/** All tokens of one repository, read once per engine run (one call per 500 tokens, not one GET each). */
function listTokens(ctx: HandlerContext, client: CloudsmithClient, owner: string, repo: string): Promise<RepositoryToken[]> {
  return ctx.memo(tokensCacheKey(client, owner, repo), () => client.entitlements.list(owner, repo));
}
const tokensCacheKey = (client: CloudsmithClient, owner: string, repo: string) =>
  `cloudsmith:${client.baseUrl}:entitlements:${owner}/${repo}`;

/** Tokens carrying our identity tag for `key`: the adoption rule that prevents duplicates after a crash. */
function taggedWith(tokens: RepositoryToken[], key: string): RepositoryToken[] {
  return tokens.filter((t) => {
    const m = t.metadata as Record<string, unknown> | null | undefined;
    return m?.[MANAGED_BY] === MANAGED_BY_VALUE && m?.[KEY_TAG] === key;
  });
}

function findToken(tokens: RepositoryToken[], key: string, slugPerm?: string): { token: RepositoryToken; adopted: boolean } | undefined {
  if (slugPerm) {
    const t = tokens.find((x) => x.slug_perm === slugPerm);
    if (t) return { token: t, adopted: false };
  }
  const tagged = taggedWith(tokens, key);
  if (tagged.length === 0) return undefined;
  // Oldest first: if a crash ever left two, the first one created is the one we keep.
  tagged.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  return { token: tagged[0], adopted: true };
}

function stateSlug(state: ResourceState | undefined, owner: string, repo: string): string | undefined {
  if (!state) return undefined;
  const id = parseTokenId(state.id);
  return id.owner === owner && id.repository === repo ? id.slugPerm : undefined;
}

export const entitlementTokenHandler: ResourceHandler<EntitlementTokenSpec> = {
  kind: ENTITLEMENT_TOKEN_KIND,
  spec: EntitlementTokenSpecSchema,

  describe: (spec) => `${spec.owner}/${spec.repository} "${spec.name}"`,

  async observe(ctx, key, spec, conn, state) {
    const client = ctx.clients.cloudsmith(conn);
    const tokens = await listTokens(ctx, client, spec.owner, spec.repository);
    const found = findToken(tokens, key, stateSlug(state, spec.owner, spec.repository));
    return found && toObserved(spec.owner, spec.repository, found.token, found.adopted);
  },

  diff(key, spec, observed) {
    const desired = desiredFields(key, spec);
    const changes: FieldChange[] = [];
    const id = parseTokenId(observed.id);
    if (id.owner !== spec.owner || id.repository !== spec.repository) {
      changes.push({ path: "repository", old: `${id.owner}/${id.repository}`, new: `${spec.owner}/${spec.repository}`, effect: "replace" });
      return changes;
    }
    for (const f of MANAGED_FIELDS) {
      if (!same(f, desired[f], observed.fields[f], desired)) changes.push({ path: f, old: observed.fields[f] ?? null, new: desired[f], effect: "update" });
    }
    return changes;
  },

  planCreate(key, spec) {
    const d = desiredFields(key, spec);
    const shown: Record<string, unknown> = { owner: spec.owner, repository: spec.repository };
    for (const f of MANAGED_FIELDS) if (d[f] !== null) shown[f] = d[f];
    return shown;
  },

  async create(ctx, key, spec, conn) {
    const client = ctx.clients.cloudsmith(conn);
    const { owner, repository } = spec;
    if (spec.limits.pathQuery) ctx.notice(`${key}: limits.pathQuery is deprecated by Cloudsmith; prefer limits.packageQuery`);
    try {
      const created = await client.entitlements.create(owner, repository, desiredFields(key, spec) as never);
      ctx.invalidate(tokensCacheKey(client, owner, repository));
      return toObserved(owner, repository, created);
    } catch (err) {
      // A POST that failed after it was sent may still have created the token. Never retry it blindly:
      // list again and adopt the token carrying our key if it is there (cloudsmith-api.md §8.1).
      if (!(err as { ambiguous?: boolean }).ambiguous) throw err;
      ctx.invalidate(tokensCacheKey(client, owner, repository));
      const found = findToken(await listTokens(ctx, client, owner, repository), key);
      if (!found) throw err;
      return toObserved(owner, repository, found.token, true);
    }
  },

  async update(ctx, key, spec, conn, observed, changes) {
    const client = ctx.clients.cloudsmith(conn);
    const desired = desiredFields(key, spec);
    const body: Record<string, unknown> = {};
    for (const c of changes) body[c.path] = desired[c.path as ManagedField];
    const { slugPerm } = parseTokenId(observed.id);
    const updated = await client.entitlements.update(spec.owner, spec.repository, slugPerm, body as RepositoryTokenRequestPatch);
    ctx.invalidate(tokensCacheKey(client, spec.owner, spec.repository));
    return toObserved(spec.owner, spec.repository, updated);
  },

  async observeState(ctx, state, conn) {
    const { owner, repository, slugPerm } = parseTokenId(state.id);
    const client = ctx.clients.cloudsmith(conn);
    try {
      const tokens = await listTokens(ctx, client, owner, repository);
      const t = tokens.find((x) => x.slug_perm === slugPerm);
      return t && toObserved(owner, repository, t);
    } catch (err) {
      if (isNotFound(err)) return undefined; // the repository itself is gone
      throw err;
    }
  },

  async delete(ctx, state, conn) {
    const { owner, repository, slugPerm } = parseTokenId(state.id);
    const client = ctx.clients.cloudsmith(conn);
    try {
      await client.entitlements.delete(owner, repository, slugPerm);
    } catch (err) {
      if (!isNotFound(err)) throw err; // already gone is success
    }
    ctx.invalidate(tokensCacheKey(client, owner, repository));
  },

  async import(ctx, id, conn) {
    const { owner, repository, slugPerm } = parseTokenId(id);
    const client = ctx.clients.cloudsmith(conn);
    return toObserved(owner, repository, await client.entitlements.read(owner, repository, slugPerm));
  },
};

export type { ConnectionRef };

/**
 * Finding entitlement tokens: ids (owner.repo.slug_perm, as terraform-provider-cloudsmith), one list
 * per repository and run, and an index by slug_perm, by reposmith tag and by the default flag.
 */
import { malformedProblem, markMalformed } from "../api/http";
import type { CloudsmithClient, RepositoryToken } from "../api/cloudsmith";
import {
  KEY_TAG,
  MANAGED_BY,
  MANAGED_BY_VALUE,
  type EntitlementTokenSpec,
  type ManagedField,
} from "./entitlement-token-spec";
import type { HandlerContext, Observed, ResourceState } from "./types";

/** Extra observed fields kept in state besides the managed ones. */
type KeptField = "slug_perm" | "identifier" | "default" | "created_at" | "updated_at";
/** The fields state keeps of a token: the managed ones, a few more, and `rotated_at` (ours). */
export type ObservedTokenFields = Record<KeptField | ManagedField | "rotated_at", unknown>;

/**
 * The fields state keeps of a token (never `token`); `rotated_at` is ours: when the value last changed.
 * One object literal of the final shape (its type makes it name every field once): built for every
 * token of every plan, where adding 19 properties in a loop reallocated the object's property store.
 */
export function observedFields(t: RepositoryToken | ListedToken, rotatedAt: unknown): ObservedTokenFields {
  const f = t as Record<string, unknown>;
  // Not managed, so not checked by the schema: kept when they are the documented strings.
  const created = typeof f.created_at === "string" ? f.created_at : null;
  return {
    slug_perm: f.slug_perm ?? null,
    default: f.default ?? null,
    created_at: created,
    updated_at: typeof f.updated_at === "string" ? f.updated_at : null,
    name: f.name ?? null,
    is_active: f.is_active ?? null,
    eula_required: f.eula_required ?? null,
    limit_date_range_from: f.limit_date_range_from ?? null,
    limit_date_range_to: f.limit_date_range_to ?? null,
    limit_num_clients: f.limit_num_clients ?? null,
    limit_num_downloads: f.limit_num_downloads ?? null,
    limit_bandwidth: f.limit_bandwidth ?? null,
    limit_bandwidth_unit: f.limit_bandwidth_unit ?? null,
    limit_package_query: f.limit_package_query ?? null,
    limit_path_query: f.limit_path_query ?? null,
    scheduled_reset_period: f.scheduled_reset_period ?? null,
    metadata: f.metadata ?? null,
    access_private_broadcasts: f.access_private_broadcasts ?? null,
    rotated_at: rotatedAt ?? created,
    // Kept only to be given out (EntitlementToken.identifier); last, so older state keeps its bytes.
    identifier: typeof f.identifier === "number" || typeof f.identifier === "string" ? f.identifier : null,
  };
}

export function tokenId(owner: string, repo: string, slugPerm: string): string {
  return `${owner}.${repo}.${slugPerm}`;
}

/** Parses `owner.repo.slug_perm` (terraform-provider-cloudsmith's import id). */
export function parseTokenId(id: string): { owner: string; repository: string; slugPerm: string } {
  const parts = id.split(".");
  if (parts.length !== 3 || parts.some((p) => !p)) {
    throw new Error(
      `"${id}" is not an entitlement token id: expected owner.repository.slug_perm, e.g. acme.prod.a1B2c3D4e5F6`,
    );
  }
  return { owner: parts[0], repository: parts[1], slugPerm: parts[2] };
}

/**
 * A token as a run keeps its repository's list: the fields state keeps (null where absent), with
 * `rotated_at` at its default, `created_at`; never the secret, nor the twenty-odd other fields a
 * list page carries. A run holds every page it read until it ends: for 10,000 tokens the parsed
 * pages were 12.6 MB kept alive through the whole plan (so copied into the old generation by the
 * garbage collector), their projections are a quarter of that. Frozen, because a token that was
 * never rotated is observed as this very object (see toObserved), shared by plan and list.
 */
export type ListedToken = Readonly<ObservedTokenFields>;

/** The listed form of a token read from the API (of a listed token, an equal one); a malformed one stays marked. */
export function listedToken(t: RepositoryToken | ListedToken): ListedToken {
  const fields = observedFields(t, undefined);
  const problem = malformedProblem(t);
  return Object.freeze(problem === undefined ? fields : markMalformed(fields, problem));
}

/** How messages name a listed token: `acme/prod token "ci" (a1B2c3D4e5F6)`. */
export function tokenLabel(owner: string, repo: string, t: ListedToken): string {
  const name = typeof t.name === "string" && t.name ? ` "${t.name}"` : "";
  const slug = typeof t.slug_perm === "string" ? ` (${t.slug_perm})` : "";
  return `${owner}/${repo} token${name}${slug}`;
}

/**
 * Throws for a token the API answered with a malformed managed field: naming it and the field.
 * Acting on it (comparing, patching) could undo what its real values say; the other tokens of its
 * repository are not affected.
 */
export function requireReadable(owner: string, repo: string, t: ListedToken): ListedToken {
  const problem = malformedProblem(t);
  if (problem === undefined) return t;
  throw new Error(
    `${tokenLabel(owner, repo, t)} came back malformed (${problem}); reposmith does not compare or change it until it reads back as documented: check it in Cloudsmith`,
  );
}

/**
 * A malformed token that may be the one declared as `name` (same name, or a name that could not be
 * read): creating another could duplicate it, so the declared token fails, naming it.
 */
export function malformedNamesake(tokens: readonly ListedToken[], name: string | undefined): ListedToken | undefined {
  for (const t of tokens) if (malformedProblem(t) !== undefined && (t.name === name || !t.name)) return t;
  return undefined;
}

/**
 * A token as plans and state see it. `rotatedAt` is what state remembers of its last rotation: when
 * there is none, or it is the listed default, the listed object itself is the observation (no copy
 * for each of 10,000 tokens a plan); `id`, when state's id already names this token, is reused too.
 */
export function toObserved(
  owner: string,
  repo: string,
  t: ListedToken,
  rotatedAt?: unknown,
  adopted = false,
  id?: string,
): Observed {
  const fields = rotatedAt == null || rotatedAt === t.rotated_at ? t : { ...t, rotated_at: rotatedAt };
  return { id: id ?? listedTokenId(owner, repo, t), fields, adopted };
}

/** The id (`owner.repo.slug_perm`) of a listed token of owner/repo. */
export function listedTokenId(owner: string, repo: string, t: ListedToken): string {
  return tokenId(owner, repo, typeof t.slug_perm === "string" ? t.slug_perm : "");
}

/**
 * Per client, owner and repository: the run memo's key and the read behind it, made once (not a key
 * string and a closure for each of 10,000 tokens a plan, most of which find the list already read).
 */
interface TokensRead {
  key: string;
  read: () => Promise<readonly ListedToken[]>;
}
const tokensReads = new WeakMap<CloudsmithClient, Map<string, Map<string, TokensRead>>>();

function tokensRead(client: CloudsmithClient, owner: string, repo: string): TokensRead {
  let byOwner = tokensReads.get(client);
  if (!byOwner) tokensReads.set(client, (byOwner = new Map()));
  let byRepo = byOwner.get(owner);
  if (!byRepo) byOwner.set(owner, (byRepo = new Map()));
  let r = byRepo.get(repo);
  if (r === undefined) {
    r = {
      key: `cloudsmith:${client.baseUrl}:entitlements:${owner}/${repo}`,
      // Only the listed form of each token is kept: a page that comes back unchanged is given the
      // listed tokens made from it before (and so the same index), not 100 new objects a page.
      read: () => client.entitlements.list(owner, repo, { keep: listedToken }),
    };
    byRepo.set(repo, r);
  }
  return r;
}

export function tokensCacheKey(client: CloudsmithClient, owner: string, repo: string): string {
  return tokensRead(client, owner, repo).key;
}

/** All tokens of one repository, read once per engine run (one call per 500 tokens, not one GET each), as listed tokens. */
export function listTokens(
  ctx: HandlerContext,
  client: CloudsmithClient,
  owner: string,
  repo: string,
): Promise<readonly ListedToken[]> {
  const { key, read } = tokensRead(client, owner, repo);
  return ctx.memo(key, read);
}

/** One repository's token list, indexed once: lookups per resource must not scan the list (10,000 tokens in one repository = 10^8 comparisons). */
interface TokenIndex {
  bySlug: Map<string, ListedToken>;
  /**
   * Two tokens of the list share a name: this repository does not keep names unique (cloudsmith-cli:
   * uniqueness "may not apply to older repositories", docs/api/cloudsmith.md#entitlement-actions),
   * so a name never says which token is meant, nor that a create will be refused.
   */
  namesRepeat: boolean;
  /** Tokens carrying our identity tag, by key, oldest first: if a crash ever left two, the first one created is the one we keep. */
  byKey: Map<string, ListedToken[]>;
  defaultToken: ListedToken | undefined;
}
const tokenIndexes = new WeakMap<readonly ListedToken[], TokenIndex>();

export function indexTokens(tokens: readonly ListedToken[]): TokenIndex {
  let index = tokenIndexes.get(tokens);
  if (index) return index;
  index = { bySlug: new Map(), namesRepeat: false, byKey: new Map(), defaultToken: undefined };
  const names = new Set<unknown>();
  for (const t of tokens) {
    if (names.has(t.name)) index.namesRepeat = true;
    else names.add(t.name);
    if (typeof t.slug_perm === "string" && !index.bySlug.has(t.slug_perm)) index.bySlug.set(t.slug_perm, t);
    if (t.default === true) index.defaultToken ??= t;
    const m = t.metadata as Record<string, unknown> | null | undefined;
    const key = m?.[KEY_TAG];
    if (m?.[MANAGED_BY] === MANAGED_BY_VALUE && typeof key === "string") {
      const list = index.byKey.get(key);
      if (list) list.push(t);
      else index.byKey.set(key, [t]);
    }
  }
  for (const list of index.byKey.values())
    if (list.length > 1) list.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  tokenIndexes.set(tokens, index);
  return index;
}

export function findToken(
  tokens: readonly ListedToken[],
  key: string,
  spec: EntitlementTokenSpec | undefined,
  slugPerm?: string,
): { token: ListedToken; adopted: boolean } | undefined {
  const index = indexTokens(tokens);
  if (slugPerm) {
    const t = index.bySlug.get(slugPerm);
    if (t) return { token: t, adopted: false };
  }
  if (spec?.defaultToken) return index.defaultToken && { token: index.defaultToken, adopted: true };
  // The tag names a key, and another app may use the same stack and construct names: a tagged
  // token is only this resource's when its name matches too (import takes over any other).
  const tagged = index.byKey.get(key)?.find((t) => !spec || t.name === spec.name);
  return tagged && { token: tagged, adopted: true };
}

/** Whether a token id (`owner.repo.slug_perm`) names a token of owner/repo; compared in place, no string built (called per token per plan). */
export function inRepository(id: string, owner: string, repo: string): boolean {
  const o = owner.length;
  const r = repo.length;
  return (
    id.length > o + r + 2 &&
    id.startsWith(owner) &&
    id.charCodeAt(o) === 0x2e &&
    id.startsWith(repo, o + 1) &&
    id.charCodeAt(o + 1 + r) === 0x2e
  );
}

export function stateSlug(state: ResourceState | undefined, owner: string, repo: string): string | undefined {
  if (!state || !inRepository(state.id, owner, repo)) return undefined;
  const slug = state.id.slice(owner.length + repo.length + 2);
  return slug.includes(".") ? undefined : slug;
}

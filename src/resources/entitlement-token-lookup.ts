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
  MANAGED_FIELDS,
  TOKEN_FIELDS,
  type EntitlementTokenSpec,
  type ManagedField,
} from "./entitlement-token-spec";
import type { HandlerContext, Observed, ResourceState } from "./types";

/** Extra observed fields kept in state besides the managed ones. */
type KeptField = "slug_perm" | "identifier" | "default" | "created_at" | "updated_at";
/** The fields state keeps of a token: the managed ones, a few more, and `rotated_at` (ours). */
export type ObservedTokenFields = Record<KeptField | ManagedField | "rotated_at", unknown>;

/**
 * Every field of the projection, null, in the order state keeps them (a compatibility contract:
 * `identifier` came last, so older state keeps its bytes). A projection starts as a copy of it, so
 * each token's object has its final shape before its values are set.
 */
const SHAPE: ObservedTokenFields = Object.fromEntries(
  ["slug_perm", "default", "created_at", "updated_at", ...MANAGED_FIELDS, "rotated_at", "identifier"].map((k) => [
    k,
    null,
  ]),
) as ObservedTokenFields;

/** The fields state keeps of a token (never `token`); `rotated_at` is ours: when the value last changed. */
export function observedFields(t: RepositoryToken | ListedToken, rotatedAt: unknown): ObservedTokenFields {
  const f = t as Record<string, unknown>;
  const out = { ...SHAPE };
  out.slug_perm = f.slug_perm ?? null;
  out.default = f.default ?? null;
  // Not managed, so not checked by the schema: kept when they are the documented strings.
  const created = typeof f.created_at === "string" ? f.created_at : null;
  out.created_at = created;
  out.updated_at = typeof f.updated_at === "string" ? f.updated_at : null;
  TOKEN_FIELDS.project(out, f);
  out.rotated_at = rotatedAt ?? created;
  // Kept only to be given out (EntitlementToken.identifier).
  out.identifier = typeof f.identifier === "number" || typeof f.identifier === "string" ? f.identifier : null;
  return out;
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
 * list page carries, which a run would otherwise hold until it ends (docs/performance.md).
 */
export type ListedToken = Readonly<ObservedTokenFields>;

/** The listed form of a token read from the API (of a listed token, an equal one); a malformed one stays marked. */
export function listedToken(t: RepositoryToken | ListedToken): ListedToken {
  const fields = observedFields(t, undefined);
  const problem = malformedProblem(t);
  return problem === undefined ? fields : markMalformed(fields, problem);
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
    `${tokenLabel(owner, repo, t)} came back malformed (${problem}); reposmith does not compare or change it ` +
      `until it reads back as documented: check it in Cloudsmith`,
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
 * per token of a plan); `id`, when state's id already names this token, is reused too.
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

/** The run memo's key of owner/repo's token list (a prefix of its index's: invalidating it drops both). */
export function tokensCacheKey(client: CloudsmithClient, owner: string, repo: string): string {
  return `cloudsmith:${client.baseUrl}:entitlements:${owner}/${repo}`;
}

/**
 * All tokens of one repository, read once per engine run (one call per 500 tokens, not one GET each), as listed tokens.
 */
export function listTokens(
  ctx: HandlerContext,
  client: CloudsmithClient,
  owner: string,
  repo: string,
): Promise<readonly ListedToken[]> {
  // A page that comes back unchanged is given the listed tokens made from it before (api/http/reused-bodies.ts).
  return ctx.memo(tokensCacheKey(client, owner, repo), () =>
    client.entitlements.list(owner, repo, { keep: listedToken }),
  );
}

/** listTokens' list with its index, built once per run: a lookup per resource must not scan the list. */
export function indexedTokens(
  ctx: HandlerContext,
  client: CloudsmithClient,
  owner: string,
  repo: string,
): Promise<TokenIndex> {
  return ctx.memo(`${tokensCacheKey(client, owner, repo)}#index`, async () =>
    indexTokens(await listTokens(ctx, client, owner, repo)),
  );
}

/** One repository's token list, indexed: a lookup per declared token must not scan the whole list. */
export interface TokenIndex {
  tokens: readonly ListedToken[];
  bySlug: Map<string, ListedToken>;
  /**
   * Two tokens of the list share a name: this repository does not keep names unique (cloudsmith-cli:
   * uniqueness "may not apply to older repositories", docs/api/cloudsmith.md#entitlement-actions),
   * so a name never says which token is meant, nor that a create will be refused.
   */
  namesRepeat: boolean;
  /**
   * Tokens carrying our identity tag, by key, oldest first: if a crash ever left two, the first one created is the one
   * we keep.
   */
  byKey: Map<string, ListedToken[]>;
  defaultToken: ListedToken | undefined;
}

export function indexTokens(tokens: readonly ListedToken[]): TokenIndex {
  const index: TokenIndex = {
    tokens,
    bySlug: new Map(),
    namesRepeat: false,
    byKey: new Map(),
    defaultToken: undefined,
  };
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
  return index;
}

export function findToken(
  index: TokenIndex,
  key: string,
  spec: EntitlementTokenSpec | undefined,
  slugPerm?: string,
): { token: ListedToken; adopted: boolean } | undefined {
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

/** Whether a token id (`owner.repo.slug_perm`) names a token of owner/repo. */
export function inRepository(id: string, owner: string, repo: string): boolean {
  const prefix = `${owner}.${repo}.`;
  return id.length > prefix.length && id.startsWith(prefix);
}

export function stateSlug(state: ResourceState | undefined, owner: string, repo: string): string | undefined {
  if (!state || !inRepository(state.id, owner, repo)) return undefined;
  const slug = state.id.slice(owner.length + repo.length + 2);
  return slug.includes(".") ? undefined : slug;
}

/**
 * Cloudsmith state: repositories (by owner/slug) and, per repository, entitlement tokens in a Map
 * keyed by slug_perm (insertion order kept) plus a name index for the uniqueness check.
 * Packages are kept apart, in packages-store.ts, keyed by these repositories.
 */
import { ApiError, FieldErrors, addFieldError, invalidInput, notFound } from "../errors";
import type { SeedDocument, SeedRepository, SeedToken } from "../types";
import { isPlainObject } from "../util";
import { CloudsmithSettings, DEFAULT_CLOUDSMITH_SETTINGS, mergeSettings } from "./settings";
import { TokenRecord, WritableTokenFields, newSlugPerm, newTokenRecord, newTokenValue, touch } from "./token-model";
import { checkDateRange, normalizeDateTime, readTokenFields } from "./token-validation";

export interface RepositoryRecord {
  owner: string;
  slug: string;
  tokens: Map<string, TokenRecord>;
  /** name → slug_perm */
  tokenNames: Map<string, string>;
  /** Next value of the deprecated per-repository `identifier` counter. */
  nextIdentifier: number;
}

const SLUG_RE = /^[-a-zA-Z0-9_]+$/;

function duplicateName(): ApiError {
  return invalidInput({ name: ["A token with this name already exists in this repository."] });
}

/** A token's writes not yet visible to readers (settings tokenReadLagMs, isActiveLagMs). */
interface TokenLag {
  /** Its item routes answer 404 until then (epoch ms). */
  readableAtMs?: number;
  /** An enable/disable that shows from `atMs` on. */
  active?: { value: boolean; atMs: number };
}

export class CloudsmithStore {
  private readonly repos = new Map<string, RepositoryRecord>();
  /** Switchable behaviours (see settings.ts); seed key `cloudsmith.settings`. */
  settings: CloudsmithSettings = { ...DEFAULT_CLOUDSMITH_SETTINGS };
  private readonly lag = new Map<TokenRecord, TokenLag>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `POST /_emulator/cloudsmith/settings`: merges a partial CloudsmithSettings (a 400 naming bad keys); null restores the defaults. */
  updateSettings(input: unknown): CloudsmithSettings {
    this.settings = mergeSettings(this.settings, input);
    return this.settings;
  }

  /** Makes due lagging writes visible (cheap when none is pending: the hot list path calls it). */
  settle(): void {
    if (this.lag.size === 0) return;
    const now = this.now();
    for (const [t, l] of this.lag) {
      if (l.active && now >= l.active.atMs) {
        t.is_active = l.active.value;
        touch(t);
        delete l.active;
      }
      if (l.readableAtMs !== undefined && now >= l.readableAtMs) delete l.readableAtMs;
      if (!l.active && l.readableAtMs === undefined) this.lag.delete(t);
    }
  }

  /** A 404 while a new token is not readable yet (tokenReadLagMs). */
  requireReadable(token: TokenRecord): TokenRecord {
    this.settle();
    if (this.lag.get(token)?.readableAtMs !== undefined) throw notFound();
    return token;
  }

  /** enable/disable: at once, or isActiveLagMs later. */
  setActive(token: TokenRecord, value: boolean): void {
    const lagMs = this.settings.isActiveLagMs;
    const l = this.lag.get(token) ?? {};
    if (lagMs > 0) {
      l.active = { value, atMs: this.now() + lagMs };
      this.lag.set(token, l);
      return;
    }
    delete l.active; // an earlier lagging change is overtaken
    token.is_active = value;
    touch(token);
  }

  getRepo(owner: string, slug: string): RepositoryRecord | undefined {
    return this.repos.get(`${owner}/${slug}`);
  }

  /** The repository, or a 404 `{"detail":"Not found."}`. */
  requireRepo(owner: string, slug: string): RepositoryRecord {
    const repo = this.getRepo(owner, slug);
    if (!repo) throw notFound();
    return repo;
  }

  /** The token, or a 404 `{"detail":"Not found."}`. */
  requireToken(repo: RepositoryRecord, slugPerm: string): TokenRecord {
    const token = repo.tokens.get(slugPerm);
    if (!token) throw notFound();
    return token;
  }

  repositories(): RepositoryRecord[] {
    return [...this.repos.values()];
  }

  /** Creates a repository (idempotent) with the "Default" token real repositories start with. */
  createRepository(owner: string, slug: string, withDefaultToken = true): RepositoryRecord {
    const existing = this.getRepo(owner, slug);
    if (existing) return existing;
    const repo: RepositoryRecord = { owner, slug, tokens: new Map(), tokenNames: new Map(), nextIdentifier: 1 };
    this.repos.set(`${owner}/${slug}`, repo);
    if (withDefaultToken) this.insertToken(repo, { name: "Default", default: true });
    return repo;
  }

  /** Creates a token; a 400 when the name is taken. */
  createToken(repo: RepositoryRecord, fields: Partial<TokenRecord> & { name: string }): TokenRecord {
    if (repo.tokenNames.has(fields.name)) throw duplicateName();
    const token = this.insertToken(repo, fields);
    if (this.settings.tokenReadLagMs > 0)
      this.lag.set(token, { readableAtMs: this.now() + this.settings.tokenReadLagMs });
    return token;
  }

  /** Applies validated writable fields to a token (a 400 when a rename collides). */
  updateToken(repo: RepositoryRecord, token: TokenRecord, fields: Partial<WritableTokenFields>): void {
    if (fields.name !== undefined && fields.name !== token.name) {
      if (repo.tokenNames.has(fields.name)) throw duplicateName();
      repo.tokenNames.delete(token.name);
      repo.tokenNames.set(fields.name, token.slug_perm);
    }
    Object.assign(token, fields);
    touch(token);
  }

  deleteToken(repo: RepositoryRecord, token: TokenRecord): void {
    repo.tokens.delete(token.slug_perm);
    repo.tokenNames.delete(token.name);
    this.lag.delete(token);
  }

  /**
   * Replaces every token of `target` with copies of `source`'s (new slug_perms, zeroed usage).
   * Whether a copy keeps its source's metadata, default flag and secret is not documented
   * (the syncCopies* settings).
   */
  syncTokens(target: RepositoryRecord, source: RepositoryRecord): TokenRecord[] {
    this.settle();
    const s = this.settings;
    const copies = [...source.tokens.values()].map((t) => ({
      ...t,
      metadata: s.syncCopiesMetadata ? t.metadata && structuredClone(t.metadata) : null,
      default: s.syncCopiesDefault ? t.default : false,
      token: s.syncCopiesToken ? t.token : newTokenValue(),
    }));
    for (const t of target.tokens.values()) this.lag.delete(t);
    target.tokens.clear();
    target.tokenNames.clear();
    return copies.map((t) => {
      const { slug_perm: _s, identifier: _i, created_at: _c, updated_at: _u, updated_by: _b, ...rest } = t;
      return this.insertToken(target, { ...rest, clients: 0, downloads: 0, bandwidth: 0 });
    });
  }

  private insertToken(repo: RepositoryRecord, fields: Partial<TokenRecord> & { name: string }): TokenRecord {
    const record = newTokenRecord(repo.nextIdentifier++, fields);
    while (repo.tokens.has(record.slug_perm)) record.slug_perm = newSlugPerm();
    repo.tokens.set(record.slug_perm, record);
    repo.tokenNames.set(record.name, record.slug_perm);
    return record;
  }

  reset(): void {
    this.repos.clear();
    this.lag.clear();
    this.settings = { ...DEFAULT_CLOUDSMITH_SETTINGS };
  }

  /** Merges the `repositories`, `tokens` and `cloudsmith.settings` keys of a seed document; throws a 400 ApiError when invalid. */
  seed(doc: SeedDocument): void {
    if (doc.cloudsmith !== undefined) {
      if (!isPlainObject(doc.cloudsmith)) throw invalidInput({ cloudsmith: ["Must be an object."] });
      if (doc.cloudsmith.settings !== undefined) this.updateSettings(doc.cloudsmith.settings);
    }
    const repos = (doc.repositories ?? []) as SeedRepository[];
    const tokens = (doc.tokens ?? []) as SeedToken[];
    if (!Array.isArray(repos) || !Array.isArray(tokens))
      throw invalidInput({ seed: ["repositories and tokens must be arrays."] });
    const errors: FieldErrors = {};
    repos.forEach((r, i) => {
      if (
        !isPlainObject(r) ||
        typeof r.owner !== "string" ||
        typeof r.slug !== "string" ||
        !SLUG_RE.test(r.owner) ||
        !SLUG_RE.test(r.slug)
      ) {
        addFieldError(errors, `repositories[${i}]`, "owner and slug must be slugs ([-a-zA-Z0-9_]+).");
      }
    });
    const parsed = tokens.map((t, i) => parseSeedToken(t, `tokens[${i}]`, errors));
    if (Object.keys(errors).length) throw invalidInput(errors);
    for (const r of repos) this.createRepository(r.owner, r.slug, r.defaultToken !== false);
    tokens.forEach((t, i) => {
      const repo = this.createRepository(t.owner, t.repository);
      const fields = parsed[i];
      const slug = (fields.slug_perm as string | undefined) ?? repo.tokenNames.get(fields.name as string);
      const existing = slug === undefined ? undefined : repo.tokens.get(slug);
      if (!existing) {
        if (repo.tokenNames.has(fields.name as string)) throw duplicateName();
        this.insertToken(repo, fields as Partial<TokenRecord> & { name: string });
        return;
      }
      if (fields.name !== undefined && fields.name !== existing.name) {
        if (repo.tokenNames.has(fields.name as string)) throw duplicateName();
        repo.tokenNames.delete(existing.name);
        repo.tokenNames.set(fields.name as string, existing.slug_perm);
      }
      Object.assign(existing, fields);
    });
  }

  /** The state in seed format, including secrets and hidden counters (for tests and re-seeding). */
  dump(): {
    repositories: SeedRepository[];
    tokens: Record<string, unknown>[];
    cloudsmith?: { settings: Partial<CloudsmithSettings> };
  } {
    this.settle();
    const repositories: SeedRepository[] = [];
    const tokens: Record<string, unknown>[] = [];
    for (const repo of this.repos.values()) {
      repositories.push({ owner: repo.owner, slug: repo.slug, defaultToken: false });
      for (const t of repo.tokens.values()) tokens.push({ owner: repo.owner, repository: repo.slug, ...t });
    }
    // Only the switches that differ from their defaults, so a default emulator's state stays as it was.
    const changed = Object.entries(this.settings).filter(
      ([k, v]) => DEFAULT_CLOUDSMITH_SETTINGS[k as keyof CloudsmithSettings] !== v,
    );
    return {
      repositories,
      tokens,
      ...(changed.length ? { cloudsmith: { settings: Object.fromEntries(changed) } } : {}),
    };
  }
}

/** Validates one seed token: writable fields as on create, plus the seedable read-only ones. */
function parseSeedToken(t: SeedToken, at: string, errors: FieldErrors): Record<string, unknown> {
  if (
    !isPlainObject(t) ||
    typeof t.owner !== "string" ||
    typeof t.repository !== "string" ||
    !SLUG_RE.test(t.owner) ||
    !SLUG_RE.test(t.repository)
  ) {
    addFieldError(errors, at, "owner and repository must be slugs ([-a-zA-Z0-9_]+).");
    return {};
  }
  const fieldErrors: FieldErrors = {};
  const out: Record<string, unknown> = readTokenFields(t, "create", fieldErrors);
  const extra = (field: string, ok: (v: unknown) => boolean, message: string, map = (v: unknown) => v) => {
    if (!(field in t)) return;
    if (ok(t[field])) out[field] = map(t[field]);
    else addFieldError(fieldErrors, field, message);
  };
  const isCount = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
  extra("slug_perm", (v) => typeof v === "string" && SLUG_RE.test(v), "Must be a slug ([-a-zA-Z0-9_]+).");
  extra("identifier", isCount, "Must be a non-negative integer.");
  for (const f of ["default", "access_private_broadcasts"])
    extra(f, (v) => typeof v === "boolean", "Must be a valid boolean.");
  for (const f of ["clients", "downloads", "bandwidth"]) extra(f, isCount, "Must be a non-negative integer.");
  for (const f of ["created_at", "updated_at"]) {
    extra(
      f,
      (v) => typeof v === "string" && normalizeDateTime(v) !== undefined,
      "Must be an ISO-8601 date-time.",
      (v) => normalizeDateTime(v as string),
    );
  }
  extra("user", (v) => v === null || (typeof v === "string" && v.length > 0), "Must be a non-empty string or null.");
  checkDateRange(
    {
      limit_date_range_from: (out.limit_date_range_from as string | null | undefined) ?? null,
      limit_date_range_to: (out.limit_date_range_to as string | null | undefined) ?? null,
    },
    fieldErrors,
  );
  for (const [field, messages] of Object.entries(fieldErrors))
    for (const m of messages) addFieldError(errors, `${at}.${field}`, m);
  return out;
}

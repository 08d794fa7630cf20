/**
 * Cloudsmith state: repositories (by owner/slug) and, per repository, entitlement tokens in a Map
 * keyed by slug_perm (insertion order kept) plus a name index (names repeat only where the setting
 * uniqueTokenNames is off). What lists and reads show of a token while a write is not visible to
 * them yet (listLagMs, patchReadLagMs) is kept beside it.
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
  /** name → the slug_perms of the tokens of that name, oldest first (one unless uniqueTokenNames is off) */
  tokenNames: Map<string, string[]>;
  /** The tokens sorted by name (the spec's default list order), made again after a create, rename or delete. */
  byName?: TokenRecord[];
  /** Next value of the deprecated per-repository `identifier` counter. */
  nextIdentifier: number;
}

const SLUG_RE = /^[-a-zA-Z0-9_]+$/;

function duplicateName(): ApiError {
  return invalidInput({ name: ["A token with this name already exists in this repository."] });
}

/** The slug_perm of the oldest token named `name` in `repo`, if any. */
export function firstNamed(repo: RepositoryRecord, name: string): string | undefined {
  return repo.tokenNames.get(name)?.[0];
}

function addName(repo: RepositoryRecord, name: string, slugPerm: string): void {
  const slugs = repo.tokenNames.get(name);
  if (slugs) slugs.push(slugPerm);
  else repo.tokenNames.set(name, [slugPerm]);
  repo.byName = undefined;
}

function removeName(repo: RepositoryRecord, name: string, slugPerm: string): void {
  const slugs = repo.tokenNames.get(name)?.filter((s) => s !== slugPerm);
  if (slugs?.length) repo.tokenNames.set(name, slugs);
  else repo.tokenNames.delete(name);
  repo.byName = undefined;
}

/** What a list or a read shows of a token until `untilMs`: an earlier version, or (undefined) nothing yet. */
interface StaleView {
  view: TokenRecord | undefined;
  untilMs: number;
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
  /** What lists show of tokens written less than listLagMs ago. */
  private readonly listed = new Map<TokenRecord, StaleView>();
  /** What entitlements_read shows of tokens patched less than patchReadLagMs ago. */
  private readonly read = new Map<TokenRecord, StaleView>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * `POST /_emulator/cloudsmith/settings`: merges a partial
   * CloudsmithSettings (a 400 naming bad keys); null restores the defaults.
   */
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
        this.noteWrite(t, "change");
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

  /**
   * Called before every write to a token (after it, for a create): from now on, for listLagMs,
   * lists show it as it was (a new one not at all); after a PATCH or refresh, for patchReadLagMs,
   * so does entitlements_read. A write while an earlier one is still hidden keeps the older view.
   */
  noteWrite(token: TokenRecord, kind: "create" | "change" | "patch"): void {
    const now = this.now();
    const hide = (views: Map<TokenRecord, StaleView>, lagMs: number) => {
      if (lagMs <= 0) return;
      const pending = views.get(token);
      if (pending && now < pending.untilMs) pending.untilMs = now + lagMs;
      else views.set(token, { view: kind === "create" ? undefined : { ...token }, untilMs: now + lagMs });
    };
    hide(this.listed, this.settings.listLagMs);
    if (kind === "patch") hide(this.read, this.settings.patchReadLagMs);
  }

  /** The token as lists show it now: its current record, an earlier version, or undefined (not listed yet). */
  listedView(token: TokenRecord): TokenRecord | undefined {
    return this.viewOf(this.listed, token);
  }

  /** The token as entitlements_read shows it now (patchReadLagMs). */
  readView(token: TokenRecord): TokenRecord {
    return this.viewOf(this.read, token) ?? token;
  }

  private viewOf(views: Map<TokenRecord, StaleView>, token: TokenRecord): TokenRecord | undefined {
    if (views.size === 0) return token;
    const pending = views.get(token);
    if (!pending) return token;
    if (this.now() < pending.untilMs) return pending.view;
    views.delete(token);
    return token;
  }

  /** The repository's tokens in the order entitlements_list gives without `sort` (settings.tokenListOrder). */
  listOrder(repo: RepositoryRecord): TokenRecord[] {
    if (this.settings.tokenListOrder === "created") return [...repo.tokens.values()];
    // A stable sort: tokens of one name (uniqueTokenNames off) stay oldest first.
    repo.byName ??= [...repo.tokens.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return repo.byName;
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
    this.noteWrite(token, "change");
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

  /** Creates a token; a 422 when the name is taken (unless settings.uniqueTokenNames is off). */
  createToken(repo: RepositoryRecord, fields: Partial<TokenRecord> & { name: string }): TokenRecord {
    if (this.settings.uniqueTokenNames && repo.tokenNames.has(fields.name)) throw duplicateName();
    const token = this.insertToken(repo, fields);
    this.noteWrite(token, "create");
    if (this.settings.tokenReadLagMs > 0)
      this.lag.set(token, { readableAtMs: this.now() + this.settings.tokenReadLagMs });
    return token;
  }

  /**
   * Applies validated writable fields to a token (a 422 when a rename collides, unless
   * settings.uniqueTokenNames is off): a PATCH or a refresh (`kind` "patch", which reads may lag),
   * or another write ("change").
   */
  updateToken(
    repo: RepositoryRecord,
    token: TokenRecord,
    fields: Partial<WritableTokenFields>,
    kind: "patch" | "change" = "patch",
  ): void {
    const renamed = fields.name !== undefined && fields.name !== token.name;
    if (renamed && this.settings.uniqueTokenNames && repo.tokenNames.has(fields.name!)) throw duplicateName();
    this.noteWrite(token, kind);
    if (renamed) {
      removeName(repo, token.name, token.slug_perm);
      addName(repo, fields.name!, token.slug_perm);
    }
    Object.assign(token, fields);
    touch(token);
  }

  deleteToken(repo: RepositoryRecord, token: TokenRecord): void {
    repo.tokens.delete(token.slug_perm);
    removeName(repo, token.name, token.slug_perm);
    this.lag.delete(token);
    this.listed.delete(token);
    this.read.delete(token);
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
    for (const t of target.tokens.values()) {
      this.lag.delete(t);
      this.listed.delete(t);
      this.read.delete(t);
    }
    target.tokens.clear();
    target.tokenNames.clear();
    target.byName = undefined;
    return copies.map((t) => {
      const { slug_perm: _s, identifier: _i, created_at: _c, updated_at: _u, updated_by: _b, ...rest } = t;
      const copy = this.insertToken(target, { ...rest, clients: 0, downloads: 0, bandwidth: 0 });
      this.noteWrite(copy, "create");
      return copy;
    });
  }

  private insertToken(repo: RepositoryRecord, fields: Partial<TokenRecord> & { name: string }): TokenRecord {
    const record = newTokenRecord(repo.nextIdentifier++, fields);
    while (repo.tokens.has(record.slug_perm)) record.slug_perm = newSlugPerm();
    repo.tokens.set(record.slug_perm, record);
    addName(repo, record.name, record.slug_perm);
    return record;
  }

  reset(): void {
    this.repos.clear();
    this.lag.clear();
    this.listed.clear();
    this.read.clear();
    this.settings = { ...DEFAULT_CLOUDSMITH_SETTINGS };
  }

  /**
   * Merges the `repositories`, `tokens` and `cloudsmith.settings`
   * keys of a seed document; throws a 400 ApiError when invalid.
   */
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
      // By slug_perm when given, else by name (where names repeat, a seed token without a slug_perm is a new one).
      const slug =
        (fields.slug_perm as string | undefined) ??
        (this.settings.uniqueTokenNames ? firstNamed(repo, fields.name as string) : undefined);
      const existing = slug === undefined ? undefined : repo.tokens.get(slug);
      const unique = this.settings.uniqueTokenNames;
      if (!existing) {
        if (unique && repo.tokenNames.has(fields.name as string)) throw duplicateName();
        this.insertToken(repo, fields as Partial<TokenRecord> & { name: string });
        return;
      }
      if (fields.name !== undefined && fields.name !== existing.name) {
        if (unique && repo.tokenNames.has(fields.name as string)) throw duplicateName();
        removeName(repo, existing.name, existing.slug_perm);
        addName(repo, fields.name as string, existing.slug_perm);
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

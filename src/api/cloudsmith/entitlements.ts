/**
 * Entitlement token operations (tag `entitlements`, base `/entitlements/{owner}/{repo}/`),
 * see docs/api/cloudsmith.md#entitlement-tokens. Operation names are the spec's operationIds.
 */
import { describeIssue, markMalformed } from "../http/malformed";
import type { HttpTransport } from "../http/transport";
import { listAllPages } from "./pagination";
import {
  RepositoryToken,
  RepositoryTokenRefreshRequest,
  RepositoryTokenRequest,
  RepositoryTokenRequestPatch,
  RepositoryTokenSchema,
  RepositoryTokenSyncSchema,
} from "./schemas";

export interface ShowTokensOption {
  /** Ask for the real secret (`show_tokens=true`). Only sent when true. @default false */
  showTokens?: boolean;
}

export interface CreateEntitlementOptions<L extends object = RepositoryToken> extends ShowTokensOption {
  /**
   * Finds the token this create would make (e.g. by its tag), to tell whether an attempt that
   * failed after it was sent was applied. With it a 5xx or dropped connection is looked into and
   * retried only when nothing landed; without it, it is thrown at once, marked `ambiguous`. What it
   * finds is create's result in place of the reply, so its type is the caller's (e.g. a listed token).
   */
  landed?: () => Promise<L | undefined>;
}

export interface ListEntitlementsOptions<K = RepositoryToken> extends ShowTokensOption {
  /** Search on token names. */
  query?: string;
  /** Only active tokens (`active=true`). @default false - all tokens */
  active?: boolean;
  /** @default 500 (the documented maximum) */
  pageSize?: number;
  /**
   * What the caller keeps of each token (e.g. only the fields it uses, never the secret). With it, a
   * page that comes back byte for byte as before is given the kept tokens made from it then, frozen
   * and shared with every later call (api/http/reused-bodies.ts). Pass the same function each time.
   */
  keep?: (t: RepositoryToken) => K;
}

export interface EntitlementsApi {
  /**
   * Every token of the repository; with `opts.keep`, what it keeps of each (frozen, and shared when a page is
   * unchanged).
   */
  list<K = RepositoryToken>(owner: string, repo: string, opts?: ListEntitlementsOptions<K>): Promise<readonly K[]>;
  create<L extends object = RepositoryToken>(
    owner: string,
    repo: string,
    body: RepositoryTokenRequest,
    opts?: CreateEntitlementOptions<L>,
  ): Promise<RepositoryToken | L>;
  read(owner: string, repo: string, slugPerm: string, opts?: ShowTokensOption): Promise<RepositoryToken>;
  update(
    owner: string,
    repo: string,
    slugPerm: string,
    body: RepositoryTokenRequestPatch,
    opts?: ShowTokensOption,
  ): Promise<RepositoryToken>;
  /** Soft delete (204). A 404 is thrown as NotFoundError; the caller decides whether that means "gone". */
  delete(owner: string, repo: string, slugPerm: string): Promise<void>;
  /** Rotates the secret (and may set limits). */
  refresh(
    owner: string,
    repo: string,
    slugPerm: string,
    body?: RepositoryTokenRefreshRequest,
    opts?: ShowTokensOption,
  ): Promise<RepositoryToken>;
  /**
   * DESTRUCTIVE: replaces every token of owner/repo with copies of the source repository's tokens. Returns body.tokens.
   */
  sync(owner: string, repo: string, source: string, opts?: ShowTokensOption): Promise<RepositoryToken[]>;
  enable(owner: string, repo: string, slugPerm: string): Promise<void>;
  disable(owner: string, repo: string, slugPerm: string): Promise<void>;
  /** Zeroes the usage counters; configuration and secret are unchanged. */
  reset(owner: string, repo: string, slugPerm: string): Promise<void>;
  togglePrivateBroadcasts(owner: string, repo: string, slugPerm: string, value: boolean): Promise<void>;
}

const seg = (s: string) => encodeURIComponent(s);
const show = (o?: ShowTokensOption) => (o?.showTokens ? { show_tokens: true } : undefined);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * What stands in a list for a token whose managed field is malformed: the fields it is found by
 * (name, slug_perm, metadata, default) when they are readable, no other managed field. Marked
 * malformed by the caller; whoever would act on it fails for that token alone.
 */
export function unreadableToken(raw: unknown): RepositoryToken {
  const o = isObject(raw) ? raw : {};
  return {
    name: typeof o.name === "string" ? o.name : "",
    slug_perm: typeof o.slug_perm === "string" ? o.slug_perm : undefined,
    metadata: isObject(o.metadata) ? o.metadata : null,
    default: typeof o.default === "boolean" ? o.default : null,
    created_at: typeof o.created_at === "string" ? o.created_at : null,
  };
}

/** Tokens of a reply read one by one: a malformed one stands as unreadableToken, marked. */
function readTokens(raw: readonly unknown[]): RepositoryToken[] {
  return raw.map((x) => {
    const r = RepositoryTokenSchema.safeParse(x);
    return r.success ? r.data : markMalformed(unreadableToken(x), describeIssue(r.error, x));
  });
}

export class CloudsmithEntitlements implements EntitlementsApi {
  constructor(private readonly t: HttpTransport) {}

  private base(owner: string, repo: string): string {
    return `/entitlements/${seg(owner)}/${seg(repo)}/`;
  }

  private item(owner: string, repo: string, slugPerm: string, action?: string): string {
    return `${this.base(owner, repo)}${seg(slugPerm)}/${action ? `${action}/` : ""}`;
  }

  list<K = RepositoryToken>(owner: string, repo: string, opts: ListEntitlementsOptions<K> = {}): Promise<readonly K[]> {
    return listAllPages<RepositoryToken, K>(this.t, {
      operation: "entitlements_list",
      path: this.base(owner, repo),
      subject: `${owner}/${repo}`,
      query: { ...show(opts), query: opts.query || undefined, active: opts.active ? true : undefined },
      item: RepositoryTokenSchema,
      pageSize: opts.pageSize,
      keep: opts.keep,
      malformed: unreadableToken,
    });
  }

  async create<L extends object = RepositoryToken>(
    owner: string,
    repo: string,
    body: RepositoryTokenRequest,
    opts?: CreateEntitlementOptions<L>,
  ): Promise<RepositoryToken | L> {
    const res = await this.t.request<RepositoryToken | L>({
      operation: "entitlements_create",
      method: "POST",
      path: this.base(owner, repo),
      subject: `${owner}/${repo} token "${body.name}"`,
      query: show(opts),
      body,
      schema: RepositoryTokenSchema,
      redact: [body.token],
      landed: opts?.landed,
    });
    return res.data;
  }

  async read(owner: string, repo: string, slugPerm: string, opts?: ShowTokensOption): Promise<RepositoryToken> {
    const res = await this.t.request({
      operation: "entitlements_read",
      method: "GET",
      path: this.item(owner, repo, slugPerm),
      subject: `${owner}/${repo}/${slugPerm}`,
      query: show(opts),
      schema: RepositoryTokenSchema,
    });
    return res.data;
  }

  async update(
    owner: string,
    repo: string,
    slugPerm: string,
    body: RepositoryTokenRequestPatch,
    opts?: ShowTokensOption,
  ): Promise<RepositoryToken> {
    const res = await this.t.request({
      operation: "entitlements_partial_update",
      method: "PATCH",
      path: this.item(owner, repo, slugPerm),
      subject: `${owner}/${repo}/${slugPerm}`,
      query: show(opts),
      body,
      schema: RepositoryTokenSchema,
      redact: [body.token ?? undefined],
    });
    return res.data;
  }

  async delete(owner: string, repo: string, slugPerm: string): Promise<void> {
    await this.action("entitlements_delete", "DELETE", owner, repo, slugPerm);
  }

  async refresh(
    owner: string,
    repo: string,
    slugPerm: string,
    body: RepositoryTokenRefreshRequest = {},
    opts?: ShowTokensOption,
  ): Promise<RepositoryToken> {
    // RepositoryTokenRefresh marks `name` readOnly (always returned), so the RepositoryToken schema fits.
    const res = await this.t.request({
      operation: "entitlements_refresh",
      method: "POST",
      path: this.item(owner, repo, slugPerm, "refresh"),
      subject: `${owner}/${repo}/${slugPerm}`,
      query: show(opts),
      body,
      schema: RepositoryTokenSchema,
      redact: [body.token ?? undefined],
    });
    return res.data;
  }

  async sync(owner: string, repo: string, source: string, opts?: ShowTokensOption): Promise<RepositoryToken[]> {
    const res = await this.t.request({
      operation: "entitlements_sync",
      method: "POST",
      path: `${this.base(owner, repo)}sync/`,
      subject: `${owner}/${repo} from ${source}`,
      query: show(opts),
      body: { source },
      schema: RepositoryTokenSyncSchema,
    });
    return readTokens(res.data.tokens ?? []);
  }

  async enable(owner: string, repo: string, slugPerm: string): Promise<void> {
    await this.action("entitlements_enable", "POST", owner, repo, slugPerm, "enable");
  }

  async disable(owner: string, repo: string, slugPerm: string): Promise<void> {
    await this.action("entitlements_disable", "POST", owner, repo, slugPerm, "disable");
  }

  async reset(owner: string, repo: string, slugPerm: string): Promise<void> {
    await this.action("entitlements_reset", "POST", owner, repo, slugPerm, "reset");
  }

  async togglePrivateBroadcasts(owner: string, repo: string, slugPerm: string, value: boolean): Promise<void> {
    await this.action(
      "entitlements_toggle_private_broadcasts",
      "POST",
      owner,
      repo,
      slugPerm,
      "toggle-private-broadcasts",
      {
        access_private_broadcasts: value,
      },
    );
  }

  private async action(
    operation: string,
    method: "POST" | "DELETE",
    owner: string,
    repo: string,
    slugPerm: string,
    action?: string,
    body?: unknown,
  ): Promise<void> {
    await this.t.request({
      operation,
      method,
      path: this.item(owner, repo, slugPerm, action),
      subject: `${owner}/${repo}/${slugPerm}`,
      body,
    });
  }
}

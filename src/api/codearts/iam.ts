/**
 * IAM user tokens for CodeArts Repo (docs/api/codearts-repo.md#authentication-iam-user-token): password authentication
 * scoped to a project (by default the region's), the token taken from the `X-Subject-Token` header, cached until
 * shortly before it expires, renewed on demand under a single flight (as chnsz/golangsdk does: concurrent 401s cause
 * one login, and only if the token is still the one that failed).
 */
import { ResponseShapeError } from "../http/errors";
import { RateLimiter, sharedLimiter } from "../http/limiter";
import { ApiStats, ClientTuning, HttpTransport } from "../http/transport";
import { DEFAULT_USER_AGENT } from "../version";
import { CodeArtsConfigError, parseCodeArtsErrorBody } from "./errors";
import { IamTokenBodySchema } from "./schemas";

interface IamPasswordAuth {
  /** Account (domain) name, HW_DOMAIN_NAME. */
  domainName: string;
  /** IAM user name, HW_USER_NAME. */
  userName: string;
  /** HW_USER_PASSWORD. Never appears in errors or events. */
  password: string;
  /** Project scope by name (HW_PROJECT_NAME, default the region). */
  projectName?: string;
  /** Project scope by id (HW_PROJECT_ID); wins over the name. */
  projectId?: string;
}

export interface IamTokenProviderOptions extends ClientTuning {
  /** IAM v3 base URL, e.g. `https://iam.cn-north-4.myhuaweicloud.com/v3` (HW_AUTH_URL). */
  authUrl: string;
  /** Password credentials; without them a ready token cannot be renewed. */
  password?: IamPasswordAuth;
  /** A ready token (HW_AUTH_TOKEN), used until the API says it expired. */
  token?: string;
  /** Renew this long before the token's expiry (capped at half its lifetime). @default 3600000 (1 h) */
  renewBeforeMs?: number;
  /**
   * What to check when IAM rejects the password login (401).
   * @default "check HW_DOMAIN_NAME, HW_USER_NAME and HW_USER_PASSWORD"
   */
  authHint?: string;
}

interface CachedToken {
  value: string;
  /** Local epoch ms after which the token is renewed before use. */
  renewAt: number;
}

export class IamTokenProvider {
  /** Tokens obtained from IAM, and renewals asked for after a 401. */
  readonly stats = { issued: 0, renewals: 0 };
  /** HTTP traffic to IAM (requests, retries, 429s, errors), as CodeArtsClient.stats counts CodeArts Repo's. */
  readonly requestStats: ApiStats;
  private cached?: CachedToken;
  private inflight?: Promise<string>;
  /** Every token value seen, so errors can scrub any of them. */
  private readonly seen = new Set<string>();
  private readonly transport: HttpTransport;
  private readonly now: () => number;

  constructor(private readonly opts: IamTokenProviderOptions) {
    if (!opts.token && !opts.password)
      throw new CodeArtsConfigError(
        "IAM: give either a ready token (HW_AUTH_TOKEN) or password credentials " +
          "(HW_DOMAIN_NAME, HW_USER_NAME, HW_USER_PASSWORD)",
      );
    this.now = opts.now ?? Date.now;
    if (opts.token) {
      this.cached = { value: opts.token, renewAt: Number.POSITIVE_INFINITY };
      this.seen.add(opts.token);
    }
    const password = opts.password?.password;
    this.transport = new HttpTransport({
      baseUrl: opts.authUrl.replace(/\/+$/, ""),
      limiter: opts.limiter ?? sharedLimiter(`iam ${originOf(opts.authUrl)}`),
      userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
      timeoutMs: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      maxUnreachableRetries: opts.maxUnreachableRetries,
      retryBaseMs: opts.retryBaseMs,
      maxRetryWaitMs: opts.maxRetryWaitMs,
      onEvent: opts.onEvent,
      parseErrorBody: parseCodeArtsErrorBody,
      unreachableHint: "check HW_AUTH_URL (or the CodeArtsConnection's authUrl) and your network",
      authHint: opts.authHint ?? "check HW_DOMAIN_NAME, HW_USER_NAME and HW_USER_PASSWORD",
      secrets: () => [password, ...this.seen],
      now: opts.now,
      sleep: opts.sleep,
    });
    this.requestStats = this.transport.stats;
  }

  /** Whether a rejected token can be replaced (password credentials were given). */
  get canRenew(): boolean {
    return this.opts.password !== undefined;
  }

  /** Values to scrub from any error text: the password and every token seen. */
  secrets(): string[] {
    return [...(this.opts.password ? [this.opts.password.password] : []), ...this.seen];
  }

  /** A token valid for a while yet: the cached one, or a new one (one request however many callers). */
  token(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return Promise.resolve(this.cached.value);
    if (!this.canRenew && this.cached) return Promise.resolve(this.cached.value);
    return this.fetchOnce();
  }

  /**
   * Replaces `used` after the API rejected it. When another caller already replaced it, returns the
   * newer token without asking IAM again; concurrent callers share one request.
   */
  renew(used: string): Promise<string> {
    if (this.inflight) return this.inflight;
    if (this.cached && this.cached.value !== used) return Promise.resolve(this.cached.value);
    if (!this.canRenew) {
      return Promise.reject(
        new CodeArtsConfigError(
          "the IAM token from HW_AUTH_TOKEN was rejected (expired or invalid) and cannot be renewed: " +
            "set a fresh HW_AUTH_TOKEN, or HW_DOMAIN_NAME/HW_USER_NAME/HW_USER_PASSWORD instead",
        ),
      );
    }
    this.stats.renewals++;
    this.cached = undefined;
    return this.fetchOnce();
  }

  private fetchOnce(): Promise<string> {
    this.inflight ??= this.fetch().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async fetch(): Promise<string> {
    const p = this.opts.password!;
    const scope = p.projectId ? { project: { id: p.projectId } } : { project: { name: p.projectName } };
    if (!p.projectId && !p.projectName)
      throw new CodeArtsConfigError("IAM: no project to scope the token to: set HW_PROJECT_NAME (or HW_REGION_NAME)");
    const sentAt = this.now();
    const res = await this.transport.request({
      operation: "KeystoneCreateUserTokenByPassword",
      method: "POST",
      path: "/auth/tokens",
      query: { nocatalog: "true" },
      subject: `IAM user ${p.userName} in domain ${p.domainName}`,
      body: {
        auth: {
          identity: {
            methods: ["password"],
            password: { user: { name: p.userName, password: p.password, domain: { name: p.domainName } } },
          },
          scope,
        },
      },
      schema: IamTokenBodySchema,
    });
    const value = res.headers["x-subject-token"];
    if (!value) {
      throw new ResponseShapeError({
        operation: "KeystoneCreateUserTokenByPassword",
        method: "POST",
        path: "/auth/tokens",
        reason: `${res.status} response carried no X-Subject-Token header`,
      });
    }
    this.seen.add(value);
    this.stats.issued++;
    // Lifetime from the server's own two timestamps, applied to our clock: immune to clock skew.
    const { expires_at, issued_at } = res.data.token;
    const expires = Date.parse(expires_at);
    const issued = issued_at ? Date.parse(issued_at) : Number.NaN;
    let lifetime = Number.isNaN(issued) ? expires - sentAt : expires - issued;
    if (!Number.isFinite(lifetime) || lifetime <= 0) lifetime = 60_000;
    const margin = Math.min(this.opts.renewBeforeMs ?? 3_600_000, lifetime / 2);
    this.cached = { value, renewAt: sentAt + lifetime - margin };
    return value;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new CodeArtsConfigError(
      "Invalid IAM URL: set HW_AUTH_URL to a full URL such as https://iam.cn-north-4.myhuaweicloud.com/v3",
    );
  }
}

/**
 * Typed Cloudsmith API v1 client (node:http(s) + zod). Auth by `X-Api-Key`; requests go through the shared
 * rate limiter and retry policy of src/api/http. See docs/api/cloudsmith.md.
 */
import { RateLimiter, sharedLimiter } from "../http/limiter";
import { ApiStats, ClientTuning, HttpMethod, HttpResponse, HttpTransport } from "../http/transport";
import { DEFAULT_USER_AGENT } from "../version";
import { CloudsmithEntitlements, EntitlementsApi } from "./entitlements";
import { CloudsmithConfigError, parseCloudsmithErrorBody } from "./errors";
import { CloudsmithPackages, PackagesApi } from "./packages";
import { ResourcesRateCheck, ResourcesRateCheckSchema, UserBrief, UserBriefSchema } from "./schemas";

export const DEFAULT_CLOUDSMITH_API_URL = "https://api.cloudsmith.io/v1";

/** Tuning defaults here: retryBaseMs 500, maxRetryWaitMs 120000. */
export interface CloudsmithClientOptions extends ClientTuning {
  /** Full API base, e.g. `https://api.cloudsmith.io/v1`; operation paths are appended (no `//`). */
  baseUrl: string;
  /** Sent as `X-Api-Key`. Never appears in errors or events. */
  apiKey: string;
  /** The variable the key came from, named when the API rejects it. @default "CLOUDSMITH_API_KEY" */
  apiKeyEnv?: string;
}

export class CloudsmithClient {
  readonly entitlements: EntitlementsApi;
  readonly packages: PackagesApi;
  readonly stats: ApiStats;
  readonly baseUrl: string;
  private readonly transport: HttpTransport;

  constructor(opts: CloudsmithClientOptions) {
    if (!opts.apiKey) throw new CloudsmithConfigError("Cloudsmith API key is empty: set CLOUDSMITH_API_KEY.");
    const baseUrl = validateBaseUrl(opts.baseUrl);
    const apiKey = opts.apiKey;
    this.baseUrl = baseUrl;
    this.transport = new HttpTransport({
      baseUrl,
      limiter: opts.limiter ?? sharedLimiter(`cloudsmith ${new URL(baseUrl).origin}`),
      userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
      headers: () => ({ "X-Api-Key": apiKey }),
      timeoutMs: opts.timeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
      maxRetries: opts.maxRetries,
      maxUnreachableRetries: opts.maxUnreachableRetries,
      retryBaseMs: opts.retryBaseMs,
      maxRetryWaitMs: opts.maxRetryWaitMs,
      onEvent: opts.onEvent,
      parseErrorBody: parseCloudsmithErrorBody,
      unreachableHint: "check CLOUDSMITH_API_URL (or the CloudsmithConnection's apiUrl) and that the API is up",
      authHint: `check ${opts.apiKeyEnv ?? "CLOUDSMITH_API_KEY"}`,
      secrets: () => [apiKey],
    });
    this.stats = this.transport.stats;
    this.entitlements = new CloudsmithEntitlements(this.transport);
    this.packages = new CloudsmithPackages(this.transport);
  }

  /** The rate limiter this client's requests wait on (shared by every client of the same API). */
  get limiter(): RateLimiter {
    return this.transport.limiter;
  }

  /**
   * Builds a client from `CLOUDSMITH_API_URL` (full base, default https://api.cloudsmith.io/v1)
   * and `CLOUDSMITH_API_KEY` (required).
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, opts: Partial<CloudsmithClientOptions> = {}): CloudsmithClient {
    const apiKey = opts.apiKey ?? env.CLOUDSMITH_API_KEY?.trim();
    if (!apiKey) {
      throw new CloudsmithConfigError("CLOUDSMITH_API_KEY is not set: set CLOUDSMITH_API_KEY to a Cloudsmith API key.");
    }
    const baseUrl = opts.baseUrl ?? (env.CLOUDSMITH_API_URL?.trim() || DEFAULT_CLOUDSMITH_API_URL);
    return new CloudsmithClient({ ...opts, baseUrl, apiKey });
  }

  /** `user_self`: who the key belongs to. Anonymous callers get `authenticated: false`, not a 401. */
  async userSelf(): Promise<UserBrief> {
    const res = await this.transport.request({
      operation: "user_self",
      method: "GET",
      path: "/user/self/",
      subject: "user",
      schema: UserBriefSchema,
    });
    return res.data;
  }

  /**
   * One call answered as it is, for `reposmith doctor`: any status below 500 but 429 comes back
   * (not thrown) with its headers and its body as JSON (not validated). 429s and 5xx are retried as
   * for every call. `path` is sent exactly as given (no slash is added).
   */
  async probe(req: {
    operation: string;
    method: HttpMethod;
    path: string;
    query?: Record<string, string | number | boolean | undefined>;
    body?: unknown;
  }): Promise<HttpResponse<unknown>> {
    return this.transport.request<unknown>({ ...req, subject: req.path, accept: () => true });
  }

  /** `rates_limits_list`: the current rate-limit budget per resource. */
  async rateLimits(): Promise<ResourcesRateCheck> {
    const res = await this.transport.request({
      operation: "rates_limits_list",
      method: "GET",
      path: "/rates/limits/",
      subject: "rate limits",
      schema: ResourcesRateCheckSchema,
    });
    return res.data;
  }
}

function validateBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The URL itself is not echoed: it might carry credentials.
    throw new CloudsmithConfigError(
      `Invalid Cloudsmith API URL: set CLOUDSMITH_API_URL to a full URL such as ${DEFAULT_CLOUDSMITH_API_URL}.`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new CloudsmithConfigError(
      `Invalid Cloudsmith API URL protocol ${url.protocol}: use https:// (or http:// for a local emulator).`,
    );
  }
  return raw.trim().replace(/\/+$/, "");
}

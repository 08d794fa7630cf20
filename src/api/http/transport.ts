/**
 * Generic JSON-over-HTTP transport: node:http(s) with keep-alive (send.ts) + shared rate limiter +
 * retry policy + zod parsing + typed errors + stats/events. API specifics (auth headers, error body shape, paths,
 * pagination) are supplied by the client that owns the transport.
 */
import type { ZodType } from "zod";
import {
  ApiError,
  ApiErrorInit,
  AuthError,
  errorClassForStatus,
  NetworkError,
  oneLine,
  redact,
  ResponseShapeError,
  ServerError,
} from "./errors";
import { parseJsonBytes } from "../../util/json-bytes";
import { header, RateLimiter } from "./limiter";
import { joinUrl, queryString } from "./url";
import { reusedBodies } from "./reused-bodies";
import { BODY_TOO_LARGE, send, WireResponse } from "./send";
import {
  isSafe,
  isTransientNetworkCode,
  parseRetryAfter,
  requestNotSent,
  RetryPolicy,
  RetryPolicyOptions,
  RetryReason,
} from "./retry";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Emitted for logs and metrics. Carries no headers, query strings, bodies or secrets. */
export interface ApiEvent {
  /**
   * `request`: one HTTP attempt finished; `retry`: about to wait and
   * retry; `throttle`: a 429 was received; `error`: the call failed.
   */
  type: "request" | "retry" | "throttle" | "error";
  operation: string;
  method: string;
  /** Path without query string. */
  path: string;
  attempt: number;
  status?: number;
  /** System error code for network failures (ECONNRESET, ETIMEDOUT, ...). */
  code?: string;
  durationMs?: number;
  waitMs?: number;
  reason?: RetryReason;
  errorName?: string;
  /** For `throttle`: which of the headers a client may wait on the 429 carried (names only, never values). */
  throttleHeaders?: { retryAfter: boolean; rateLimitReset: boolean; rateLimitInterval: boolean };
}

export interface ApiStats {
  /** Every HTTP attempt, retries included. */
  requests: number;
  retries: number;
  /** 429 responses received. */
  throttled: number;
  /** Calls that ended in a thrown error. */
  errors: number;
  /** HTTP attempts per operation. */
  byOperation: Record<string, number>;
  /**
   * Answers whose bytes were those of an earlier answer to the same GET: given that parse's value (RequestSpec.reuse).
   */
  reused: number;
}

export interface ParsedErrorBody {
  detail?: string;
  code?: string;
  fields?: Record<string, string[]>;
}

/** The tuning every API client accepts and passes to its transport (documented defaults are per client). */
export interface ClientTuning {
  /** Rate limiter shared between clients. @default - the process-wide limiter for the API's origin */
  limiter?: RateLimiter;
  /** Retries after the first attempt (429/5xx/network, safe requests only). @default 5 */
  maxRetries?: number;
  /** Retries when nothing answers (connection refused, no such host). @default 2 */
  maxUnreachableRetries?: number;
  /** Base of the exponential backoff (ms). */
  retryBaseMs?: number;
  /** Cap for one wait (ms). */
  maxRetryWaitMs?: number;
  /** Per-request timeout (ms). @default 30000 */
  timeoutMs?: number;
  /** The most bytes a response body may have, as received and decompressed (send.ts). @default 32 MiB */
  maxResponseBytes?: number;
  /** @default "reposmith/<version>" */
  userAgent?: string;
  /** Request/retry/throttle/error events for logs and metrics (never contain secrets). */
  onEvent?: (e: ApiEvent) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface HttpTransportOptions extends RetryPolicyOptions {
  baseUrl: string;
  limiter: RateLimiter;
  userAgent: string;
  /** Per-attempt extra headers (auth). May be async so a client can renew a token. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /** @default 30000 */
  timeoutMs?: number;
  /** See ClientTuning.maxResponseBytes. */
  maxResponseBytes?: number;
  onEvent?: (e: ApiEvent) => void;
  /** Maps a non-2xx body (JSON-parsed when possible, else undefined) to detail/code/fields. */
  parseErrorBody?: (json: unknown, text: string) => ParsedErrorBody;
  /** What to check when the API cannot be reached at all, e.g. "check CLOUDSMITH_API_URL". */
  unreachableHint?: string;
  /**
   * What to check when the API rejects the credentials (401/403),
   * e.g. "check CLOUDSMITH_API_KEY"; carried by the AuthError.
   */
  authHint?: string;
  /** Values scrubbed from every error text (API key, tokens). */
  secrets?: () => Array<string | undefined>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface RequestSpec<T, R = T> {
  operation: string;
  method: HttpMethod;
  /** Path relative to the base URL, already URI-encoded, starting with `/`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Schema for a 2xx body; when omitted the body is ignored and `data` is undefined. */
  schema?: ZodType<T>;
  /** Readable subject for messages, e.g. `acme/prod/abc123`. */
  subject?: string;
  /** Extra values to scrub from error texts for this call (e.g. a token value in the body). */
  redact?: Array<string | undefined>;
  /**
   * For a write that is not idempotent (a POST that creates): how to tell whether an attempt that
   * failed after it was sent (a 5xx, a dropped connection) was applied anyway. With it, such a
   * failure is retried within the usual budget and backoff: after the wait the transport asks
   * `landed()`, returns what it finds as the result, and sends the request again only when it
   * finds nothing. Without it, such a failure is thrown at once, marked `ambiguous`.
   */
  landed?: () => Promise<R | undefined>;
  /**
   * For a GET: what the caller keeps of the parsed body (`as`, e.g. only the fields it uses), given
   * again without decoding, parsing or checking when the same URL answers the very same bytes (see
   * reused-bodies.ts). What is kept is shared with every later caller and run, frozen. `key` names
   * the projection (compared by identity): the same for every call that keeps the same.
   */
  reuse?: { key: unknown; as: (parsed: T) => R };
  /**
   * For a body the schema rejects: what stands for it instead (a list whose every item but one is
   * fine: see api/http/malformed.ts), or undefined to fail as usual. Given the parsed JSON.
   */
  salvage?: (json: unknown) => T | undefined;
  /**
   * Statuses answered to the caller as they are instead of thrown (a check that wants to see how the
   * server answers, e.g. a 301 or a 422): `data` is then the body parsed as JSON when it is JSON
   * (else the text), not validated. 429s and retryable failures are retried as usual first.
   */
  accept?: (status: number) => boolean;
}

export interface HttpResponse<T> {
  status: number;
  data: T;
  headers: Record<string, string>;
}

/** Bodies at least this long (a page of list results, not a single object) are parsed after pending I/O. */
const LARGE_BODY_BYTES = 16 * 1024;

type Attempt = { kind: "response"; res: WireResponse } | { kind: "network"; code?: string; message: string };

export class HttpTransport {
  readonly stats: ApiStats = { requests: 0, retries: 0, throttled: 0, errors: 0, byOperation: {}, reused: 0 };
  readonly limiter: RateLimiter;
  readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly opts: HttpTransportOptions;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(opts: HttpTransportOptions) {
    this.opts = opts;
    this.limiter = opts.limiter;
    this.retry = new RetryPolicy(opts);
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async request<T, R = T>(spec: RequestSpec<T, R>): Promise<HttpResponse<R>> {
    const method = spec.method.toUpperCase();
    const url = joinUrl(this.opts.baseUrl, spec.path) + queryString(spec.query);
    const bodyText = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const base = { operation: spec.operation, method, path: spec.path, subject: spec.subject };
    const secrets = [...(this.opts.secrets?.() ?? []), ...(spec.redact ?? [])];

    for (let attempt = 1; ; attempt++) {
      /**
       * Set when this attempt may have been applied and `spec.landed` can tell: the error to throw if looking fails.
       */
      let landedError: (() => ApiError) | undefined;
      // What this URL answered last time, for a GET whose parse is reused: an unchanged body is not copied (send.ts).
      const expected = spec.reuse && method === "GET" ? reusedBodies.bytesOf(url, spec.reuse.key) : undefined;
      const out = await this.attempt(spec, method, url, bodyText, attempt, expected);
      const retriesLeft =
        attempt - 1 < (out.kind === "network" ? this.retry.retriesFor("network", out.code) : this.retry.maxRetries);
      let waitMs: number;
      let reason: RetryReason;

      if (out.kind === "network" && out.code === BODY_TOO_LARGE) {
        // Not a network hiccup: the same answer would come again. A write did reach the server.
        throw this.fail(
          new ResponseShapeError({
            ...base,
            ambiguous: !isSafe(method),
            reason: `${redact(out.message, secrets)}; raise maxResponseBytes if such an answer is expected`,
          }),
          attempt,
        );
      }
      if (out.kind === "network") {
        const sent = !requestNotSent(out.code);
        const networkError = () => {
          const detail = redact(oneLine(out.message, 200), secrets);
          const hint = this.opts.unreachableHint ? `; ${this.opts.unreachableHint}` : "";
          return new NetworkError({
            ...base,
            code: out.code,
            ambiguous: !isSafe(method) && sent,
            // Never connected (refused, no such host, no route): say where we tried and what to check.
            reason: sent
              ? `network error ${out.code ?? ""} (${detail})` +
                (isSafe(method) ? "" : "; the request may have been applied")
              : `the API at ${displayUrl(this.opts.baseUrl)} is unreachable (${detail})${hint}`,
          });
        };
        const transient = isTransientNetworkCode(out.code, out.message);
        const verifiable = !!spec.landed && transient && sent;
        if (!(verifiable || (transient && this.retry.shouldRetry(method, "network", out.code))) || !retriesLeft)
          throw this.fail(networkError(), attempt);
        reason = "network";
        waitMs = this.retry.backoffMs(attempt - 1);
        if (verifiable) landedError = networkError;
      } else {
        const { res } = out;
        if (res.status >= 200 && res.status < 300) {
          // A large body is parsed in a later turn of the event loop: responses that arrived meanwhile
          // are taken in first, so their limiter slots start the next requests before this one's
          // parsing (and the caller's work on it) holds the thread. Parsing then overlaps the network.
          if (res.body.length >= LARGE_BODY_BYTES) await new Promise<void>((resolve) => setImmediate(resolve));
          const data = this.bodyOf(spec, url, res, base, attempt);
          return { status: res.status, data, headers: res.headers };
        }
        const retryAfter = parseRetryAfter(header(res.headers, "retry-after"), this.now());
        if (res.status !== 429 && res.status < 500 && spec.accept?.(res.status)) {
          return { status: res.status, data: looseBody(res.body) as R, headers: res.headers };
        }
        if (res.status === 429) {
          this.stats.throttled++;
          waitMs = this.retry.cap(this.throttleWaitMs(res, retryAfter, attempt));
          const has = (name: string) => header(res.headers, name) !== undefined;
          const throttleHeaders = {
            retryAfter: has("retry-after"),
            rateLimitReset: has("x-ratelimit-reset"),
            rateLimitInterval: has("x-ratelimit-interval"),
          };
          this.emit({ type: "throttle", ...base, attempt, status: 429, waitMs, throttleHeaders });
          // Everyone waits, not just this request: the budget is shared.
          this.limiter.pauseFor(waitMs);
          if (!retriesLeft) throw this.fail(this.httpError(res, base, secrets, retryAfter, false), attempt);
          reason = "throttled";
        } else if (res.status >= 500 && (this.retry.shouldRetry(method, "server") || spec.landed) && retriesLeft) {
          reason = "server";
          waitMs = retryAfter !== undefined ? this.retry.cap(retryAfter * 1000) : this.retry.backoffMs(attempt - 1);
          if (!this.retry.shouldRetry(method, "server"))
            landedError = () => this.httpError(res, base, secrets, retryAfter, true);
        } else {
          throw this.fail(
            this.httpError(res, base, secrets, retryAfter, res.status >= 500 && !isSafe(method)),
            attempt,
          );
        }
      }

      // For a 429 the limiter's pause does the waiting (and holds back every other request too).
      if (landedError) {
        // The write may have been applied: look before sending it again (the wait gives a late commit time to show).
        if (waitMs > 0) await this.sleep(waitMs);
        const found = await this.lookForLanded(spec, landedError, attempt);
        if (found !== undefined) return { status: 200, data: found, headers: {} };
        landedError = undefined;
        this.stats.retries++;
        this.emit({ type: "retry", ...base, attempt, waitMs, reason });
        continue;
      }
      this.stats.retries++;
      this.emit({ type: "retry", ...base, attempt, waitMs, reason });
      if (reason !== "throttled" && waitMs > 0) await this.sleep(waitMs);
    }
  }

  /**
   * Asks `spec.landed` whether a failed write was applied; when
   * it cannot tell, the write's own (ambiguous) error is thrown.
   */
  private async lookForLanded<T, R>(
    spec: RequestSpec<T, R>,
    error: () => ApiError,
    attempt: number,
  ): Promise<R | undefined> {
    try {
      return await spec.landed!();
    } catch {
      throw this.fail(error(), attempt);
    }
  }

  private async attempt(
    spec: Pick<RequestSpec<unknown>, "operation" | "path">,
    method: string,
    url: string,
    bodyText: string | undefined,
    attempt: number,
    expected: Buffer | undefined,
  ): Promise<Attempt> {
    const headers: Record<string, string> = {
      Accept: "application/json",
      "User-Agent": this.opts.userAgent,
      ...(await this.opts.headers?.()),
    };
    if (bodyText !== undefined) headers["Content-Type"] = "application/json";
    return this.limiter.schedule(async () => {
      this.stats.requests++;
      this.stats.byOperation[spec.operation] = (this.stats.byOperation[spec.operation] ?? 0) + 1;
      const started = this.now();
      const ev = { type: "request" as const, operation: spec.operation, method, path: spec.path, attempt };
      try {
        // Bytes, decoded by parseBody: a large page is parsed in pieces, never
        // decoded as one string (util/json-bytes.ts). Redirects are not followed
        // (send.ts): a redirect to another host would carry the API key along.
        const res = await send({
          method,
          url,
          headers,
          body: bodyText,
          timeoutMs: this.timeoutMs,
          maxBodyBytes: this.opts.maxResponseBytes,
          expected,
        });
        this.limiter.observe(res.headers);
        this.emit({ ...ev, status: res.status, durationMs: this.now() - started });
        return { kind: "response", res };
      } catch (e) {
        // Keep only the code and message (a WireError holds nothing else: send.ts turns every failure into one).
        const err = e as { code?: unknown; message?: unknown };
        const code = typeof err?.code === "string" ? err.code : undefined;
        const message = typeof err?.message === "string" ? err.message : "request failed";
        this.emit({ ...ev, code, durationMs: this.now() - started });
        return { kind: "network", code, message };
      }
    });
  }

  /**
   * How long a 429 holds everyone back: Retry-After when sent; else until X-RateLimit-Reset; else
   * X-RateLimit-Interval, the wait the server suggests; else backoff. Cloudsmith documents only the
   * X-RateLimit-* headers, not Retry-After (https://help.cloudsmith.io/reference/rate-limits).
   */
  private throttleWaitMs(res: WireResponse, retryAfter: number | undefined, attempt: number): number {
    if (retryAfter !== undefined) return retryAfter * 1000;
    const reset = Number(header(res.headers, "x-ratelimit-reset"));
    if (Number.isFinite(reset) && reset > 1e9) {
      const ms = reset * 1000 - this.now();
      if (ms > 0) return ms;
    }
    const interval = Number(header(res.headers, "x-ratelimit-interval"));
    if (Number.isFinite(interval) && interval > 0) return interval * 1000;
    return this.retry.backoffMs(attempt - 1);
  }

  /** The 2xx body's value: what the caller kept of these very bytes before when it asks for reuse, else parsed now. */
  private bodyOf<T, R>(
    spec: RequestSpec<T, R>,
    url: string,
    res: WireResponse,
    base: Omit<ApiErrorInit, "reason">,
    attempt: number,
  ): R {
    // Without `reuse`, R is T (its default): the parsed body is the value.
    if (!spec.reuse || spec.method !== "GET") return this.parseBody(spec, res, base, attempt) as unknown as R;
    const { key, as } = spec.reuse;
    const known = reusedBodies.get(url, res.body, key);
    if (known) {
      this.stats.reused++;
      return known.value as R;
    }
    return reusedBodies.set(url, res.body, key, as(this.parseBody(spec, res, base, attempt)));
  }

  private parseBody<T>(
    spec: RequestSpec<T, unknown>,
    res: WireResponse,
    base: Omit<ApiErrorInit, "reason">,
    attempt: number,
  ): T {
    // A probe (accept) wants the body as it came; any other call without a schema ignores it.
    if (!spec.schema) return (spec.accept ? looseBody(res.body) : undefined) as T;
    // On a write the server acted (2xx) but we cannot tell what it made, so the caller must re-read
    // before retrying: mark it ambiguous like a lost response.
    const shapeError = (reason: string) =>
      this.fail(
        new ResponseShapeError({
          ...base,
          status: res.status,
          ambiguous: !isSafe(base.method),
          reason: `${res.status} ${reason}`,
        }),
        attempt,
      );
    let json: unknown;
    try {
      json = isBlank(res.body) ? undefined : parseJsonBytes(res.body);
    } catch {
      throw shapeError("response body is not valid JSON");
    }
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success && spec.salvage) {
      const salvaged = spec.salvage(json);
      if (salvaged !== undefined) return salvaged;
    }
    if (!parsed.success) {
      // Describe the failure by path and issue kind only: zod messages may quote the received value.
      const issue = parsed.error.issues[0];
      const at = formatPath(issue?.path ?? []);
      const expected =
        issue && "expected" in issue && typeof issue.expected === "string" ? `, expected ${issue.expected}` : "";
      throw shapeError(
        `response body did not match the expected shape at ${at} (${issue?.code ?? "invalid"}${expected})`,
      );
    }
    return parsed.data;
  }

  private httpError(
    res: WireResponse,
    base: Omit<ApiErrorInit, "reason">,
    secrets: Array<string | undefined>,
    retryAfter: number | undefined,
    ambiguous: boolean,
  ): ApiError {
    const text = bodyText(res.body);
    let json: unknown;
    try {
      json = text.trim() ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const parsed = (this.opts.parseErrorBody ?? defaultParseErrorBody)(json, text);
    const scrub = (s: string) => redact(s, secrets);
    const fields: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(parsed.fields ?? {})) fields[scrub(k)] = v.map((m) => scrub(oneLine(m, 500)));
    const Cls = errorClassForStatus(res.status);
    return new Cls({
      ...base,
      status: res.status,
      detail: parsed.detail !== undefined ? scrub(oneLine(parsed.detail, 500)) : undefined,
      code: parsed.code !== undefined ? scrub(parsed.code) : undefined,
      fields,
      retryAfterSeconds: retryAfter,
      ambiguous,
      authHint: Cls === AuthError ? this.opts.authHint : undefined,
    });
  }

  private fail(e: ApiError, attempt: number): ApiError {
    this.stats.errors++;
    this.emit({
      type: "error",
      operation: e.operation,
      method: e.method,
      path: e.path,
      attempt,
      status: e.status,
      code: e instanceof NetworkError ? e.code : undefined,
      errorName: e.name,
    });
    return e;
  }

  private emit(e: ApiEvent): void {
    if (!this.opts.onEvent) return;
    try {
      this.opts.onEvent(e);
    } catch {
      // A broken logger must not break API calls.
    }
  }
}

/** Fallback error-body parser: `{detail|message, code, fields}` or a short plain-text body. */
function defaultParseErrorBody(json: unknown, text: string): ParsedErrorBody {
  if (json && typeof json === "object" && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    const detail = typeof o.detail === "string" ? o.detail : typeof o.message === "string" ? o.message : undefined;
    return { detail, code: typeof o.code === "string" ? o.code : undefined };
  }
  const t = text.trim();
  return t && !t.startsWith("<") ? { detail: oneLine(t, 200) } : {};
}

/** A base URL fit for a message: scheme, host and path only (no credentials, no query). */
function displayUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    return "(an invalid URL)";
  }
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return "(root)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/** A body as text, without a byte order mark. */
function bodyText(bytes: Buffer): string {
  return bytes.toString("utf8").replace(/^\uFEFF/, "");
}

/** Whether a body is empty or only whitespace (no JSON in it). */
function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}

/** A body as JSON when it parses, else its text (undefined when empty). */
function looseBody(data: Buffer): unknown {
  const text = bodyText(data);
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Retry policy shared by the HTTP clients (generic).
 *
 * Safe methods (GET/HEAD/OPTIONS) and idempotent writes (PUT/PATCH/DELETE) are retried on 429, 5xx and
 * network errors. A POST is not idempotent (a retried create makes a second token, a retried copy a second
 * package, see docs/api/cloudsmith.md#post-is-not-idempotent), so it is retried only when the server provably did
 * nothing: a 429, or a connection that was never established.
 */

export interface RetryPolicyOptions {
  /** Retries after the first attempt. @default 5 */
  maxRetries?: number;
  /**
   * Retries when nothing answers at all (connection refused, no such host): such a failure rarely
   * clears within seconds, and a wrong URL must not keep the user waiting through the whole backoff
   * before its one-line error. Capped by maxRetries. @default 2
   */
  maxUnreachableRetries?: number;
  /** Base of the exponential backoff (ms). @default 500 */
  retryBaseMs?: number;
  /** Cap for one wait (ms), including waits asked for by Retry-After / X-RateLimit-Reset. @default 120000 */
  maxRetryWaitMs?: number;
  random?: () => number;
}

export type RetryReason = "throttled" | "server" | "network";

/** Network error codes for which the request bytes never reached the server. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_INVALID_URL",
]);
/** Of those, the ones that say "nobody is there" rather than "the network hiccuped". */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND"]);
/** Network error codes worth retrying (for methods where a retry is safe). */
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ETIMEDOUT",
  "ECONNABORTED",
  "ECONNREFUSED",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "UND_ERR_SOCKET",
]);

function isIdempotent(method: string): boolean {
  return ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"].includes(method.toUpperCase());
}

export function isSafe(method: string): boolean {
  return ["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}

/** True when a connection error happened before any byte of the request was sent. */
export function requestNotSent(code: string | undefined): boolean {
  return code !== undefined && NOT_SENT_CODES.has(code);
}

export function isTransientNetworkCode(code: string | undefined, message?: string): boolean {
  if (code && TRANSIENT_CODES.has(code)) return true;
  // Node's "socket hang up" (a reset before the response), a timeout, or a reply the connection dropped
  // mid-body ("aborted"; send.ts reports that one as ECONNRESET already) under a code not listed above.
  return /socket hang up|timeout|aborted/i.test(message ?? "");
}

export class RetryPolicy {
  readonly maxRetries: number;
  readonly maxUnreachableRetries: number;
  readonly retryBaseMs: number;
  readonly maxRetryWaitMs: number;
  private readonly random: () => number;

  constructor(opts: RetryPolicyOptions = {}) {
    this.maxRetries = Math.max(0, Math.floor(opts.maxRetries ?? 5));
    this.maxUnreachableRetries = Math.min(this.maxRetries, Math.max(0, Math.floor(opts.maxUnreachableRetries ?? 2)));
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.maxRetryWaitMs = opts.maxRetryWaitMs ?? 120_000;
    this.random = opts.random ?? Math.random;
  }

  /** Whether a failure may be retried for this method (ignores the attempt budget). */
  shouldRetry(method: string, reason: RetryReason, networkCode?: string): boolean {
    if (reason === "throttled") return true; // 429: the server refused before doing anything
    if (isIdempotent(method)) return true;
    return reason === "network" && requestNotSent(networkCode);
  }

  /** How many retries a failure of this kind gets in all. */
  retriesFor(reason: RetryReason | undefined, networkCode?: string): number {
    return reason === "network" && networkCode !== undefined && UNREACHABLE_CODES.has(networkCode)
      ? this.maxUnreachableRetries
      : this.maxRetries;
  }

  /** Full-jitter exponential backoff for retry number `retry` (0-based). */
  backoffMs(retry: number): number {
    const ceiling = Math.min(this.maxRetryWaitMs, this.retryBaseMs * 2 ** Math.min(retry, 30));
    return Math.floor(this.random() * ceiling);
  }

  /** Caps a server-requested wait. */
  cap(ms: number): number {
    return Math.max(0, Math.min(ms, this.maxRetryWaitMs));
  }
}

/** Parses Retry-After (delta seconds or HTTP date) into seconds from `now`; undefined when absent/invalid. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - now) / 1000);
}

/**
 * Client-side rate limiter shared by every request to one API (generic).
 *
 * - caps the number of requests in flight (`concurrency`);
 * - reads `X-RateLimit-Limit/Remaining/Reset/Interval` from every response (`observe`) and, once
 *   `Remaining` drops to the low watermark, spreads the remaining requests evenly until `Reset`
 *   instead of bursting into 429s (Cloudsmith documents these headers on every response,
 *   see docs/api/cloudsmith.md#rate-limits);
 * - `pauseFor(ms)` (called on a 429) holds back every request that has not started yet.
 */

export type HeaderBag = Record<string, unknown> | { get?: unknown } | undefined | null;

export interface RateLimiterOptions {
  /** Maximum requests in flight. @default 10 */
  concurrency?: number;
  /**
   * Start spreading requests when `X-RateLimit-Remaining` is at or below this.
   * @default - max(10, 5% of X-RateLimit-Limit)
   */
  lowWatermark?: number;
  /** Cap for one spacing delay (ms); a longer wait is left to the 429 handling. @default 120000 */
  maxDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RateLimiterSnapshot {
  concurrency: number;
  active: number;
  queued: number;
  limit?: number;
  remaining?: number;
  /** Epoch ms when the server's window resets. */
  resetAt?: number;
  intervalSeconds?: number;
  /** Epoch ms until which every request is held (after a 429); 0 when not paused. */
  pausedUntil: number;
  /** Current spacing between request starts (ms); 0 when not throttling. */
  spacingMs: number;
  pauses: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class RateLimiter {
  readonly concurrency: number;
  private readonly lowWatermarkOpt?: number;
  private readonly maxDelayMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  private active = 0;
  private readonly waiters: Array<() => void> = [];
  private limit?: number;
  private remaining?: number;
  private resetAt?: number;
  private intervalSeconds?: number;
  private pausedUntil = 0;
  private nextStartAt = 0;
  private pauses = 0;

  constructor(opts: RateLimiterOptions = {}) {
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 10));
    this.lowWatermarkOpt = opts.lowWatermark;
    this.maxDelayMs = opts.maxDelayMs ?? 120_000;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /** Runs `fn` once a concurrency slot is free and any pause/spacing has elapsed. */
  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      await this.gate();
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Records the rate-limit headers of a response. Missing or unparsable headers are ignored. */
  observe(headers: HeaderBag): void {
    const limit = num(header(headers, "x-ratelimit-limit"));
    const remaining = num(header(headers, "x-ratelimit-remaining"));
    const reset = num(header(headers, "x-ratelimit-reset"));
    const interval = num(header(headers, "x-ratelimit-interval"));
    if (limit !== undefined) this.limit = limit;
    if (remaining !== undefined) this.remaining = remaining;
    if (reset !== undefined) this.resetAt = resetToEpochMs(reset, this.now());
    if (interval !== undefined) this.intervalSeconds = interval;
    if (remaining !== undefined && remaining <= 0 && this.resetAt !== undefined) {
      // Budget exhausted: hold everyone until the window resets (bounded; a 429 will tell us more).
      this.pauseFor(Math.min(this.resetAt - this.now(), this.maxDelayMs));
    }
  }

  /** Holds every request that has not started yet for `ms` (extends, never shortens, a pause). */
  pauseFor(ms: number): void {
    if (!(ms > 0)) return;
    const until = this.now() + ms;
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.pauses++;
    }
  }

  snapshot(): RateLimiterSnapshot {
    const now = this.now();
    return {
      concurrency: this.concurrency,
      active: this.active,
      queued: this.waiters.length,
      limit: this.limit,
      remaining: this.remaining,
      resetAt: this.resetAt,
      intervalSeconds: this.intervalSeconds,
      pausedUntil: this.pausedUntil > now ? this.pausedUntil : 0,
      spacingMs: this.spacingMs(now),
      pauses: this.pauses,
    };
  }

  /** Spacing between request starts while the remaining budget is low; 0 otherwise. */
  private spacingMs(now: number): number {
    if (this.remaining === undefined || this.resetAt === undefined || now >= this.resetAt) return 0;
    const low = this.lowWatermarkOpt ?? Math.max(10, Math.ceil((this.limit ?? 0) * 0.05));
    if (this.remaining > low) return 0;
    const spread = (this.resetAt - now) / Math.max(1, this.remaining);
    const suggested = (this.intervalSeconds ?? 0) * 1000;
    return Math.min(Math.max(spread, suggested), this.maxDelayMs);
  }

  private async gate(): Promise<void> {
    const now = this.now();
    const spacing = this.spacingMs(now);
    if (spacing > 0) {
      // Reserve the next start slot so concurrent callers line up instead of all sleeping the same amount.
      // Never past the window's reset: reservations made on a stale (higher) remaining count must not
      // push requests into the next window, which starts with a fresh budget anyway.
      const start = Math.min(Math.max(now, this.nextStartAt), this.resetAt ?? Infinity);
      this.nextStartAt = start + spacing;
      const delay = Math.min(start - now, this.maxDelayMs);
      if (delay > 0) await this.sleep(delay);
    }
    // A 429 elsewhere may pause us while we wait, so re-check until the pause is over.
    for (let wait = this.pausedUntil - this.now(); wait > 0; wait = this.pausedUntil - this.now()) {
      await this.sleep(wait);
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next)
      next(); // hand the slot over directly; `active` stays the same
    else this.active--;
  }
}

const shared = new Map<string, RateLimiter>();

/**
 * The process-wide limiter for `key` (one per API host/credential is the intended use).
 * Clients use it when no limiter is passed, so every client of the same API shares one budget.
 */
export function sharedLimiter(key = "default", opts?: RateLimiterOptions): RateLimiter {
  let l = shared.get(key);
  if (!l) {
    l = new RateLimiter(opts);
    shared.set(key, l);
  }
  return l;
}

/** Reads a header from a plain object (any case) or an AxiosHeaders/Headers-like object. */
export function header(headers: HeaderBag, name: string): string | undefined {
  if (!headers) return undefined;
  const h = headers as { get?: (n: string) => unknown } & Record<string, unknown>;
  let v: unknown;
  if (typeof h.get === "function") v = h.get(name);
  if (v === undefined || v === null) {
    const lower = name.toLowerCase();
    for (const [k, val] of Object.entries(h)) {
      if (k.toLowerCase() === lower) {
        v = val;
        break;
      }
    }
  }
  if (Array.isArray(v)) v = v[0];
  if (v === undefined || v === null) return undefined;
  return String(v);
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** `X-RateLimit-Reset` is epoch seconds (Cloudsmith); small values are treated as seconds from now. */
function resetToEpochMs(reset: number, now: number): number {
  return reset > 1e9 ? reset * 1000 : now + reset * 1000;
}

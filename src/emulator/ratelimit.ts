/**
 * Emulated Cloudsmith rate limit: a fixed window of `limit` requests per `windowSeconds`.
 * Every API response carries X-RateLimit-Limit/-Remaining/-Reset/-Interval; once the window's
 * budget is spent, requests get 429 until the window resets (with Retry-After only when the
 * Cloudsmith setting `retryAfter` is on: Cloudsmith documents just the X-RateLimit-* headers).
 * Unconfigured, the headers show a generous 5400/h budget that is never consumed or enforced.
 */
import { invalidInput } from "./errors";
import { isPlainObject } from "./util";

export interface RateLimitConfig {
  limit: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  headers: Record<string, string>;
  /** Seconds until the window resets, when the request must be refused with 429. */
  throttledFor?: number;
}

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Epoch seconds when the window resets. */
  reset: number;
  interval: number;
  throttled: boolean;
}

const DEFAULT_LIMIT = 5400;
const DEFAULT_WINDOW = 3600;

export class RateLimiter {
  private config: RateLimitConfig | null = null;
  private windowEndsMs = 0;
  private remaining = DEFAULT_LIMIT;

  /** Applies `POST /_emulator/ratelimit`: `{"limit":N,"windowSeconds":S}` or `null` to switch off. */
  configure(body: unknown): void {
    if (body === null || body === undefined || (isPlainObject(body) && body.limit === null)) {
      this.config = null;
      return;
    }
    const limit = isPlainObject(body) ? body.limit : undefined;
    const windowSeconds = isPlainObject(body) ? (body.windowSeconds ?? DEFAULT_WINDOW) : undefined;
    if (
      typeof limit !== "number" ||
      !Number.isInteger(limit) ||
      limit < 0 ||
      typeof windowSeconds !== "number" ||
      !(windowSeconds > 0)
    ) {
      throw invalidInput({
        non_field_errors: ['Expected {"limit": integer >= 0, "windowSeconds": number > 0} or null.'],
      });
    }
    this.config = { limit, windowSeconds };
    this.windowEndsMs = 0;
  }

  reset(): void {
    this.config = null;
    this.windowEndsMs = 0;
  }

  /** The current window (no request consumed). */
  state(nowMs = Date.now()): RateLimitState {
    if (!this.config) {
      return {
        limit: DEFAULT_LIMIT,
        remaining: DEFAULT_LIMIT,
        reset: Math.ceil(nowMs / 1000) + DEFAULT_WINDOW,
        interval: 0,
        throttled: false,
      };
    }
    this.roll(nowMs);
    const throttled = this.remaining <= 0;
    return {
      limit: this.config.limit,
      remaining: this.remaining,
      reset: Math.ceil(this.windowEndsMs / 1000),
      interval: throttled ? Math.max(0, (this.windowEndsMs - nowMs) / 1000) : 0,
      throttled,
    };
  }

  /** Consumes one request from the window, or says how long the caller is throttled for. */
  hit(nowMs = Date.now()): RateLimitDecision {
    if (this.config) this.roll(nowMs);
    let throttledFor: number | undefined;
    if (this.config) {
      if (this.remaining > 0) this.remaining--;
      else throttledFor = Math.max(1, Math.ceil((this.windowEndsMs - nowMs) / 1000));
    }
    const s = this.state(nowMs);
    return {
      throttledFor,
      headers: {
        "x-ratelimit-limit": String(s.limit),
        "x-ratelimit-remaining": String(s.remaining),
        "x-ratelimit-reset": String(s.reset),
        "x-ratelimit-interval": s.interval.toFixed(1),
      },
    };
  }

  private roll(nowMs: number): void {
    if (this.config && nowMs >= this.windowEndsMs) {
      // Whole-second windows end on a whole second, so X-RateLimit-Reset (epoch seconds) is exact,
      // not rounded; sub-second windows (tests) stay exact in milliseconds.
      const end = nowMs + this.config.windowSeconds * 1000;
      this.windowEndsMs = this.config.windowSeconds >= 1 ? Math.max(nowMs + 1, Math.floor(end / 1000) * 1000) : end;
      this.remaining = this.config.limit;
    }
  }
}

/**
 * Per-key exponential backoff: after n consecutive failures a key is left alone for
 * min(base * 2^(n-1), max), with ±20% jitter so many failing keys do not retry in lock-step.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  now?: () => number;
  random?: () => number;
}

interface Entry {
  failures: number;
  until: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  /** Records a failure; returns the delay before the key is tried again. */
  fail(key: string): number {
    const failures = (this.entries.get(key)?.failures ?? 0) + 1;
    const raw = Math.min(this.opts.baseMs * 2 ** (failures - 1), this.opts.maxMs);
    const delay = Math.round(raw * (0.8 + 0.4 * this.random()));
    this.entries.set(key, { failures, until: this.now() + delay });
    return delay;
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  /** True while the key is waiting out its delay. */
  blocked(key: string): boolean {
    const e = this.entries.get(key);
    return !!e && e.until > this.now();
  }

  failures(key: string): number {
    return this.entries.get(key)?.failures ?? 0;
  }

  /** Milliseconds until the earliest blocked key may be tried again (undefined when none is blocked). */
  nextRetryIn(): number | undefined {
    const now = this.now();
    let next: number | undefined;
    for (const e of this.entries.values()) if (e.until > now) next = Math.min(next ?? Infinity, e.until - now);
    return next;
  }
}

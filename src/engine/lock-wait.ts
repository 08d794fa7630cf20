/**
 * Waiting for a held state lock (`--lock-timeout`, as Terraform's `-lock-timeout`), with a progress
 * report at least every PROGRESS_EVERY_MS so a CI log shows the wait is a wait, not a hang. The
 * stack's runner on the Terraform path (src/engine/terraform.ts) waits the same way: one function for both.
 */
import { StateLockedError, type LockHolder, type StackState, type StateLock, type StateStore } from "./state/types";

/** At most this long between two progress reports of one wait (Terraform's "Still creating..." cadence). */
export const PROGRESS_EVERY_MS = 10_000;

/** One report of a lock wait: given when the lock is first found held, then at least every PROGRESS_EVERY_MS. */
export interface LockWait {
  stack: string;
  /** Who holds it, when the store can tell. */
  holder?: LockHolder;
  elapsedMs: number;
  timeoutMs: number;
}

export interface LockWaitOptions {
  /** How long to wait for a held lock; 0 refuses at once (the StateLockedError of the store). */
  timeoutMs: number;
  onWait?: (w: LockWait) => void;
  /** Tests inject a clock. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Takes `stack`'s lock, trying again (50 ms, doubling to 1 s, jittered) while another process holds
 * it, for up to `timeoutMs`. Past that, the store's StateLockedError is thrown, saying how long it
 * waited. Errors other than a held lock are thrown at once.
 */
export async function waitForLock(
  store: StateStore,
  stack: string,
  operation: string,
  opts: LockWaitOptions,
): Promise<StateLock> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const started = now();
  let reported: number | undefined;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await store.lock(stack, operation);
    } catch (err) {
      if (!(err instanceof StateLockedError)) throw err;
      const elapsedMs = now() - started;
      if (opts.timeoutMs <= 0) throw err;
      if (elapsedMs >= opts.timeoutMs) {
        err.message += ` (waited ${Math.round(elapsedMs / 1000)} s of --lock-timeout)`;
        throw err;
      }
      if (reported === undefined || elapsedMs - reported >= PROGRESS_EVERY_MS) {
        reported = elapsedMs;
        opts.onWait?.({ stack, holder: err.holder, elapsedMs, timeoutMs: opts.timeoutMs });
      }
      // Never sleep past the deadline, nor past the next report.
      const untilReport = reported + PROGRESS_EVERY_MS - elapsedMs;
      const wait = Math.min(delay * (0.5 + Math.random()), opts.timeoutMs - elapsedMs, untilReport);
      await sleep(Math.max(1, wait));
    }
  }
}

/**
 * `store`, whose lock() waits for a held lock as waitForLock does: what every command that locks
 * (apply, destroy, import, state rm/mv) is given under `--lock-timeout`.
 */
export class LockWaitingStore implements StateStore {
  constructor(
    private readonly inner: StateStore,
    private readonly opts: LockWaitOptions,
  ) {}

  get location(): string {
    return this.inner.location;
  }

  read(stack: string): Promise<StackState> {
    return this.inner.read(stack);
  }

  write(state: StackState): Promise<StackState> {
    return this.inner.write(state);
  }

  lock(stack: string, operation: string): Promise<StateLock> {
    return waitForLock(this.inner, stack, operation, this.opts);
  }

  stacks(): Promise<string[]> {
    return this.inner.stacks();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * What the probes say about the reconcile loop: /healthz (LoopHealth: does the loop still move?)
 * and /status (PassBoard: the last pass and each stack's counts).
 */
import { formatDuration } from "../util/duration";
import type { StackOutcome } from "./reconcile-stack";

/**
 * The bound /healthz applies: three intervals, and never less than an interval plus a minute, so
 * a pass that waits on a slow API (each poll of a sync, each answer, is a heartbeat) is not taken
 * for a stuck one, while a loop that stopped moving is restarted within a few intervals.
 */
export function healthBound(intervalMs: number): number {
  return Math.max(3 * intervalMs, intervalMs + 60_000);
}

/**
 * Healthy while the watch loop moves: it finished a pass, or showed a heartbeat (a step of a pass,
 * a sync's progress, an API answer, a standby poll), within the bound. A loop stuck on something
 * that never returns fails it, and the kubelet restarts the process.
 */
export class LoopHealth {
  private lastBeat = Date.now();
  private lastRequests = -1;
  /** Set once a watch loop runs: a single pass (no loop) is never "stuck". */
  looping = false;

  constructor(readonly boundMs: number) {}

  beat(): void {
    this.lastBeat = Date.now();
  }

  /** `requests`: the API clients' running request count; any answer since the last look is a heartbeat. */
  check(requests: number): { healthy: boolean; reason: string } {
    if (requests !== this.lastRequests) {
      this.lastRequests = requests;
      this.beat();
    }
    const quiet = Date.now() - this.lastBeat;
    if (!this.looping || quiet <= this.boundMs) return { healthy: true, reason: "ok" };
    return {
      healthy: false,
      reason:
        `reconcile loop stuck: no pass finished and no progress for ${formatDuration(quiet)} ` +
        `(bound ${formatDuration(this.boundMs)}, from --interval)`,
    };
  }
}

/** What one stack's last pass did, for /status. */
export interface StackStatus {
  managed: number;
  applied: number;
  drift: number;
  failed: number;
  backingOff: number;
  /** Why the stack failed as a whole (synth, state, lock), when it did. */
  error?: string;
}

/** The last pass and each stack's counts, as /status shows them. */
export class PassBoard {
  lastPass: Record<string, unknown> | undefined;
  private readonly stacks = new Map<string, StackStatus>();

  stackDone(o: StackOutcome): void {
    this.stacks.set(o.stack, {
      managed: Object.values(o.managed).reduce((n, c) => n + c, 0),
      applied: o.applied.length,
      drift: o.drift.length,
      failed: o.failed.length,
      backingOff: o.backingOff.length,
    });
  }

  /** A stack that failed as a whole: its last counts stay, with the error. */
  stackFailed(stack: string, error: unknown): void {
    const before = this.stacks.get(stack) ?? { managed: 0, applied: 0, drift: 0, failed: 0, backingOff: 0 };
    this.stacks.set(stack, { ...before, error: (error as Error)?.message ?? String(error) });
  }

  /** Stacks the app no longer declares go. */
  keepOnly(declared: string[]): void {
    for (const stack of [...this.stacks.keys()]) if (!declared.includes(stack)) this.stacks.delete(stack);
  }

  byStack(): Record<string, StackStatus> {
    return Object.fromEntries(this.stacks);
  }
}

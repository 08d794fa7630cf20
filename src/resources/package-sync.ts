/**
 * Waiting for a package copy to be fully synchronised (docs/api/cloudsmith.md#waiting-for-a-package-sync,
 * #package-status-codes, #eventual-consistency).
 *
 * Poll `packages_status` in the destination until `is_sync_completed` or `is_sync_failed` — the
 * booleans, never the undocumented status numbers. Polling is adaptive and bounded: short at first
 * (most syncs are quick), backing off ×1.5 up to a cap; once sync_progress moves, the rate of
 * progress (since the sync left "awaiting", or between two polls) estimates the time left and the
 * next poll lands about then; each poll so timed that finds the sync still running doubles the
 * margin (progress need not be linear). A failed sync is resynced
 * up to `resyncAttempts` times, unless its reason says it is permanent.
 *
 * A package that was just copied may not read back at once. A Cloudsmith engineer describes "a
 * background processing step that inserts uploaded packages into the index" which "might incur
 * noticeable delays", and advises waiting on packages_status
 * (https://github.com/kraken-build/kraken/issues/13); cloudsmith-cli's `copy` waits on the new
 * package's status in the destination (`wait_for_package_sync`,
 * https://github.com/cloudsmith-io/cloudsmith-cli/blob/05bd218a35933a9dface99515572ff97c3671952/cloudsmith_cli/cli/commands/copy.py);
 * terraform-provider-cloudsmith waits out 404s after its creates because of "cross-region database
 * replication" (`waiter`, `waitForCreation` in
 * https://github.com/cloudsmith-io/terraform-provider-cloudsmith/blob/344b5c3694ad54ad2b0da8f1c55401df6ec37c21/cloudsmith/utils.go).
 * Whether packages_status itself answers 404 right after a copy is not documented, so a 404 there
 * keeps the wait polling, for at most NOT_FOUND_WINDOW_MS and never past the timeout.
 */
import {
  isNotFound,
  isRejected,
  stageOf as stageNumber,
  statusUpdatedAt,
  type CloudsmithClient,
  type PackageStatus,
} from "../api/cloudsmith";
import type { HandlerContext } from "./types";

export const POLL = {
  /** First wait after the copy (or a resync). */
  initialMs: 1_000,
  factor: 1.5,
  /** No single wait is longer (the CLI caps its linear backoff at 300 s; we poll more often). */
  maxMs: 30_000,
};

/**
 * How long a status that answers 404 is waited on (within the sync timeout) before the wait gives
 * up: terraform-provider-cloudsmith's `defaultCreationTimeout` for a new object to read back.
 */
export const NOT_FOUND_WINDOW_MS = 60_000;

/** [cli] The CLI's linear wait never exceeds this. */
const LINEAR_CAP_MS = 300_000;

/** [cli] "If a failure status_reason contains 'package should be deleted', the failure is permanent." */
export const isPermanentFailure = (reason: string | null | undefined) =>
  /package should be deleted/i.test(reason ?? "");

export type SyncProblem = "failed" | "timeout" | "interrupted" | "not-found";

/** A copy that did not become fully synchronised; carries what the API last said. */
export class PackageSyncError extends Error {
  constructor(
    readonly problem: SyncProblem,
    message: string,
    readonly status: PackageStatus,
    readonly permanent = false,
  ) {
    super(message);
    this.name = "PackageSyncError";
  }
}

export interface WaitOptions {
  owner: string;
  repository: string;
  slugPerm: string;
  /** How messages name the package, e.g. `npm left-pad 1.3.0 in acme/prod`. */
  label: string;
  timeoutMs: number;
  resyncAttempts: number;
  /** The status already known (e.g. the copy's response): the first poll happens after a wait. */
  initial?: PackageStatus;
  /** Called after every observation (progress display, mirror totals). */
  onStatus?: (st: PackageStatus, note?: string) => void;
}

const stageOf = (st: PackageStatus) =>
  `stage "${st.stage_str ?? "unknown"}"${stageNumber(st) !== undefined ? ` (${stageNumber(st)})` : ""}, ` +
  `sync_progress ${st.sync_progress ?? 0}%, status "${st.status_str ?? "unknown"}"`;

function failedError(o: WaitOptions, st: PackageStatus, resyncs: number): PackageSyncError {
  const reason = st.status_reason ?? null;
  const permanent = isPermanentFailure(reason);
  const tried = permanent ? "a permanent failure, not resynced" : `after ${resyncs} resync${resyncs === 1 ? "" : "s"}`;
  const msg =
    `${o.label}: sync failed (${tried}): ${reason === null ? "the API gave no status_reason" : `"${reason}"`}; ` +
    `reached ${stageOf(st)}. ` +
    (permanent
      ? "Delete the failed copy; the next apply copies it again."
      : "The failed copy is kept; the next apply resyncs it.");
  return new PackageSyncError("failed", msg, st, permanent);
}

function timeoutError(o: WaitOptions, st: PackageStatus): PackageSyncError {
  const secs = Math.round(o.timeoutMs / 1000);
  return new PackageSyncError(
    "timeout",
    `${o.label}: not fully synchronised after ${secs}s (waitForSync.timeout): reached ${stageOf(st)}. ` +
      "The copy stays and keeps syncing; the next apply waits for it again (raise waitForSync.timeout for large " +
      "packages).",
    st,
  );
}

function notFoundError(o: WaitOptions, st: PackageStatus, forMs: number): PackageSyncError {
  return new PackageSyncError(
    "not-found",
    `${o.label}: its status still answered 404 Not Found ${Math.round(forMs / 1000)}s after the copy (a new ` +
      `package can take a while to read back). ` +
      "The copy is recorded; the next apply looks for it again.",
    st,
  );
}

function interruptedError(o: WaitOptions, st: PackageStatus): PackageSyncError {
  return new PackageSyncError(
    "interrupted",
    `${o.label}: interrupted while waiting for its sync (last seen: ${stageOf(st)}). The copy stays and keeps ` +
      `syncing; the next apply waits for it again.`,
    st,
  );
}

/** ms until done, estimated from two samples of sync_progress; undefined when it cannot be told. */
function estimateRemainingMs(
  prev: { at: number; progress: number } | undefined,
  at: number,
  progress: number,
): number | undefined {
  if (!prev || progress <= prev.progress || progress >= 100 || at <= prev.at) return undefined;
  const perMs = (progress - prev.progress) / (at - prev.at);
  return (100 - progress) / perMs;
}

const MIN_SINGLE_SAMPLE_PROGRESS = 10;

/**
 * ms until done from a single sample: while a sync is in progress, `status_updated_at` says since
 * when (the status last changed when it left "awaiting"), so progress over that time gives a rate
 * without waiting for a second sample. Undefined when it cannot be told (or the clocks disagree).
 */
function estimateFromStart(st: PackageStatus, at: number): number | undefined {
  const progress = st.sync_progress ?? 0;
  const updated = statusUpdatedAt(st);
  const since = st.is_sync_in_progress && updated ? Date.parse(updated) : NaN;
  // Progress comes in whole percents: below 10 % one step is a large share of it, and an estimate
  // from "1 %" could be nearly twice too long. Wait for a second sample instead.
  if (!Number.isFinite(since) || progress < MIN_SINGLE_SAMPLE_PROGRESS || progress >= 100 || at <= since)
    return undefined;
  return ((100 - progress) * (at - since)) / progress;
}

/** Waits until the package is fully synchronised; resolves with its final status, throws PackageSyncError. */
export async function waitForSync(
  ctx: HandlerContext,
  client: CloudsmithClient,
  o: WaitOptions,
): Promise<PackageStatus> {
  const deadline = ctx.now().getTime() + o.timeoutMs;
  // Since when the status has answered 404 (undefined while it reads back).
  let notFoundSince: number | undefined;
  const poll = async (): Promise<PackageStatus | undefined> => {
    try {
      const read = await client.packages.status(o.owner, o.repository, o.slugPerm);
      notFoundSince = undefined;
      return read;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      notFoundSince ??= ctx.now().getTime();
      return undefined;
    }
  };
  let interval = POLL.initialMs;
  const linear = typeof ctx.syncPolling === "object" ? ctx.syncPolling.linearStepMs : undefined;
  let round = 0;
  let resyncs = 0;
  let sample: { at: number; progress: number } | undefined;
  // Polls that an estimate timed for the end but that found the sync still running: progress is
  // then slower than it looked (it need not be linear), and each such miss doubles the margin.
  let misses = 0;
  let estimated = false;
  let latest = o.initial ?? (await poll());
  // The last status seen (what errors report while the status answers 404).
  let st: PackageStatus = latest ?? {};
  for (;;) {
    const now = ctx.now().getTime();
    if (!latest) {
      // Not readable yet (404): keep polling, bounded by the window and the timeout.
      o.onStatus?.(st, "not readable yet (404), waiting for it to appear");
      if (now >= deadline || now - notFoundSince! >= NOT_FOUND_WINDOW_MS)
        throw notFoundError(o, st, now - notFoundSince!);
    } else {
      o.onStatus?.(st);
      if (st.is_sync_completed) return st;
      if (st.is_sync_failed) {
        if (isPermanentFailure(st.status_reason) || resyncs >= o.resyncAttempts) throw failedError(o, st, resyncs);
        resyncs++;
        o.onStatus?.(st, `resync ${resyncs}/${o.resyncAttempts} after: ${st.status_reason ?? "no reason given"}`);
        try {
          await client.packages.resync(o.owner, o.repository, o.slugPerm);
        } catch (err) {
          // A resync that may have been applied is harmless to leave, and a "wrong state" refusal (400 in
          // the spec, 422 from a server that files it as a field error) means one is already running
          // (another waiter on the same copy): either way the next poll tells.
          if (!(err as { ambiguous?: boolean }).ambiguous && !isRejected(err)) throw err;
        }
        interval = POLL.initialMs;
        round = 0;
        sample = undefined;
        misses = 0;
        estimated = false;
      } else if (now >= deadline) {
        throw timeoutError(o, st);
      }
    }
    const moving = latest !== undefined && !st.is_sync_failed;
    if (estimated && moving) misses++;
    let wait = interval;
    const progress = st.sync_progress ?? 0;
    const estimate =
      !moving || linear !== undefined
        ? undefined
        : (estimateRemainingMs(sample, now, progress) ?? estimateFromStart(st, now));
    if (linear !== undefined) {
      wait = Math.min(LINEAR_CAP_MS, linear * ++round);
    } else if (estimate !== undefined) {
      // Land just after the estimated end; a little late beats one poll too early.
      wait = Math.min(POLL.maxMs, Math.max(POLL.initialMs, estimate * 1.1 * 2 ** misses + 250));
    } else {
      interval = Math.min(POLL.maxMs, interval * POLL.factor);
    }
    estimated = estimate !== undefined;
    if (moving && progress > 0) sample = { at: now, progress };
    // One last poll exactly at the deadline (or the end of the 404 window), so a timeout reports the latest stage.
    const end = latest ? deadline : Math.min(deadline, notFoundSince! + NOT_FOUND_WINDOW_MS);
    await ctx.sleep(Math.max(0, Math.min(wait, end - now)));
    if (ctx.interrupted?.()) throw interruptedError(o, st);
    latest = await poll();
    if (latest) st = latest;
  }
}

/**
 * Starting a CodeArts mirror synchronization and waiting for it without a job API
 * (docs/api/codearts-repo.md#waiting-for-a-sync): keep a baseline of show-mirror, start, then poll
 * show-mirror until `last_successful_update_at` moves past the baseline (success) or the failure
 * count rises / a new `last_error` appears (failure); bounded by the spec's timeout.
 */
import {
  ApiError,
  CodeArtsClient,
  MirrorInfo,
  NetworkError,
  RateLimitedError,
  ServerError,
  isCodeArtsNotFound,
  redact,
} from "../api/codearts";
import { credentialEnvs, durationMs, MIRROR_FIELDS, type RepositoryMirrorSpec } from "./repository-mirror-spec";
import type { HandlerContext } from "./types";

/** `update_status` words that mean "still going" [U: undocumented values; GitLab-like]. */
export const IN_PROGRESS_STATUSES = new Set([
  "scheduled",
  "started",
  "running",
  "syncing",
  "queued",
  "in_progress",
  "waiting",
]);
/** `update_status` words that mean "the last sync failed" [U]. */
const FAILED_STATUSES = new Set(["failed"]);
/** The default poll schedule; the last value repeats. */
export const DEFAULT_POLL_SCHEDULE_MS = [3_000, 5_000, 10_000, 15_000, 30_000];

/** A sync that ended in failure; carries the API's `last_error`. */
export class MirrorSyncError extends Error {
  constructor(
    readonly repositoryId: number,
    readonly jid: string | undefined,
    readonly lastError: string | undefined,
    readonly observed: MirrorInfo,
  ) {
    super(
      `CodeArts repository ${repositoryId}: mirror sync failed${jid ? ` (jid ${jid})` : ""}` +
        ` after ${observed.number_of_failures ?? "?"} failure(s): ` +
        `${oneLine(lastError) || `update_status ${observed.update_status ?? "unknown"}`}`,
    );
    this.name = "MirrorSyncError";
  }
}

export class MirrorSyncTimeoutError extends Error {
  /** `timeoutMs` undefined: the user interrupted the wait (Ctrl-C) rather than it timing out. */
  constructor(
    readonly repositoryId: number,
    readonly jid: string | undefined,
    timeoutMs: number | undefined,
    readonly observed: MirrorInfo,
  ) {
    super(
      `CodeArts repository ${repositoryId}: the mirror sync${jid ? ` (jid ${jid})` : ""} ` +
        (timeoutMs === undefined
          ? "was still running when the wait was interrupted"
          : `did not finish within ${Math.round(timeoutMs / 1000)}s`) +
        ` (last seen: update_status ${observed.update_status ?? "unknown"}, last_update_at ` +
        `${observed.last_update_at ?? "never"},` +
        ` last_successful_update_at ${observed.last_successful_update_at ?? "never"}); it may still finish, and ` +
        `the next plan checks again`,
    );
    this.name = "MirrorSyncTimeoutError";
  }
}

const oneLine = (s: string | null | undefined) => (s ?? "").replace(/\s+/g, " ").trim();

/**
 * Did the mirror's last sync fail (and no sync is running)? Drives the `last_error` health field.
 * Failure signs: failures counted, `last_error` set, or update_status "failed" — unless the last
 * successful sync is at least as recent as the last attempt (counters may not reset on success [U]).
 */
export function lastSyncFailed(
  m: Pick<
    MirrorInfo,
    "number_of_failures" | "last_error" | "last_successful_update_at" | "last_update_at" | "update_status"
  >,
): boolean {
  if (m.update_status && IN_PROGRESS_STATUSES.has(m.update_status)) return false;
  const signs =
    (m.number_of_failures ?? 0) > 0 || !!m.last_error || (!!m.update_status && FAILED_STATUSES.has(m.update_status));
  if (!signs) return false;
  const ok = Date.parse(m.last_successful_update_at ?? "");
  const attempt = Date.parse(m.last_update_at ?? "");
  return !(ok >= attempt); // NaN (never succeeded, or unparsable) counts as failed
}

/** Compares a fresh show with the baseline taken before the start. */
export function syncVerdict(base: MirrorInfo, now: MirrorInfo, startedAtMs: number): "success" | "failure" | undefined {
  const succeeded = !!now.last_successful_update_at && now.last_successful_update_at !== base.last_successful_update_at;
  if (succeeded) {
    // Secondary check: a parsable time long before our start is not our sync (2 min for clock skew).
    const at = Date.parse(now.last_successful_update_at!);
    if (Number.isNaN(at) || at >= startedAtMs - 120_000) return "success";
    return undefined;
  }
  const moreFailures = (now.number_of_failures ?? 0) > (base.number_of_failures ?? 0);
  const newError = !!now.last_error && now.last_error !== base.last_error;
  const statusFailed =
    !!now.update_status &&
    FAILED_STATUSES.has(now.update_status) &&
    (now.update_status !== base.update_status || now.last_update_at !== base.last_update_at);
  return moreFailures || newError || statusFailed ? "failure" : undefined;
}

/** Resolves the source credentials named by the spec (run-time secrets). */
function credentials(client: CodeArtsClient, spec: RepositoryMirrorSpec): { username?: string; password?: string } {
  const envs = credentialEnvs(spec);
  if (!envs) return {};
  const { username: usernameEnv, password: passwordEnv } = envs;
  const username = client.envSecret(usernameEnv);
  const password = client.envSecret(passwordEnv);
  const missing = [
    [usernameEnv, username],
    [passwordEnv, password],
  ]
    .filter(([, v]) => v === undefined || v === "")
    .map(([n]) => n);
  if (missing.length) {
    throw new Error(
      `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set: the source credentials of the ` +
        `mirror of CodeArts repository ${spec.repositoryId} are read from the environment when a sync starts`,
    );
  }
  return { username, password };
}

const unchanged = (a: MirrorInfo, b: MirrorInfo) =>
  a.last_update_at === b.last_update_at &&
  a.update_status === b.update_status &&
  a.last_successful_update_at === b.last_successful_update_at &&
  a.number_of_failures === b.number_of_failures;

/**
 * Starts one synchronization (docs/api/codearts-repo.md#start-synchronization) and waits for its outcome. Throws
 * MirrorSyncError / MirrorSyncTimeoutError.
 */
export async function syncMirror(
  ctx: HandlerContext,
  key: string,
  client: CodeArtsClient,
  spec: RepositoryMirrorSpec,
): Promise<{ mirror: MirrorInfo; jid?: string }> {
  const id = spec.repositoryId;
  const creds = credentials(client, spec);
  const baseline = await client.showMirror(id);
  const startedAt = ctx.now().getTime();
  const req = { ...creds, ...MIRROR_FIELDS.body(MIRROR_FIELDS.desired(spec, ""), "start") };
  let jid: string | undefined;
  try {
    jid = (await client.startMirrorSync(id, req)).jid;
  } catch (e) {
    // Not idempotent: after a lost answer, re-read and post again only when nothing moved.
    if (!(e instanceof ApiError && e.ambiguous)) throw e;
    if (unchanged(baseline, await client.showMirror(id))) jid = (await client.startMirrorSync(id, req)).jid;
  }
  ctx.progress(key, { message: `CodeArts repository ${id}: sync started${jid ? ` (jid ${jid})` : ""}` });
  try {
    return { mirror: await waitForSync(ctx, key, client, spec, baseline, startedAt, jid), jid };
  } catch (e) {
    if (e instanceof Error) e.message = redact(e.message, [creds.username, creds.password]);
    throw e;
  }
}

async function waitForSync(
  ctx: HandlerContext,
  key: string,
  client: CodeArtsClient,
  spec: RepositoryMirrorSpec,
  baseline: MirrorInfo,
  startedAt: number,
  jid: string | undefined,
): Promise<MirrorInfo> {
  const id = spec.repositoryId;
  const timeoutMs = durationMs(spec.waitForSync.timeout)!;
  const fixed = spec.waitForSync.pollInterval === undefined ? undefined : durationMs(spec.waitForSync.pollInterval)!;
  const deadline = startedAt + timeoutMs;
  let last = baseline;
  let pending: "success" | "failure" | undefined;
  for (let poll = 0; ; poll++) {
    const remaining = deadline - ctx.now().getTime();
    if (remaining <= 0) throw new MirrorSyncTimeoutError(id, jid, timeoutMs, last);
    const planned = fixed ?? DEFAULT_POLL_SCHEDULE_MS[Math.min(poll, DEFAULT_POLL_SCHEDULE_MS.length - 1)];
    await ctx.sleep(Math.min(Math.round(planned * (0.8 + 0.4 * Math.random())), remaining));
    // Recorded like a timeout (the running sync's jid): the next plan checks on it rather than starting another.
    if (ctx.interrupted?.()) throw new MirrorSyncTimeoutError(id, jid, undefined, last);
    try {
      last = await client.showMirror(id);
    } catch (e) {
      if (isCodeArtsNotFound(e)) throw e; // the repository or its mirror is gone
      // A busy or unreachable API counts toward the timeout, as any other wait.
      if (e instanceof RateLimitedError || e instanceof ServerError || e instanceof NetworkError) continue;
      throw e;
    }
    ctx.progress(key, { message: `CodeArts repository ${id}: sync ${last.update_status ?? "in progress"}` });
    const verdict = syncVerdict(baseline, last, startedAt);
    // A terminal-looking answer while update_status still says "in progress" must be seen twice.
    if (!verdict || (last.update_status && IN_PROGRESS_STATUSES.has(last.update_status) && pending !== verdict)) {
      pending = verdict;
      continue;
    }
    if (verdict === "success") return last;
    throw new MirrorSyncError(id, jid, last.last_error ?? undefined, last);
  }
}

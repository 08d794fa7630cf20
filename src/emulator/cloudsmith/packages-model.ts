/**
 * The stored form of a Cloudsmith package and how its sync moves through stages over time.
 *
 * The published spec gives `status` (1-7) and `stage` (0-12) no meanings
 * (docs/api/cloudsmith.md#package-status-codes). The pairs used here, status 4 "Completed" + stage 9
 * "Fully Synchronised" and status 5 "Failed" + e.g. stage 4 "Scanning Package" with sync_progress
 * 45, are unverified (no public source found), so nothing may decide on them: the booleans are what
 * clients decide on, and they are always consistent. A sync is computed lazily from the elapsed
 * time on every read: no timers.
 */
import { formatMicros } from "../util";

/** How a sync behaves; set globally (`POST /_emulator/packages/sync`) and per package (seed `sync`). */
export interface SyncConfig {
  /** Whole sync, awaiting + in progress, in milliseconds. */
  durationMs: number;
  /** Probability (0-1) that a sync fails. */
  failureRate: number;
  /** The first N syncs of a package fail, later ones succeed (deterministic failures). */
  failTimes: number;
  /** `status_reason` of an emulated failure; null = a failure without a reason, as observed. */
  failReason: string | null;
  /** The sync_progress at which a failing sync stops. */
  failAtProgress: number;
}

export const DEFAULT_SYNC: SyncConfig = {
  durationMs: 1500,
  failureRate: 0,
  failTimes: 0,
  failReason: "Sync failed: the package could not be processed (emulated failure).",
  failAtProgress: 45,
};

/** Share of a sync spent awaiting before it is in progress. */
const AWAITING_SHARE = 0.1;

const STAGES = [
  "Awaiting Synchronisation",
  "Copying Files",
  "Extracting Metadata",
  "Verifying Checksums",
  "Scanning Package",
  "Processing Dependencies",
  "Generating Indexes",
  "Updating Search Index",
  "Replicating to CDN",
  "Fully Synchronised",
] as const;

const STATUS = {
  awaiting: [1, "Awaiting Synchronisation"],
  inProgress: [2, "In Progress"],
  completed: [4, "Completed"],
  failed: [5, "Failed"],
} as const;

/** One sync run (a copy's first sync, or a resync). */
interface SyncRun {
  startedMs: number;
  durationMs: number;
  /** Progress at which it fails; undefined = it completes. */
  failAt?: number;
  reason: string | null;
}

export interface PackageRecord {
  slug_perm: string;
  slug: string;
  format: string;
  name: string;
  version: string;
  filename: string;
  checksum_md5: string;
  checksum_sha1: string;
  checksum_sha256: string;
  checksum_sha512: string;
  size: number;
  /** Tags grouped by type, e.g. `{"info":["release"]}`. */
  tags: Record<string, string[]>;
  description: string | null;
  summary: string | null;
  license: string | null;
  uploaded_at: string;
  uploader: string;
  /** `owner/repo` the package was first uploaded to (kept by copies). */
  origin: string;
  downloads: number;
  /** The current (or last) sync; null = synchronised since upload. */
  sync: SyncRun | null;
  /** Per-package sync behaviour; copies inherit it. */
  syncConfig: Partial<SyncConfig>;
  /** Syncs started so far (counts towards failTimes). */
  syncCount: number;
  /** Hidden counter: packages_status calls answered for this package. */
  statusReads: number;
}

export type SyncPhase = "awaiting" | "inProgress" | "completed" | "failed";

export interface SyncView {
  phase: SyncPhase;
  status: number;
  status_str: string;
  status_reason: string | null;
  status_updated_at: string;
  stage: number;
  stage_str: string;
  stage_updated_at: string;
  sync_progress: number;
  sync_finished_at: string | null;
}

const iso = (ms: number) => formatMicros(Math.floor(ms) * 1000);
const stageFor = (progress: number) => Math.min(8, 1 + Math.floor(progress / 12.5));

/** Where a package's sync stands at `nowMs`. */
export function syncView(rec: PackageRecord, nowMs: number): SyncView {
  const run = rec.sync;
  if (!run) {
    return {
      phase: "completed",
      status: 4,
      status_str: "Completed",
      status_reason: null,
      status_updated_at: rec.uploaded_at,
      stage: 9,
      stage_str: STAGES[9],
      stage_updated_at: rec.uploaded_at,
      sync_progress: 100,
      sync_finished_at: rec.uploaded_at,
    };
  }
  const awaitMs = run.durationMs * AWAITING_SHARE;
  const activeMs = run.durationMs - awaitMs;
  const at = (progress: number) => run.startedMs + awaitMs + (activeMs * progress) / 100;
  const elapsed = nowMs - run.startedMs;
  const started = iso(run.startedMs);
  if (elapsed < awaitMs) {
    return {
      phase: "awaiting",
      status: 1,
      status_str: STATUS.awaiting[1],
      status_reason: null,
      status_updated_at: started,
      stage: 0,
      stage_str: STAGES[0],
      stage_updated_at: started,
      sync_progress: 0,
      sync_finished_at: null,
    };
  }
  const progress = activeMs > 0 ? Math.min(100, Math.floor(((elapsed - awaitMs) / activeMs) * 100)) : 100;
  if (run.failAt !== undefined && progress >= run.failAt) {
    const stage = stageFor(run.failAt);
    const failedAt = iso(at(run.failAt));
    return {
      phase: "failed",
      status: 5,
      status_str: STATUS.failed[1],
      status_reason: run.reason,
      status_updated_at: failedAt,
      stage,
      stage_str: STAGES[stage],
      stage_updated_at: iso(at((stage - 1) * 12.5)),
      sync_progress: run.failAt,
      sync_finished_at: failedAt,
    };
  }
  if (elapsed >= run.durationMs) {
    const done = iso(run.startedMs + run.durationMs);
    return {
      phase: "completed",
      status: 4,
      status_str: STATUS.completed[1],
      status_reason: null,
      status_updated_at: done,
      stage: 9,
      stage_str: STAGES[9],
      stage_updated_at: done,
      sync_progress: 100,
      sync_finished_at: done,
    };
  }
  const stage = stageFor(progress);
  return {
    phase: "inProgress",
    status: 2,
    status_str: STATUS.inProgress[1],
    status_reason: null,
    status_updated_at: iso(at(0)),
    stage,
    stage_str: STAGES[stage],
    stage_updated_at: iso(at((stage - 1) * 12.5)),
    sync_progress: Math.min(progress, 99),
    sync_finished_at: null,
  };
}

/** The `PackageStatus` fields (25, components/schemas/PackageStatus), in spec order. */
export const STATUS_FIELDS = [
  "is_cancellable",
  "is_copyable",
  "is_deleteable",
  "is_downloadable",
  "is_hidden",
  "is_moveable",
  "is_quarantinable",
  "is_quarantined",
  "is_resyncable",
  "is_security_scannable",
  "is_sync_awaiting",
  "is_sync_completed",
  "is_sync_failed",
  "is_sync_in_flight",
  "is_sync_in_progress",
  "self_url",
  "stage",
  "stage_str",
  "stage_updated_at",
  "status",
  "status_reason",
  "status_str",
  "status_updated_at",
  "sync_finished_at",
  "sync_progress",
] as const;

/** The status booleans for a phase: set consistently, since clients decide on them. */
export function syncFlags(phase: SyncPhase): Record<string, boolean> {
  const done = phase === "completed";
  const inFlight = phase === "awaiting" || phase === "inProgress";
  return {
    is_sync_awaiting: phase === "awaiting",
    is_sync_in_progress: phase === "inProgress",
    is_sync_in_flight: inFlight,
    is_sync_completed: done,
    is_sync_failed: phase === "failed",
    is_cancellable: inFlight,
    is_copyable: done,
    is_moveable: done,
    is_downloadable: done,
    is_quarantinable: done,
    is_resyncable: !inFlight,
    is_deleteable: true,
    is_hidden: false,
    is_quarantined: false,
    is_security_scannable: done,
  };
}

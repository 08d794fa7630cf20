/**
 * The adaptive wait for a package sync (src/resources/package-sync.ts) under progress that is not
 * linear in time. The emulator's syncs progress linearly, which is exactly what a single-sample
 * estimate assumes; nothing documented says Cloudsmith's do. Here a simulated status source (fake
 * clock, whole percents as the API reports them) runs 100 syncs of 1-30 s (the benchmark's spread)
 * with progress that slows towards the end, speeds up, or follows an S-curve.
 */
import type { CloudsmithClient, PackageStatus } from "../../src/api/cloudsmith";
import { waitForSync } from "../../src/resources/package-sync";
import type { HandlerContext } from "../../src/resources/types";
import { rng } from "../helpers/random";

type Curve = (x: number) => number;
const CURVES: Record<string, Curve> = {
  linear: (x) => x,
  "slowing (sqrt)": Math.sqrt,
  "speeding up (square)": (x) => x * x,
  "S-curve": (x) => (1 - Math.cos(Math.PI * x)) / 2,
};

/** Status of a sync of `durationMs` (10 % awaiting, then in progress along `curve`) at `t` ms after the copy. */
function statusAt(durationMs: number, t: number, curve: Curve): PackageStatus {
  const awaitMs = 0.1 * durationMs;
  if (t >= durationMs)
    return { is_sync_completed: true, is_sync_failed: false, is_sync_in_progress: false, sync_progress: 100 };
  if (t < awaitMs)
    return {
      is_sync_completed: false,
      is_sync_failed: false,
      is_sync_awaiting: true,
      is_sync_in_progress: false,
      sync_progress: 0,
      status_updated_at: new Date(0).toISOString(),
    };
  const progress = Math.min(99, Math.floor(curve((t - awaitMs) / (durationMs - awaitMs)) * 100));
  return {
    is_sync_completed: false,
    is_sync_failed: false,
    is_sync_in_progress: true,
    sync_progress: progress,
    status_updated_at: new Date(awaitMs).toISOString(),
  };
}

async function waitOnce(durationMs: number, curve: Curve): Promise<{ extraPolls: number; lateMs: number }> {
  let t = 0;
  let polls = 0;
  const ctx = {
    now: () => new Date(t),
    sleep: async (ms: number) => void (t += ms),
    syncPolling: "adaptive",
  } as unknown as HandlerContext;
  const client = {
    packages: { status: async () => (polls++, statusAt(durationMs, t, curve)), resync: async () => undefined },
  } as unknown as CloudsmithClient;
  await waitForSync(ctx, client, {
    owner: "acme",
    repository: "prod",
    slugPerm: "p",
    label: "p",
    timeoutMs: 600_000,
    resyncAttempts: 0,
    initial: statusAt(durationMs, 0, curve),
  });
  return { extraPolls: polls - 1, lateMs: t - durationMs };
}

describe("adaptive sync polling under non-linear progress (simulated clock)", () => {
  const random = rng(20261126);
  const durations = Array.from({ length: 100 }, () => Math.round(1000 * 30 ** random()));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it.each(Object.entries(CURVES))(
    "%s: at most ~2 extra polls per package on average, and the end noticed within seconds",
    async (name, curve) => {
      const runs = await Promise.all(durations.map((d) => waitOnce(d, curve)));
      const extra = mean(runs.map((r) => r.extraPolls));
      const late = mean(runs.map((r) => r.lateMs));
      process.stdout.write(
        `[sync polling] ${name}: ${extra.toFixed(2)} extra polls (max ${Math.max(...runs.map((r) => r.extraPolls))}), ${(late / 1000).toFixed(2)} s late on average (max ${(Math.max(...runs.map((r) => r.lateMs)) / 1000).toFixed(1)} s)\n`,
      );
      // Linear progress is the benchmark's case (row c: at most 2). Other shapes cost somewhat more,
      // but a miss must not cascade into one poll per second, nor an end be noticed much later.
      expect(extra).toBeLessThanOrEqual(name === "linear" ? 2 : 2.6);
      expect(late).toBeLessThan(6_000);
      expect(runs.every((r) => r.lateMs >= 0)).toBe(true);
    },
  );
});

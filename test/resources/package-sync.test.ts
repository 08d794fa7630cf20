/** The adaptive, bounded wait for a package sync, against a scripted API on a virtual clock. */
import { NotFoundError, ValidationError, type CloudsmithClient, type PackageStatus } from "../../src/api/cloudsmith";
import {
  NOT_FOUND_WINDOW_MS,
  PackageSyncError,
  POLL,
  waitForSync,
  type WaitOptions,
} from "../../src/resources/package-sync";
import type { HandlerContext } from "../../src/resources/types";

/**
 * A package whose syncs take `durationMs` of virtual time each; `fails[i]` = the reason sync i fails
 * with (at 45%); its status answers 404 until `notFoundMs` (a copy not readable yet).
 */
function scripted(
  durationMs: number,
  fails: (string | null)[] = [],
  syncPolling: HandlerContext["syncPolling"] = "adaptive",
  withStartTime = false,
  notFoundMs = 0,
) {
  let now = 0;
  let syncStart = 0;
  let sync = 0;
  const sleeps: number[] = [];
  const calls = { status: 0, resync: 0 };
  const status = (): PackageStatus => {
    const progress = Math.min(100, Math.floor(((now - syncStart) / durationMs) * 100));
    if (sync < fails.length && progress >= 45) {
      return {
        is_sync_failed: true,
        is_sync_completed: false,
        status: 5,
        status_str: "Failed",
        stage: 4,
        stage_str: "Scanning Package",
        sync_progress: 45,
        status_reason: fails[sync],
      };
    }
    if (progress >= 100)
      return {
        is_sync_completed: true,
        is_sync_failed: false,
        status: 4,
        status_str: "Completed",
        stage: 9,
        stage_str: "Fully Synchronised",
        sync_progress: 100,
      };
    const since = withStartTime ? { status_updated_at: new Date(syncStart).toISOString() } : {};
    return {
      is_sync_completed: false,
      is_sync_failed: false,
      is_sync_in_progress: true,
      status: 2,
      status_str: "In Progress",
      stage: 1 + Math.floor(progress / 12.5),
      stage_str: "Scanning Package",
      sync_progress: progress,
      ...since,
    };
  };
  const client = {
    packages: {
      status: async () => {
        calls.status++;
        if (now < notFoundMs)
          throw new NotFoundError({
            operation: "packages_status",
            method: "GET",
            path: "/packages/acme/prod/abc/status/",
            status: 404,
            detail: "Not found.",
          });
        return status();
      },
      resync: async () => {
        calls.resync++;
        sync++;
        syncStart = now;
        return {};
      },
    },
  } as unknown as CloudsmithClient;
  const ctx = {
    syncPolling,
    now: () => new Date(now),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    progress: () => undefined,
  } as unknown as HandlerContext;
  const opts = (o: Partial<WaitOptions> = {}): WaitOptions => ({
    owner: "acme",
    repository: "prod",
    slugPerm: "abc",
    label: "npm left-pad 1.3.0 in acme/prod",
    timeoutMs: 3_600_000,
    resyncAttempts: 2,
    ...o,
  });
  return { client, ctx, calls, sleeps, opts, elapsed: () => now };
}

describe("waitForSync", () => {
  it("estimates the end from one sample when the status says since when the sync has been in progress (from 10 % on)", async () => {
    const initial = { is_sync_completed: false, is_sync_failed: false, sync_progress: 0 };
    const withStart = scripted(5_000, [], "adaptive", true);
    await waitForSync(withStart.ctx, withStart.client, withStart.opts({ initial }));
    const without = scripted(5_000);
    await waitForSync(without.ctx, without.client, without.opts({ initial }));
    // At 1 s: 20 % since 0 s -> the next poll lands just after 5 s; without the start time it takes a second sample first.
    expect(withStart.calls.status).toBe(2);
    expect(without.calls.status).toBe(3);
    expect(withStart.elapsed()).toBeGreaterThanOrEqual(5_000);
    expect(withStart.elapsed()).toBeLessThanOrEqual(5_000 * 1.25);
    // At 1 s a 20-second sync is at 5 %: too coarse for one sample, so it is not trusted.
    const slow = scripted(20_000, [], "adaptive", true);
    await waitForSync(slow.ctx, slow.client, slow.opts({ initial }));
    expect(slow.sleeps[1]).toBe(POLL.initialMs * POLL.factor);
  });

  it("in the linear mode (the CLI's loop, the benchmark's baseline) waits one step longer each round and ignores sync_progress", async () => {
    const s = scripted(20_000, [], { linearStepMs: 1_000 });
    const st = await waitForSync(s.ctx, s.client, s.opts());
    expect(st.is_sync_completed).toBe(true);
    // 1 + 2 + ... + 6 = 21 s: the first poll after the 20-second sync ends.
    expect(s.sleeps).toEqual([1_000, 2_000, 3_000, 4_000, 5_000, 6_000]);
    expect(s.calls.status).toBe(7); // the first read at the start (no initial status given), then one per wait
    const adaptive = scripted(20_000);
    await waitForSync(adaptive.ctx, adaptive.client, adaptive.opts());
    expect(adaptive.calls.status).toBeLessThan(s.calls.status);
  });

  it.each([
    { reason: "a quick sync", durationMs: 800, maxPolls: 2 },
    { reason: "a 10-second sync", durationMs: 10_000, maxPolls: 6 },
    { reason: "a 10-minute sync", durationMs: 600_000, maxPolls: 30 },
    { reason: "an hour-long sync", durationMs: 3_600_000, maxPolls: 130 },
  ])(
    "polls $reason a bounded number of times and finishes soon after it completes",
    async ({ durationMs, maxPolls }) => {
      const s = scripted(durationMs);
      const st = await waitForSync(s.ctx, s.client, s.opts({ timeoutMs: 2 * 3_600_000 }));
      expect(st.is_sync_completed).toBe(true);
      expect(s.calls.status).toBeLessThanOrEqual(maxPolls);
      expect(s.sleeps[0]).toBe(POLL.initialMs);
      expect(Math.max(...s.sleeps)).toBeLessThanOrEqual(POLL.maxMs);
      // Done at most one capped interval (or 25%) after the real end.
      expect(s.elapsed() - durationMs).toBeLessThanOrEqual(Math.max(POLL.maxMs, durationMs * 0.25));
    },
  );

  it("uses sync_progress to sleep about the time left instead of backing off blindly", async () => {
    const s = scripted(20_000);
    await waitForSync(s.ctx, s.client, s.opts());
    // 1 s, 1.5 s, then an estimate of the ~17 s left: one long sleep, not a dozen short ones.
    expect(s.sleeps.slice(0, 2)).toEqual([1000, 1500]);
    expect(s.sleeps[2]).toBeGreaterThan(10_000);
    expect(s.calls.status).toBeLessThanOrEqual(5);
  });

  it("fails with the stage reached when the timeout passes", async () => {
    const s = scripted(600_000);
    const err = (await waitForSync(s.ctx, s.client, s.opts({ timeoutMs: 120_000 })).catch(
      (e) => e,
    )) as PackageSyncError;
    expect(err).toBeInstanceOf(PackageSyncError);
    expect(err.problem).toBe("timeout");
    expect(err.message).toMatch(
      /npm left-pad 1\.3\.0 in acme\/prod: not fully synchronised after 120s \(waitForSync\.timeout\): reached stage "Scanning Package" \(\d\), sync_progress 20%/,
    );
    expect(s.elapsed()).toBeGreaterThanOrEqual(120_000);
    expect(s.elapsed()).toBeLessThan(120_010);
  });

  it("resyncs a failed sync and succeeds", async () => {
    const s = scripted(5_000, ["Scan failed: upstream timeout"]);
    const st = await waitForSync(s.ctx, s.client, s.opts());
    expect(st.is_sync_completed).toBe(true);
    expect(s.calls.resync).toBe(1);
  });

  it.each([400, 422])(
    'goes on polling when the resync is refused with %i "wrong state" (another waiter started one)',
    async (status) => {
      const s = scripted(5_000, ["Scan failed: upstream timeout"]);
      const started = s.client.packages.resync;
      s.client.packages.resync = async (...args: Parameters<typeof started>) => {
        await started(...args);
        throw new ValidationError({
          operation: "packages_resync",
          method: "POST",
          path: "/packages/acme/prod/abc/resync/",
          status,
          detail: "The package is in the wrong state for the requested operation.",
        });
      };
      const st = await waitForSync(s.ctx, s.client, s.opts());
      expect(st.is_sync_completed).toBe(true);
      expect(s.calls.resync).toBe(1);
    },
  );

  it("gives up after resyncAttempts with the API's status_reason quoted", async () => {
    const s = scripted(5_000, [
      "Scan failed: upstream timeout",
      "Scan failed: upstream timeout",
      "Scan failed: upstream timeout",
    ]);
    const err = (await waitForSync(s.ctx, s.client, s.opts()).catch((e) => e)) as PackageSyncError;
    expect(err.problem).toBe("failed");
    expect(err.message).toMatch(
      /sync failed \(after 2 resyncs\): "Scan failed: upstream timeout"; reached stage "Scanning Package" \(4\), sync_progress 45%/,
    );
    expect(s.calls.resync).toBe(2);
  });

  it("does not resync a permanent failure, and says a failure without a reason has none", async () => {
    const s = scripted(5_000, ["Invalid archive: this package should be deleted"]);
    const err = (await waitForSync(s.ctx, s.client, s.opts()).catch((e) => e)) as PackageSyncError;
    expect(err.permanent).toBe(true);
    expect(err.message).toMatch(/a permanent failure, not resynced/);
    expect(s.calls.resync).toBe(0);
    const n = scripted(5_000, [null]);
    const err2 = (await waitForSync(n.ctx, n.client, n.opts({ resyncAttempts: 0 })).catch(
      (e) => e,
    )) as PackageSyncError;
    expect(err2.message).toMatch(/the API gave no status_reason/);
  });

  it("keeps polling while the status answers 404 (a copy not readable yet), backing off, then waits for the sync", async () => {
    const s = scripted(20_000, [], "adaptive", false, 5_000);
    const seen: (string | undefined)[] = [];
    const st = await waitForSync(
      s.ctx,
      s.client,
      s.opts({
        initial: { is_sync_completed: false, is_sync_failed: false, sync_progress: 0 },
        onStatus: (_st, note) => seen.push(note),
      }),
    );
    expect(st.is_sync_completed).toBe(true);
    expect(seen.filter((n) => n?.includes("404")).length).toBeGreaterThanOrEqual(2);
    // 1 s, 1.5 s, 2.25 s...: the 404 rounds back off like any other wait.
    expect(s.sleeps.slice(0, 3)).toEqual([1_000, 1_500, 2_250]);
  });

  it("gives up on a 404 that never clears after NOT_FOUND_WINDOW_MS, however long the timeout, in a bounded number of polls", async () => {
    const s = scripted(20_000, [], "adaptive", false, Infinity);
    const err = (await waitForSync(s.ctx, s.client, s.opts()).catch((e) => e)) as PackageSyncError;
    expect(err).toBeInstanceOf(PackageSyncError);
    expect(err.problem).toBe("not-found");
    expect(err.message).toBe(
      "npm left-pad 1.3.0 in acme/prod: its status still answered 404 Not Found 60s after the copy (a new package can take a while to read back). The copy is recorded; the next apply looks for it again.",
    );
    // (the virtual clock reads whole milliseconds, as Date does)
    expect(s.elapsed()).toBeGreaterThanOrEqual(NOT_FOUND_WINDOW_MS);
    expect(s.elapsed()).toBeLessThan(NOT_FOUND_WINDOW_MS + 10);
    expect(s.calls.status).toBeLessThanOrEqual(12);
  });

  it("gives up on a 404 at the sync timeout when that comes first", async () => {
    const s = scripted(20_000, [], "adaptive", false, Infinity);
    const err = (await waitForSync(s.ctx, s.client, s.opts({ timeoutMs: 10_000 })).catch((e) => e)) as PackageSyncError;
    expect(err.problem).toBe("not-found");
    expect(s.elapsed()).toBeGreaterThanOrEqual(10_000);
    expect(s.elapsed()).toBeLessThan(10_010);
  });
});

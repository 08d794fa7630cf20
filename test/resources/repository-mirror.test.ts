/** RepositoryMirror handler logic: diff, health, and the wait-without-a-job-API algorithm (fake client, fake clock). */
import { ServerError, type MirrorInfo } from "../../src/api/codearts";
import {
  MirrorSyncError,
  MirrorSyncTimeoutError,
  RepositoryMirrorSpecSchema,
  mapScheduledSync,
  mirrorDiff,
  repositoryMirrorHandler,
} from "../../src/resources/repository-mirror";
import {
  DEFAULT_POLL_SCHEDULE_MS,
  lastSyncFailed,
  syncMirror,
  syncVerdict,
} from "../../src/resources/repository-mirror-sync";
import type { HandlerContext, Observed, ResourceState } from "../../src/resources/types";

const URL_A = "https://git.example.com/a.git";
const spec = (extra: Record<string, unknown> = {}) =>
  RepositoryMirrorSpecSchema.parse({ repositoryId: 7, sourceUrl: URL_A, ...extra });
const synced: MirrorInfo = {
  id: 1,
  repository_id: 7,
  url: URL_A,
  mirroring_enabled: true,
  endpoint_uuid: "",
  is_private: false,
  update_status: "finished",
  last_update_at: "2026-03-01T10:00:00.000000Z",
  last_successful_update_at: "2026-03-01T10:00:00.000000Z",
  number_of_failures: 0,
  last_error: null,
};
const observed = (m: Partial<MirrorInfo> = {}): Observed => {
  const x = { ...synced, ...m };
  return { id: "7", fields: { ...x, scheduled_sync: mapScheduledSync(x.mirroring_enabled!, "true-means-on") } };
};
const state = (s: unknown): ResourceState => ({
  kind: "RepositoryMirror",
  id: "7",
  generation: "g",
  spec: s,
  observed: {},
  appliedAt: "",
});

describe("mirrorDiff", () => {
  it("is empty when the readable settings match and the write-only ones equal the applied spec", () => {
    expect(mirrorDiff(spec(), observed(), state(spec()))).toEqual([]);
  });

  it("reports out-of-band url / scheduled sync / endpoint changes, and write-only changes against the applied spec", () => {
    const want = spec({
      endpointUuid: "ep-2",
      syncBranchType: "default",
      forceFetch: true,
      syncTriggers: { a: "2" },
      credentials: { usernameEnv: "U", passwordEnv: "P" },
    });
    const paths = mirrorDiff(
      want,
      observed({ url: "https://x/y.git", mirroring_enabled: false, endpoint_uuid: "ep-1" }),
      state(spec({ syncTriggers: { a: "1" } })),
    ).map((c) => c.path);
    expect(paths).toEqual([
      "url",
      "scheduled_sync",
      "endpoint_uuid",
      "sync_branch_type",
      "credentials",
      "force_fetch",
      "sync_triggers",
    ]);
  });

  it("shows credentials as variable names only", () => {
    const [c] = mirrorDiff(
      spec({ credentials: { usernameEnv: "U2", passwordEnv: "P2" } }),
      observed(),
      state(spec({ credentials: { usernameEnv: "U", passwordEnv: "P" } })),
    );
    expect(c).toEqual({
      path: "credentials",
      old: { username: "$U", password: "$P" },
      new: { username: "$U2", password: "$P2" },
      effect: "update",
    });
  });

  it("reports a failed last sync as last_error (a health field answered by a new sync), but not while a sync runs", () => {
    const failed = observed({
      update_status: "failed",
      number_of_failures: 2,
      last_error: "fatal: boom",
      last_update_at: "2026-03-02T00:00:00Z",
    });
    expect(mirrorDiff(spec(), failed, state(spec()))).toEqual([
      { path: "last_error", old: "fatal: boom", new: null, effect: "update" },
    ]);
    expect(
      mirrorDiff(spec(), observed({ ...failed.fields, update_status: "started" } as never), state(spec())),
    ).toEqual([]);
  });

  it("without state (adoption) writes the unreadable branch setting once and syncs a never-synced mirror", () => {
    const fresh = observed({ update_status: "none", last_update_at: null, last_successful_update_at: null });
    expect(mirrorDiff(spec(), fresh).map((c) => [c.path, c.old, c.new])).toEqual([
      ["sync_branch_type", "(not readable)", "all"],
      ["last_successful_update_at", null, "(set by a first sync)"],
    ]);
  });
});

describe("sync health and verdicts", () => {
  it("lastSyncFailed: a success at least as recent as the last attempt wins over stale counters", () => {
    expect(lastSyncFailed(synced)).toBe(false);
    expect(lastSyncFailed({ ...synced, number_of_failures: 3 })).toBe(false);
    expect(lastSyncFailed({ ...synced, number_of_failures: 1, last_update_at: "2026-03-02T00:00:00Z" })).toBe(true);
    expect(lastSyncFailed({ ...synced, last_successful_update_at: null, last_error: "x" })).toBe(true);
  });

  it("syncVerdict compares with the baseline, not the clock", () => {
    const start = Date.parse("2026-03-01T10:05:00Z");
    expect(syncVerdict(synced, synced, start)).toBeUndefined();
    expect(syncVerdict(synced, { ...synced, last_successful_update_at: "2026-03-01T10:06:00Z" }, start)).toBe(
      "success",
    );
    expect(syncVerdict(synced, { ...synced, last_successful_update_at: "not a date" }, start)).toBe("success");
    expect(syncVerdict(synced, { ...synced, number_of_failures: 1 }, start)).toBe("failure");
    expect(syncVerdict({ ...synced, last_error: "old" }, { ...synced, last_error: "old" }, start)).toBeUndefined();
    expect(syncVerdict(synced, { ...synced, last_error: "new" }, start)).toBe("failure");
  });
});

/** A fake clock where sleeping advances time, and a scripted client. */
function harness(shows: Array<Partial<MirrorInfo> | Error>, opts: { start?: () => Promise<{ jid?: string }> } = {}) {
  let now = Date.parse("2026-03-01T10:05:00Z");
  const sleeps: number[] = [];
  const progress: string[] = [];
  const calls = { show: 0, start: 0, starts: [] as unknown[] };
  const ctx = {
    now: () => new Date(now),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    progress: (_k: string, u: { message: string }) => progress.push(u.message),
    notice: () => undefined,
  } as unknown as HandlerContext;
  const client = {
    envSecret: (n: string) => ({ U: "user", P: "pass-word-1" })[n],
    showMirror: async () => {
      const next = shows[Math.min(calls.show++, shows.length - 1)];
      if (next instanceof Error) throw next;
      return { ...synced, ...next };
    },
    startMirrorSync: async (_id: number, req: unknown) => {
      calls.start++;
      calls.starts.push(req);
      return opts.start ? opts.start() : { jid: "jid-1" };
    },
  };
  return { ctx, client: client as never, sleeps, progress, calls };
}

describe("syncMirror: waiting without a job API", () => {
  const done = {
    update_status: "finished",
    last_successful_update_at: "2026-03-01T10:06:00Z",
    last_update_at: "2026-03-01T10:06:00Z",
  };

  it("polls on the 3/5/10/15/30 s schedule (±20 %) until last_successful_update_at moves", async () => {
    const h = harness([
      {},
      { update_status: "started" },
      { update_status: "started" },
      { update_status: "started" },
      done,
    ]);
    const r = await syncMirror(h.ctx, "k", h.client, spec());
    expect(r).toMatchObject({ jid: "jid-1", mirror: { update_status: "finished" } });
    expect(h.sleeps).toHaveLength(4);
    h.sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(DEFAULT_POLL_SCHEDULE_MS[i] * 0.8);
      expect(ms).toBeLessThanOrEqual(DEFAULT_POLL_SCHEDULE_MS[i] * 1.2);
    });
    expect(h.progress[0]).toMatch(/sync started \(jid jid-1\)/);
  });

  it("starts with the resolved credentials and the table's start fields (force_fetch, endpoint_uuid when given)", async () => {
    const h = harness([{}, done]);
    const bare = harness([{}, done]);
    const creds = { credentials: { usernameEnv: "U", passwordEnv: "P" } };
    await syncMirror(h.ctx, "k", h.client, spec({ ...creds, forceFetch: true, endpointUuid: "ep-1" }));
    await syncMirror(bare.ctx, "k", bare.client, spec());
    expect(h.calls.starts).toEqual([
      { username: "user", password: "pass-word-1", endpoint_uuid: "ep-1", force_fetch: true },
    ]);
    expect(bare.calls.starts).toEqual([{ force_fetch: false }]);
  });

  it("keeps polling through transient errors and confirms a terminal answer seen while still 'started'", async () => {
    const h = harness([
      {},
      new ServerError({ operation: "ShowRemoteMirror", method: "GET", path: "/x", status: 500 }),
      { ...done, update_status: "started" },
      { ...done, update_status: "started" },
    ]);
    const r = await syncMirror(h.ctx, "k", h.client, spec({ waitForSync: { pollInterval: "1s" } }));
    expect(r.mirror.last_successful_update_at).toBe(done.last_successful_update_at);
    expect(h.calls.show).toBe(4); // baseline, 500, first sighting, confirmation
  });

  it("fails with the API's last_error, scrubbed of the source credentials", async () => {
    const h = harness([
      {},
      {
        update_status: "failed",
        number_of_failures: 1,
        last_error: "fatal: Authentication failed for user / pass-word-1",
      },
    ]);
    const e = await syncMirror(
      h.ctx,
      "k",
      h.client,
      spec({ credentials: { usernameEnv: "U", passwordEnv: "P" } }),
    ).catch((x) => x);
    expect(e).toBeInstanceOf(MirrorSyncError);
    expect(e.message).toBe(
      "CodeArts repository 7: mirror sync failed (jid jid-1) after 1 failure(s): fatal: Authentication failed for *** / ***",
    );
  });

  it("gives up at the timeout with the jid and the last observation", async () => {
    const h = harness([{}, { update_status: "started" }]);
    const e = await syncMirror(h.ctx, "k", h.client, spec({ waitForSync: { timeout: "2m" } })).catch((x) => x);
    expect(e).toBeInstanceOf(MirrorSyncTimeoutError);
    expect(e.message).toMatch(
      /CodeArts repository 7: the mirror sync \(jid jid-1\) did not finish within 120s \(last seen: update_status started, .*it may still finish/,
    );
    expect(h.sleeps.reduce((a, b) => a + b, 0)).toBe(120_000);
  });

  it("does not post a second start after an ambiguous failure when the mirror moved", async () => {
    const ambiguous = Object.assign(
      new ServerError({
        operation: "StartRemoteMirrorSynchronization",
        method: "POST",
        path: "/x",
        status: 504,
        ambiguous: true,
      }),
    );
    const h = harness([{}, { update_status: "scheduled", last_update_at: "2026-03-01T10:05:01Z" }, done], {
      start: () => Promise.reject(ambiguous),
    });
    const r = await syncMirror(h.ctx, "k", h.client, spec({ waitForSync: { pollInterval: "1s" } }));
    expect(h.calls.start).toBe(1);
    expect(r.jid).toBeUndefined();
  });

  it("posts the start once more after an ambiguous failure when nothing moved, and waits on that sync", async () => {
    const ambiguous = new ServerError({
      operation: "StartRemoteMirrorSynchronization",
      method: "POST",
      path: "/x",
      status: 504,
      ambiguous: true,
    });
    let starts = 0;
    // Baseline, the re-read after the lost answer (unchanged), then the sync the second start ran.
    const h = harness([{}, {}, done], {
      start: () => (++starts === 1 ? Promise.reject(ambiguous) : Promise.resolve({ jid: "jid-2" })),
    });
    const r = await syncMirror(h.ctx, "k", h.client, spec({ waitForSync: { pollInterval: "1s" } }));
    expect(h.calls.start).toBe(2);
    expect(r).toMatchObject({ jid: "jid-2", mirror: { last_successful_update_at: done.last_successful_update_at } });
    expect(h.progress[0]).toBe("CodeArts repository 7: sync started (jid jid-2)");
  });

  it("does not post the start again after a failure that is not ambiguous", async () => {
    const refused = new ServerError({
      operation: "StartRemoteMirrorSynchronization",
      method: "POST",
      path: "/x",
      status: 503,
    });
    const h = harness([{}, {}, done], { start: () => Promise.reject(refused) });
    await expect(syncMirror(h.ctx, "k", h.client, spec())).rejects.toBe(refused);
    expect(h.calls.start).toBe(1);
    expect(h.calls.show).toBe(1);
  });

  it("says which variable is missing when the source credentials are not set", async () => {
    const h = harness([{}]);
    await expect(
      syncMirror(h.ctx, "k", h.client, spec({ credentials: { usernameEnv: "U", passwordEnv: "MISSING_PW" } })),
    ).rejects.toThrow(/MISSING_PW is not set: the source credentials of the mirror of CodeArts repository 7/);
  });
});

describe("spec", () => {
  it("rejects credentials in the URL and bad durations", () => {
    expect(
      RepositoryMirrorSpecSchema.safeParse({ repositoryId: 7, sourceUrl: "https://u:p@git.example.com/a.git" }).success,
    ).toBe(false);
    expect(
      RepositoryMirrorSpecSchema.safeParse({ repositoryId: 7, sourceUrl: URL_A, waitForSync: { timeout: "soon" } })
        .success,
    ).toBe(false);
    expect(RepositoryMirrorSpecSchema.safeParse({ repositoryId: 2_147_483_648, sourceUrl: URL_A }).success).toBe(false);
  });
});

describe("last_error as observed: never the source credentials", () => {
  const USER = "mirror-bot-4b7d2e";
  const PASSWORD = "Src-Pa55-9d2a6c0f";
  const failed = {
    update_status: "failed",
    number_of_failures: 1,
    last_update_at: "2026-03-01T11:00:00.000000Z",
    last_error: `fatal: Authentication failed for 'https://${USER}:${PASSWORD}@git.example.com/a.git' (user ${USER}, password ${PASSWORD})`,
  };
  const scrubbed = "fatal: Authentication failed for 'https://***@git.example.com/a.git' (user ***, password ***)";
  const withCreds = spec({ credentials: { usernameEnv: "SRC_USER", passwordEnv: "SRC_PASSWORD" } });
  const ctx = {
    clients: {
      codearts: () => ({
        envSecret: (n: string) => ({ SRC_USER: USER, SRC_PASSWORD: PASSWORD })[n],
        showMirror: async () => ({ ...synced, ...failed }),
        updateMirror: async () => undefined,
      }),
    },
  } as unknown as HandlerContext;

  it("observe, observeState and update report last_error with the values and URL credentials masked", async () => {
    const seen = [
      await repositoryMirrorHandler.observe(ctx, "k", withCreds, undefined),
      await repositoryMirrorHandler.observeState!(ctx, state(withCreds), undefined),
      await repositoryMirrorHandler.update(ctx, "k", withCreds, undefined, observed(), [
        { path: "scheduled_sync", old: false, new: true, effect: "update" },
      ]),
    ];
    for (const o of seen) {
      expect(o?.fields.last_error).toBe(scrubbed);
      expect(JSON.stringify(o)).not.toContain(PASSWORD);
      expect(JSON.stringify(o)).not.toContain(USER);
    }
    // The plan shows the scrubbed text too: the diff answers a failed sync with a new one.
    expect(mirrorDiff(withCreds, seen[0]!, state(withCreds))).toContainEqual({
      path: "last_error",
      old: scrubbed,
      new: null,
      effect: "update",
    });
  });
});

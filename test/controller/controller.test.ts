import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { exitCodeOf, startProbeServer } from "../../src/controller";
import { moveInState } from "../../src/engine";
import type { TestEmulator } from "../helpers/harness";
import { token, writeOutdir } from "../helpers/outdir";
import { npm, packagesIn, seedPackages } from "../helpers/packages";
import { metric, emulatorAndDir, testController, waitFor, type TempDir } from "./helpers";

let t: TestEmulator;
let w: TempDir;
emulatorAndDir("reposmith-ctl-", (emulator, dir) => {
  t = emulator;
  w = dir;
});

const managed = async () => (await t.tokens("acme", "prod")).filter((x) => x.metadata?.["managed-by"] === "reposmith");
const byName = async (name: string) => (await managed()).find((x) => x.name === name);
const tamper = async (name: string, body: Record<string, unknown>) => {
  const tok = await byName(name);
  const r = await t.api("PATCH", `/entitlements/acme/prod/${tok.slug_perm}/`, body);
  expect(r.status).toBe(200);
};

describe("reconcile controller (in process, against the emulator)", () => {
  it("corrects an out-of-band change within one interval in watch mode, and metrics count it", async () => {
    writeOutdir(w.outdir, { app: [token("ci", { limits: { numDownloads: 100 } })] });
    const store = w.store();
    const { controller, raw } = testController(t, { outdir: w.outdir, store, intervalMs: 1000 });
    const server = await startProbeServer({ host: "127.0.0.1", port: 0 }, controller.probes());
    const get = async (p: string) => {
      const r = await fetch(server.url + p);
      return { status: r.status, text: await r.text() };
    };
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(503);
    const running = controller.run();
    try {
      await waitFor("ready", async () => (await get("/readyz")).status === 200);
      expect((await byName("ci")).limit_num_downloads).toBe(100);

      await tamper("ci", { limit_num_downloads: 7 });
      const changedAt = Date.now();
      await waitFor(
        "the drift to be corrected",
        async () => (await byName("ci")).limit_num_downloads === 100,
        2500,
        25,
      );
      const took = Date.now() - changedAt;
      expect(took).toBeLessThanOrEqual(1000 + 500); // within one interval (plus one pass)

      // The API counters are brought up to date when a pass ends, the drift counters as it goes: wait for the
      // end of the pass that corrected it (its requests counted), not for its correction only.
      const m = await waitFor("metrics", async () => {
        const text = (await get("/metrics")).text;
        const corrected = metric(text, 'reposmith_drift_corrected_total{kind="EntitlementToken"}') >= 1;
        return corrected && metric(text, 'reposmith_api_requests_total{api="cloudsmith"}') > 2 && text;
      });
      expect(metric(m, 'reposmith_drift_found_total{kind="EntitlementToken",policy="correct"}')).toBe(1);
      expect(metric(m, 'reposmith_drift_corrected_total{kind="EntitlementToken"}')).toBe(1);
      expect(metric(m, 'reposmith_resources_managed{stack="app",kind="EntitlementToken"}')).toBe(1);
      expect(metric(m, 'reposmith_api_requests_total{api="cloudsmith"}')).toBeGreaterThan(2);
      expect(metric(m, "reposmith_last_successful_reconcile_timestamp_seconds")).toBeGreaterThan(Date.now() / 1000 - 5);
      expect(metric(m, "reposmith_reconcile_duration_seconds_count")).toBeGreaterThanOrEqual(2);
      expect(metric(m, "reposmith_controller_leader")).toBe(1);
    } finally {
      await controller.stop();
      await running;
      await server.close();
    }
    const values = (await t.tokens("acme", "prod")).map((x) => x.token as string);
    for (const secret of [...values, t.apiKey]) expect(raw.join("\n")).not.toContain(secret);
  });

  it("report mode only reports drift: nothing written, exit code 2, metrics count it", async () => {
    writeOutdir(w.outdir, { app: [token("ci", { limits: { numDownloads: 100 } })] });
    const { controller, lines } = testController(t, { outdir: w.outdir, store: w.store(), driftPolicy: "report" });
    expect(exitCodeOf(await controller.reconcileOnce())).toBe(0); // creating a declared token is not drift
    await tamper("ci", { limit_num_downloads: 7, is_active: false });
    const writes = await t.writes();

    const r = await controller.reconcileOnce();
    expect(exitCodeOf(r)).toBe(2);
    expect(r.reportedDrift).toBe(1);
    expect(r.stacks[0].drift).toEqual([
      expect.objectContaining({
        key: "app/ci",
        status: "changed",
        policy: "report",
        corrected: false,
        paths: expect.arrayContaining(["limit_num_downloads", "is_active"]),
      }),
    ]);
    expect(await t.writes()).toBe(writes);
    expect((await byName("ci")).limit_num_downloads).toBe(7);
    const warn = lines.find((l) => l.level === "warn" && /drift found/.test(l.msg));
    expect(warn).toMatchObject({ stack: "app", key: "app/ci", policy: "report" });
    expect(warn!.changes).toEqual(expect.arrayContaining([{ path: "limit_num_downloads", expected: 100, actual: 7 }]));

    const m = await controller.metrics.text();
    expect(metric(m, 'reposmith_drift_found_total{kind="EntitlementToken",policy="report"}')).toBe(1);
    expect(metric(m, 'reposmith_drift_corrected_total{kind="EntitlementToken"}')).toBe(0);
    expect(metric(m, 'reposmith_drift_outstanding{kind="EntitlementToken"}')).toBe(1);
  });

  it("in report mode still runs a sync after a configuration change to its source's tokens, and counts no drift", async () => {
    await t.reseed({
      repositories: [
        { owner: "acme", slug: "prod" },
        { owner: "acme", slug: "staging" },
      ],
    });
    const sync = {
      id: "sync",
      kind: "EntitlementSync",
      spec: { owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true },
    };
    writeOutdir(w.outdir, { app: [token("ci", { limits: { numDownloads: 100 } }), sync] });
    const { controller, lines } = testController(t, { outdir: w.outdir, store: w.store(), driftPolicy: "report" });
    expect(exitCodeOf(await controller.reconcileOnce())).toBe(0);
    const staged = async () => (await t.tokens("acme", "staging")).find((x) => x.name === "ci");
    expect((await staged()).limit_num_downloads).toBe(100);

    writeOutdir(w.outdir, { app: [token("ci", { limits: { numDownloads: 303 } }), sync] });
    const r = await controller.reconcileOnce();
    expect(exitCodeOf(r)).toBe(0);
    expect(r.reportedDrift).toBe(0);
    expect(r.stacks[0].drift).toEqual([]);
    expect((await staged()).limit_num_downloads).toBe(303);
    expect(lines.filter((l) => /drift found/.test(l.msg ?? ""))).toEqual([]);
    expect(
      metric(await controller.metrics.text(), 'reposmith_drift_found_total{kind="EntitlementSync",policy="report"}'),
    ).toBe(0);
  });

  it("lets a resource's driftPolicy override the default, and ignore still creates new resources", async () => {
    writeOutdir(w.outdir, {
      app: [token("a", {}, { driftPolicy: "correct" }), token("b", {}, { driftPolicy: "ignore" })],
    });
    const { controller } = testController(t, { outdir: w.outdir, store: w.store(), driftPolicy: "report" });
    await controller.reconcileOnce();
    expect((await managed()).map((x) => x.name).sort()).toEqual(["a", "b"]);
    await tamper("a", { limit_num_downloads: 1 });
    await tamper("b", { limit_num_downloads: 1 });
    const r = await controller.reconcileOnce();
    expect(exitCodeOf(r)).toBe(0); // corrected one, ignored the other: nothing reported
    expect((await byName("a")).limit_num_downloads).toBeNull();
    expect((await byName("b")).limit_num_downloads).toBe(1);
    expect(r.stacks[0].drift.map((d) => [d.key, d.policy, d.corrected]).sort()).toEqual([
      ["app/a", "correct", true],
      ["app/b", "ignore", false],
    ]);
  });

  it("retains a removed resource by default and deletes it only with deletionPolicy delete", async () => {
    writeOutdir(w.outdir, { app: [token("keep"), token("drop", {}, { deletionPolicy: "delete" }), token("stay")] });
    const store = w.store();
    const { controller, lines } = testController(t, { outdir: w.outdir, store });
    await controller.reconcileOnce();
    expect((await store.read("app")).resources["app/drop"].lifecycle).toEqual({ deletionPolicy: "delete" });

    writeOutdir(w.outdir, { app: [token("stay")] });
    const r = await controller.reconcileOnce();
    expect(exitCodeOf(r)).toBe(0);
    expect((await managed()).map((x) => x.name).sort()).toEqual(["keep", "stay"]);
    expect(Object.keys((await store.read("app")).resources)).toEqual(["app/stay"]);
    expect(r.stacks[0].retained).toEqual(["app/keep"]);
    // Counted under its kind, though its state entry is gone by the time the pass is counted.
    expect(
      metric(
        await controller.metrics.text(),
        'reposmith_changes_applied_total{kind="EntitlementToken",action="forget"}',
      ),
    ).toBe(1);
    // Worded as `reposmith plan` and the Terraform prune hook word it.
    expect(
      lines
        .filter((l) => /no longer declared/.test(l.msg))
        .map((l) => l.msg)
        .sort(),
    ).toEqual([
      'app/drop is no longer declared: deleting (deletionPolicy "delete")',
      'app/keep is no longer declared: retained (deletionPolicy "retain"): the remote object is kept and no longer managed',
    ]);
  });

  it("leaves a stack the app no longer declares alone, and warns about it every pass", async () => {
    writeOutdir(w.outdir, { app: [token("ci")], old: [token("legacy")] });
    const store = w.store();
    const { controller, lines } = testController(t, { outdir: w.outdir, store });
    await controller.reconcileOnce();
    writeOutdir(w.outdir, { app: [token("ci")] });
    for (let pass = 0; pass < 2; pass++) await controller.reconcileOnce();
    expect((await managed()).map((x) => x.name).sort()).toEqual(["ci", "legacy"]);
    const warnings = lines.filter(
      (l) =>
        l.level === "warn" && /state holds stack "old" \(1 resource\), which the app no longer declares/.test(l.msg),
    );
    expect(warnings).toHaveLength(2);
    expect(warnings[0].msg).toMatch(/reposmith destroy --stack old/);
    // Its resources are no longer counted as managed by the controller.
    const text = await controller.metrics.text();
    expect(text).not.toMatch(/reposmith_resources_managed\{stack="old"/);
    expect(metric(text, 'reposmith_resources_managed{stack="app",kind="EntitlementToken"}')).toBe(1);
  });

  it("after state mv, the next pass moves the token's tag as a configuration change, not as drift", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    const store = w.store();
    const { controller, lines } = testController(t, { outdir: w.outdir, store });
    await controller.reconcileOnce();
    const before = await byName("ci");
    writeOutdir(w.outdir, { app: [{ ...token("ci"), id: "ci-pipeline" }] });
    await moveInState(store, "app/ci", "app/ci-pipeline");
    const r = await controller.reconcileOnce();
    expect(r.stacks[0].drift).toEqual([]);
    expect(lines.some((l) => /drift found/.test(l.msg ?? ""))).toBe(false);
    expect(await byName("ci")).toMatchObject({ slug_perm: before.slug_perm, metadata: { key: "app/ci-pipeline" } });
  });

  it("after a stack is renamed, says to state mv its tokens (the old stack's state holds them), not to import them", async () => {
    writeOutdir(w.outdir, { old: [token("ci")] });
    const store = w.store();
    const { controller, lines } = testController(t, { outdir: w.outdir, store });
    await controller.reconcileOnce();
    const id = (await store.read("old")).resources["old/ci"].id;
    writeOutdir(w.outdir, { new: [token("ci")] });
    await controller.reconcileOnce();
    expect(
      lines.some(
        (l) =>
          l.level === "warn" &&
          l.key === "new/ci" &&
          l.msg.includes(
            `which state holds as old/ci; if it moved here, keep it (and its secret): reposmith state mv old/ci new/ci`,
          ) &&
          l.msg.includes(id),
      ),
    ).toBe(true);
    expect(lines.some((l) => /reposmith import new\/ci/.test(l.msg ?? ""))).toBe(false);
  });

  it("isolates failures: a failing resource backs off without stopping the others; a bad stack does not stop the rest", async () => {
    writeOutdir(w.outdir, {
      app: [token("ok"), token("broken", { repository: "no-such-repo" })],
      other: [token("fine", { name: "fine" })],
      corrupt: [token("x")],
    });
    mkdirSync(w.stateDir, { recursive: true });
    writeFileSync(path.join(w.stateDir, "corrupt.json"), "{ not json");
    const store = w.store();
    const { controller } = testController(t, { outdir: w.outdir, store, intervalMs: 60_000 });
    const r1 = await controller.reconcileOnce();
    expect(exitCodeOf(r1)).toBe(1);
    expect(r1.stackErrors.map((e) => e.stack)).toEqual(["corrupt"]);
    expect(r1.stacks.find((s) => s.stack === "app")!.failed).toEqual([
      expect.objectContaining({ key: "app/broken", phase: "observe" }),
    ]);
    expect((await managed()).map((x) => x.name).sort()).toEqual(["fine", "ok"]);
    expect(Object.keys((await store.read("app")).resources)).toEqual(["app/ok"]);

    // Next pass: the failing resource waits out its backoff; the others are reconciled as usual.
    await tamper("ok", { limit_num_downloads: 3 });
    const r2 = await controller.reconcileOnce();
    const app = r2.stacks.find((s) => s.stack === "app")!;
    expect(app.backingOff).toEqual(["app/broken"]);
    expect(app.failed).toEqual([]);
    expect(app.drift).toEqual([expect.objectContaining({ key: "app/ok", corrected: true })]);
    expect(metric(await controller.metrics.text(), "reposmith_resources_backing_off")).toBe(1);
  }, 20_000);

  it("logs a failed stack's error with its own type and message", async () => {
    writeOutdir(w.outdir, { corrupt: [token("x")] });
    mkdirSync(w.stateDir, { recursive: true });
    writeFileSync(path.join(w.stateDir, "corrupt.json"), "{ not json");
    const { controller, lines } = testController(t, { outdir: w.outdir, store: w.store() });
    await controller.reconcileOnce();
    const line = lines.find((l) => l.level === "error" && l.stack === "corrupt");
    expect(line?.err).toEqual({
      type: "StateCorruptError",
      message: expect.stringMatching(/^state file .*corrupt\.json is unreadable/),
    });
  });

  it("keeps drift whose correction failed outstanding while the resource backs off", async () => {
    writeOutdir(w.outdir, { app: [token("ci", { limits: { numDownloads: 100 } })] });
    const { controller } = testController(t, {
      outdir: w.outdir,
      store: w.store(),
      intervalMs: 60_000,
      backoff: { baseMs: 60_000 },
    });
    expect(exitCodeOf(await controller.reconcileOnce())).toBe(0);
    await tamper("ci", { limit_num_downloads: 7 });
    await t.admin("POST", "/faults", {
      rules: [{ method: "PATCH", path: "^/entitlements/", status: 500, times: 100 }],
    });
    try {
      const r1 = await controller.reconcileOnce();
      expect(r1.stacks[0].drift).toEqual([expect.objectContaining({ key: "app/ci", corrected: false })]);
      expect(metric(await controller.metrics.text(), 'reposmith_drift_outstanding{kind="EntitlementToken"}')).toBe(1);
      const r2 = await controller.reconcileOnce();
      expect(r2.stacks[0].backingOff).toEqual(["app/ci"]);
      expect(metric(await controller.metrics.text(), 'reposmith_drift_outstanding{kind="EntitlementToken"}')).toBe(1);
    } finally {
      await t.admin("DELETE", "/faults");
    }
  }, 30_000);

  it("reconciles at once when the synth output changes, without waiting for the interval", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    const { controller } = testController(t, { outdir: w.outdir, store: w.store(), intervalMs: 60_000 });
    const running = controller.run();
    try {
      await waitFor("first token", async () => (await managed()).length === 1);
      writeOutdir(w.outdir, { app: [token("ci"), token("new-one")] });
      const t0 = Date.now();
      await waitFor("the new token", async () => !!(await byName("new-one")), 5_000);
      expect(Date.now() - t0).toBeLessThan(3_000);
    } finally {
      await controller.stop();
      await running;
    }
  });

  it("waits out someone else's synth (manifest.json removed first) without a failed pass, then reconciles its result", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    const { controller, lines } = testController(t, { outdir: w.outdir, store: w.store(), intervalMs: 500 });
    const running = controller.run();
    try {
      await waitFor("first token", async () => (await managed()).length === 1);
      rmSync(path.join(w.outdir, "manifest.json")); // what reposmith synth and cdktf do first
      await new Promise((r) => setTimeout(r, 1_500)); // passes and file events meanwhile
      writeOutdir(w.outdir, { app: [token("ci"), token("after-synth")] });
      await waitFor("the new token", async () => !!(await byName("after-synth")), 5_000);
      expect(lines.filter((l) => l.level === "error")).toEqual([]);
      expect(lines.some((l) => /no manifest\.json yet/.test(l.msg ?? ""))).toBe(true);
      expect(metric(await controller.metrics.text(), 'reposmith_reconcile_passes_total{result="error"}')).toBe(0);
    } finally {
      await controller.stop();
      await running;
    }
  });

  it("keeps one API client, and so one rate limiter, across passes; the API metrics count each request once", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    const { controller } = testController(t, { outdir: w.outdir, store: w.store() });
    await controller.reconcileOnce();
    const [client] = controller.clients.all();
    const limiter = client.limiter;
    await controller.reconcileOnce();
    await controller.reconcileOnce();
    expect(controller.clients.all()).toHaveLength(1);
    expect(controller.clients.all()[0]).toBe(client);
    expect(controller.clients.all()[0].limiter).toBe(limiter);
    // reseed reset the emulator's counters; only the three passes talked to it since.
    expect(metric(await controller.metrics.text(), 'reposmith_api_requests_total{api="cloudsmith"}')).toBe(
      t.emu.stats().requests.total,
    );
  });

  it("run() returns only once stop() has released the locks, when stopped between passes", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    const { controller, lines } = testController(t, { outdir: w.outdir, store: w.store(), intervalMs: 60_000 });
    const running = controller.run();
    await waitFor("the first pass", () => lines.some((l) => l.msg === "reconcile pass done"));
    void controller.stop();
    await running;
    expect(lines[lines.length - 1].msg).toBe("stopped; locks released");
    expect(readdirSync(w.stateDir).filter((f) => f.includes(".lock"))).toEqual([]);
  });

  it("stopped while waiting on a package sync: the wait stops at once, the copy is recorded, and locks are released", async () => {
    await seedPackages(t, [npm("left-pad", "1.3.0")], { durationMs: 8_000 });
    const copy = {
      id: "lp",
      kind: "PackageCopy",
      spec: {
        source: {
          owner: "acme",
          repository: "staging",
          package: { format: "npm", name: "left-pad", version: "1.3.0" },
        },
        destination: "prod",
      },
    };
    writeOutdir(w.outdir, { app: [copy] });
    const store = w.store();
    const { controller, lines } = testController(t, { outdir: w.outdir, store, intervalMs: 60_000 });
    const running = controller.run();
    await waitFor("the copy", async () => (await packagesIn(t, "prod")).length === 1);
    const stopped = Date.now();
    await controller.stop();
    await running;
    expect(Date.now() - stopped).toBeLessThan(3_000);
    expect(lines.some((l) => /abandoning in-flight operations/.test(l.msg ?? ""))).toBe(false);
    const [pkg] = await packagesIn(t, "prod");
    expect((await store.read("app")).resources["app/lp"].id).toBe(`acme.prod.${pkg.slug_perm}`);
    expect(readdirSync(w.stateDir).filter((f) => f.includes(".lock"))).toEqual([]);
  });

  it("logs one line naming the holder when a stack is locked by another run, and goes on with the others", async () => {
    writeOutdir(w.outdir, { app: [token("ci")], other: [token("fine")] });
    const held = await w.store().lock("app", "reposmith apply"); // as a running `reposmith apply` holds it
    const { controller, lines } = testController(t, { outdir: w.outdir, store: w.store() });
    try {
      const r = await controller.reconcileOnce();
      expect(r.stackErrors.map((e) => e.stack)).toEqual(["app"]);
      expect(r.stacks.map((s) => s.stack)).toEqual(["other"]);
    } finally {
      await held.release();
    }
    const about = lines.filter((l) => l.stack === "app" && (l.level === "warn" || l.level === "error"));
    expect(about).toHaveLength(1);
    expect(about[0].msg).toContain(
      `stack app skipped this pass, retried next pass: state of stack "app" is locked by reposmith apply (pid ${process.pid} on ${hostname()}, since `,
    );
    expect(about[0].holder).toMatchObject({ operation: "reposmith apply", pid: process.pid });
  });

  it("lets only one controller act on one file state: the second waits as standby", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    const [a, b] = [w.store(), w.store()].map((store) =>
      testController(t, { outdir: w.outdir, store, intervalMs: 60_000, standbyPollMs: 100 }),
    );
    const runA = a.controller.run();
    await waitFor("A ready", () => a.controller.readiness().ready);
    const runB = b.controller.run();
    await waitFor("B standby", () => b.lines.some((l) => /^standby/.test(l.msg)));
    expect(b.controller.readiness().ready).toBe(false);
    await a.controller.stop();
    await runA;
    await waitFor("B takes over", () => b.controller.readiness().ready, 5_000);
    await b.controller.stop();
    await runB;
  });
});

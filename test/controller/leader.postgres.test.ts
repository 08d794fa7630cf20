import { PostgresStateStore } from "../../src/engine";
import { reposmith, startTestEmulator, type TestEmulator } from "../helpers/harness";
import { describePostgres, startPostgres, type TestPostgres } from "../helpers/postgres";
import { token, writeOutdir } from "../helpers/outdir";
import { metric, tempDir, testController, waitFor } from "./helpers";

let t: TestEmulator;
let pg: TestPostgres;
let w: ReturnType<typeof tempDir>;
let stopAll: (() => Promise<void>) | undefined;

describePostgres("two controllers on one PostgreSQL state", () => {
  beforeAll(async () => {
    [t, pg] = await Promise.all([startTestEmulator(), startPostgres()]);
    w = tempDir("reposmith-leader-");
  }, 30_000);
  afterEach(async () => {
    await stopAll?.();
    stopAll = undefined;
  });
  afterAll(async () => {
    w?.cleanup();
    await Promise.all([t?.close(), pg?.stop()]);
  });

  it("exactly one acts; the other waits as standby (readyz 503) and takes over when the first stops", async () => {
    writeOutdir(w.outdir, { app: [token("ci", { limits: { numDownloads: 100 } })] });
    const stores = [new PostgresStateStore(pg.url), new PostgresStateStore(pg.url)];
    const [a, b] = stores.map((store) =>
      testController(t, { outdir: w.outdir, store, intervalMs: 500, standbyPollMs: 200 }),
    );
    stopAll = async () => {
      await Promise.all([a.controller.stop(), b.controller.stop()]);
      await Promise.all(stores.map((s) => s.close()));
    };
    const runA = a.controller.run();
    await waitFor("A ready", () => a.controller.readiness().ready);
    void b.controller.run();
    await waitFor("B standby", () => b.lines.some((l) => /^standby/.test(l.msg)));
    expect(b.controller.readiness()).toEqual({ ready: false, reason: expect.stringMatching(/standby/) });

    // Out-of-band change: corrected once, by A alone.
    const tok = (await t.tokens("acme", "prod")).find((x) => x.name === "ci");
    const writesBefore = await t.writes();
    await t.api("PATCH", `/entitlements/acme/prod/${tok.slug_perm}/`, { limit_num_downloads: 5 });
    await waitFor(
      "correction",
      async () => (await t.tokens("acme", "prod")).find((x) => x.name === "ci").limit_num_downloads === 100,
    );
    await new Promise((r) => setTimeout(r, 1_200)); // a few more intervals in which B could act
    expect((await t.writes()) - writesBefore).toBe(2); // our PATCH + exactly one correction
    const mb = await b.controller.metrics.text();
    expect(metric(mb, 'reposmith_reconcile_passes_total{result="success"}')).toBe(0);
    expect(metric(mb, 'reposmith_api_requests_total{api="cloudsmith"}')).toBe(0);
    expect(metric(mb, "reposmith_controller_leader")).toBe(0);
    expect(metric(await a.controller.metrics.text(), 'reposmith_drift_corrected_total{kind="EntitlementToken"}')).toBe(
      1,
    );

    // A stops: B takes over and corrects the next drift.
    await a.controller.stop();
    await runA;
    await waitFor("B ready", () => b.controller.readiness().ready, 5_000);
    expect(b.lines.some((l) => /^leader/.test(l.msg))).toBe(true);
    await t.api("PATCH", `/entitlements/acme/prod/${tok.slug_perm}/`, { is_active: false });
    await waitFor(
      "B's correction",
      async () => (await t.tokens("acme", "prod")).find((x) => x.name === "ci").is_active === true,
    );
    // The metrics are recorded when the stack's pass ends, just after the emulator shows the fix.
    await waitFor(
      "B's metrics",
      async () =>
        metric(await b.controller.metrics.text(), 'reposmith_drift_corrected_total{kind="EntitlementToken"}') === 1,
    );
  }, 30_000);

  it("the CLI keeps its state in PostgreSQL with --state postgres://", async () => {
    writeOutdir(w.outdir, { app: [token("ci"), token("cli-made")] });
    const r = await reposmith(["reconcile", "--skip-synth", "--output", w.outdir, "--state", pg.url], {
      cwd: w.dir,
      env: t.env,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const store = new PostgresStateStore(pg.url);
    expect(Object.keys((await store.read("app")).resources).sort()).toEqual(["app/ci", "app/cli-made"]);
    await store.close();
  }, 30_000);
});

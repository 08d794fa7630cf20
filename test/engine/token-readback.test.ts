/**
 * Tokens when Cloudsmith's reads lag its writes (the emulator's tokenReadLagMs and isActiveLagMs):
 * a new token is read back before private broadcasts are toggled on it, and an enable/disable is
 * read back before state says it happened.
 */
import path from "node:path";
import { EntitlementToken } from "../../src";
import { applyAll, FileStateStore, planAll } from "../../src/engine";
import { synthApp } from "../helpers/app";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-readback-");
const READ = "GET /entitlements/{owner}/{repo}/{identifier}/";

const synth = (props: Record<string, unknown>) =>
  synthApp(
    fx.dir,
    (stack) => new EntitlementToken(stack, "ci", { owner: "acme", repository: "prod", name: "ci", ...props }),
  );

const store = () => new FileStateStore(path.join(fx.dir, "state"));
const opts = (outdir: string) => ({ outdir, store: store(), env: fx.t.env, clientOptions: FAST_RETRIES });
const settings = (body: unknown) => fx.t.admin("POST", "/cloudsmith/settings", body);
const ci = async () => (await fx.t.tokens("acme", "prod")).find((x) => x.name === "ci");
const reads = () => fx.t.emu.stats().requests.byRoute[READ] ?? 0;

describe("reads that lag writes", () => {
  it("a new token with private broadcasts: waits until it reads back, then toggles them", async () => {
    await settings({ tokenReadLagMs: 1_500 });
    const run = await applyAll(opts(synth({ privateBroadcasts: true })));
    expect(run.results[0].failed).toEqual([]);
    expect(await ci()).toMatchObject({ access_private_broadcasts: true });
    expect(reads()).toBeGreaterThanOrEqual(2); // a 404, then the read that saw it
    expect((await store().read("app")).resources["app/ci"].observed.access_private_broadcasts).toBe(true);
    expect((await planAll(opts(synth({ privateBroadcasts: true })))).plan.summary).toMatchObject({
      add: 0,
      change: 0,
      destroy: 0,
    });
  });

  it("a new token without private broadcasts is not read back: no extra GET", async () => {
    await settings({ tokenReadLagMs: 1_500 });
    expect((await applyAll(opts(synth({})))).results[0].failed).toEqual([]);
    expect(reads()).toBe(0);
  });

  it("a disable is read back before state records it, so the very next plan is clean", async () => {
    expect((await applyAll(opts(synth({})))).results[0].failed).toEqual([]);
    await settings({ isActiveLagMs: 1_500 });
    const outdir = synth({ enabled: false });
    const run = await applyAll(opts(outdir));
    expect(run.results[0].failed).toEqual([]);
    expect((await store().read("app")).resources["app/ci"].observed.is_active).toBe(false);
    const { plan } = await planAll(opts(outdir));
    expect(plan.stacks[0].resources[0]).toMatchObject({ action: "noop", changes: [] });
    expect(reads()).toBeGreaterThanOrEqual(2); // still true, then false
    expect((await ci()).is_active).toBe(false);
  });

  it("a new token whose toggle fails is recorded all the same, so the next apply toggles it without creating another", async () => {
    await fx.t.admin("POST", "/faults", {
      rules: [{ method: "POST", path: "/toggle-private-broadcasts/?$", status: 403, times: 1 }],
    });
    const outdir = synth({ privateBroadcasts: true });
    const run = await applyAll(opts(outdir));
    expect(run.results[0].failed).toHaveLength(1);
    const created = await ci();
    expect((await store().read("app")).resources["app/ci"]).toMatchObject({
      id: `acme.prod.${created.slug_perm}`,
      observed: { access_private_broadcasts: false },
    });
    expect((await applyAll(opts(outdir))).results[0].failed).toEqual([]);
    expect((await fx.t.tokens("acme", "prod")).filter((x) => x.name === "ci")).toEqual([
      expect.objectContaining({ slug_perm: created.slug_perm, access_private_broadcasts: true }),
    ]);
  });
});

/**
 * PackageCopy when the new copy does not read back at once (its status answers 404 for a while, the
 * emulator's copyNotFoundMs), and the copy being recorded in state on every way its wait can fail.
 */
import { applyAll, planAll } from "../../src/engine";
import {
  GET_STATUS,
  npm,
  packageEngineFixture,
  packagesIn,
  POST_COPY,
  routeCount,
  seedPackages,
  type Decl,
} from "../helpers/packages";

const fx = packageEngineFixture();
const promote = (props: Record<string, unknown> = {}): Decl => ({
  kind: "copy",
  id: "promote",
  props: {
    source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } },
    destination: "prod",
    ...props,
  },
});
const failuresOf = (run: Awaited<ReturnType<typeof applyAll>>) => run.results.flatMap((r) => r.failed);
const settings = (body: unknown) => fx.t.admin("POST", "/cloudsmith/settings", body);

describe("PackageCopy read-back", () => {
  it("keeps polling while the new copy's status answers 404, then waits for its sync as usual", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")]);
    await settings({ copyNotFoundMs: 2_500 });
    fx.app.synth([promote()]);
    const run = await applyAll(fx.opts());
    expect(failuresOf(run)).toEqual([]);
    const [copy] = await packagesIn(fx.t, "prod");
    expect(copy.sync_phase).toBe("completed");
    // At least one status read met the 404 window (1 s, then 1.5 s later), and the last one saw it done.
    expect(copy.status_reads).toBeGreaterThanOrEqual(2);
    expect((await fx.app.state())["app/promote"]).toMatchObject({
      id: `acme.prod.${copy.slug_perm}`,
      observed: { sync: "completed" },
    });
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
  });

  it("a 404 that outlasts waitForSync.timeout fails the apply naming the 404, records the copy, and the next apply waits on that copy", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")], { durationMs: 4_000 });
    await settings({ copyNotFoundMs: 60_000 });
    fx.app.synth([promote({ waitForSync: { timeout: "2s" } })]);
    const run = await applyAll(fx.opts());
    const [failure] = failuresOf(run);
    expect(String((failure.error as Error).message)).toMatch(
      /npm left-pad 1\.3\.0 in acme\/prod: its status still answered 404 Not Found \ds after the copy .*The copy is recorded; the next apply looks for it again\./,
    );
    const [copy] = await packagesIn(fx.t, "prod");
    expect((await fx.app.state())["app/promote"].id).toBe(`acme.prod.${copy.slug_perm}`);

    await settings({ copyNotFoundMs: 0 });
    fx.app.synth([promote({ waitForSync: { timeout: "20s" } })]);
    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0]).toMatchObject({
      action: "update",
      changes: [{ path: "sync", new: "completed" }],
    });
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect(await packagesIn(fx.t, "prod")).toHaveLength(1);
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
  });

  it("records the copy when its wait fails otherwise (a status read refused with 403)", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")]);
    await fx.t.admin("POST", "/faults", { rules: [{ method: "GET", path: "/status/?$", status: 403, times: 1 }] });
    fx.app.synth([promote()]);
    const run = await applyAll(fx.opts());
    await fx.t.admin("DELETE", "/faults");
    expect(failuresOf(run)).toHaveLength(1);
    expect(routeCount(fx.t, GET_STATUS)).toBe(1);
    const [copy] = await packagesIn(fx.t, "prod");
    expect((await fx.app.state())["app/promote"]).toMatchObject({
      id: `acme.prod.${copy.slug_perm}`,
      kind: "PackageCopy",
      provisional: true,
    });
    // The copy finished meanwhile: the next plan has nothing to do, and its apply still brings state up to date.
    await new Promise((r) => setTimeout(r, 500));
    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0].action).toBe("noop");
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    const refreshed = (await fx.app.state())["app/promote"];
    expect(refreshed).toMatchObject({ id: `acme.prod.${copy.slug_perm}`, observed: { sync: "completed" } });
    expect(refreshed.provisional).toBeUndefined();
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
    // Removing the construct now deletes that copy rather than leaving it behind.
    fx.app.synth([]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect(await packagesIn(fx.t, "prod")).toEqual([]);
  });
});

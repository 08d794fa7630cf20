/** PackageCopy through the engine (plan/apply/drift) against the emulator's asynchronous package sync. */
import { applyAll, driftAll, planAll, renderPlan } from "../../src/engine";
import {
  GET_STATUS,
  npm,
  packageEngineFixture,
  packagesIn,
  POST_COPY,
  POST_RESYNC,
  routeCount,
  seedPackages,
  type Decl,
} from "../helpers/packages";

const fx = packageEngineFixture();

const promote = (props: Record<string, unknown> = {}, id = "promote"): Decl => ({
  kind: "copy",
  id,
  props: {
    source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } },
    destination: "prod",
    ...props,
  },
});
const failuresOf = (run: Awaited<ReturnType<typeof applyAll>>) => run.results.flatMap((r) => r.failed);

describe("PackageCopy", () => {
  it("copies, waits until fully synchronised, and then plans nothing", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0", { tags: ["release"] })]);
    fx.app.synth([promote()]);
    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0]).toMatchObject({
      action: "create",
      createFields: { package: "npm/left-pad@1.3.0", destination: "acme/prod" },
    });

    const progress: number[] = [];
    const run = await applyAll({ ...fx.opts(), onProgress: (_k, u) => progress.push(u.fraction ?? -1) });
    expect(failuresOf(run)).toEqual([]);
    const [copy] = await packagesIn(fx.t, "prod");
    expect(copy).toMatchObject({ name: "left-pad", version: "1.3.0", sync_phase: "completed" });
    expect((await fx.app.state())["app/promote"]).toMatchObject({
      kind: "PackageCopy",
      id: `acme.prod.${copy.slug_perm}`,
      observed: { sync: "completed", checksum_sha256: copy.checksum_sha256 },
    });
    expect(progress[progress.length - 1]).toBe(1);

    const again = await planAll(fx.opts());
    expect(again.plan.stacks[0].resources.map((r) => r.action)).toEqual(["noop"]);
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
    expect(copy.status_reads).toBeLessThanOrEqual(2);
  });

  it("resyncs a failed sync and succeeds", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")], {
      durationMs: 300,
      failTimes: 1,
      failReason: "Scan failed: upstream timeout",
    });
    fx.app.synth([promote()]);
    const run = await applyAll(fx.opts());
    expect(failuresOf(run)).toEqual([]);
    expect(routeCount(fx.t, POST_RESYNC)).toBe(1);
    expect((await packagesIn(fx.t, "prod"))[0]).toMatchObject({ sync_phase: "completed", sync_count: 2 });
  });

  it("fails with the API's status_reason after resyncAttempts, records the failed copy, and a rerun converges", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")], {
      durationMs: 200,
      failTimes: 3,
      failReason: "Scan failed: upstream timeout",
    });
    fx.app.synth([promote({ resyncAttempts: 2 })]);
    const run = await applyAll(fx.opts());
    const [failure] = failuresOf(run);
    expect(String((failure.error as Error).message)).toMatch(
      /npm left-pad 1\.3\.0 in acme\/prod: sync failed \(after 2 resyncs\): "Scan failed: upstream timeout"; reached stage "Scanning Package"/,
    );
    const failed = await packagesIn(fx.t, "prod");
    expect(failed).toHaveLength(1); // the failed copy is kept, not duplicated
    expect((await fx.app.state())["app/promote"]).toMatchObject({
      id: `acme.prod.${failed[0].slug_perm}`,
      observed: { sync: "failed: Scan failed: upstream timeout" },
    });

    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0]).toMatchObject({
      action: "update",
      changes: [{ path: "sync", old: "failed: Scan failed: upstream timeout", new: "completed" }],
    });
    const rerun = await applyAll(fx.opts());
    expect(failuresOf(rerun)).toEqual([]);
    const prod = await packagesIn(fx.t, "prod");
    expect(prod).toHaveLength(1);
    expect(prod[0].sync_phase).toBe("completed");
    expect((await fx.app.state())["app/promote"].id).toBe(`acme.prod.${prod[0].slug_perm}`);
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
  });

  it("a rerun resyncs a failed copy once even with resyncAttempts 0 (the run starts with a failure)", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")], {
      durationMs: 200,
      failTimes: 1,
      failReason: "Scan failed: upstream timeout",
    });
    fx.app.synth([promote({ resyncAttempts: 0 })]);
    const [failure] = failuresOf(await applyAll(fx.opts()));
    expect(String((failure.error as Error).message)).toMatch(/sync failed \(after 0 resyncs\)/);
    expect(routeCount(fx.t, POST_RESYNC)).toBe(0);

    const rerun = await applyAll(fx.opts());
    expect(failuresOf(rerun)).toEqual([]);
    expect(routeCount(fx.t, POST_RESYNC)).toBe(1);
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
    const prod = await packagesIn(fx.t, "prod");
    expect(prod).toHaveLength(1);
    expect(prod[0]).toMatchObject({ sync_phase: "completed", sync_count: 2 });
    expect((await fx.app.state())["app/promote"]).toMatchObject({
      id: `acme.prod.${prod[0].slug_perm}`,
      observed: { sync: "completed" },
    });
  });

  it("a copy failed for good (the API says delete it) is deleted and copied afresh by the rerun", async () => {
    const reason = "Sync failed: the package should be deleted and uploaded again";
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")], { durationMs: 200, failTimes: 1, failReason: reason });
    fx.app.synth([promote({ resyncAttempts: 3 })]);
    const [failure] = failuresOf(await applyAll(fx.opts()));
    expect(String((failure.error as Error).message)).toMatch(
      /sync failed \(a permanent failure, not resynced\): ".*should be deleted.*"; reached .*Delete the failed copy; the next apply copies it again\./,
    );
    expect(routeCount(fx.t, POST_RESYNC)).toBe(0);
    const [failed] = await packagesIn(fx.t, "prod");
    await fx.t.admin("POST", "/packages/sync", { failTimes: 0 }); // the next copy syncs

    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0]).toMatchObject({
      action: "update",
      changes: [{ path: "sync", new: "delete the failed copy and copy again" }],
    });
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    const prod = await packagesIn(fx.t, "prod");
    expect(prod).toHaveLength(1);
    expect(prod[0].slug_perm).not.toBe(failed.slug_perm);
    expect(prod[0].sync_phase).toBe("completed");
    expect(routeCount(fx.t, POST_COPY)).toBe(2);
    expect(routeCount(fx.t, POST_RESYNC)).toBe(0);
    expect((await fx.app.state())["app/promote"]).toMatchObject({
      id: `acme.prod.${prod[0].slug_perm}`,
      observed: { sync: "completed" },
    });
  });

  it("a replacement whose new copy failed to sync deletes the old copy once a rerun converges (no orphan)", async () => {
    const failsOnce = { sync: { durationMs: 200, failTimes: 1, failReason: "Scan failed: upstream timeout" } };
    await seedPackages(fx.t, [npm("left-pad", "1.3.0"), npm("left-pad", "1.4.0", failsOnce)]);
    fx.app.synth([promote()]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    const [old] = await packagesIn(fx.t, "prod");

    // 1.3.0 -> 1.4.0: a replacement; the new copy's first sync fails and no resync is allowed.
    const v14 = promote({ resyncAttempts: 0 });
    (v14.props as any).source.package.version = "1.4.0";
    fx.app.synth([v14]);
    const failed = await applyAll(fx.opts());
    expect(failuresOf(failed)).toHaveLength(1);
    expect((await fx.app.state())["app/promote"].id).toBe(`acme.prod.${old.slug_perm}`);
    expect((await packagesIn(fx.t, "prod")).map((p) => p.version).sort()).toEqual(["1.3.0", "1.4.0"]);

    const v14retry = promote({ resyncAttempts: 1 });
    (v14retry.props as any).source.package.version = "1.4.0";
    fx.app.synth([v14retry]);
    const { plan } = await planAll(fx.opts());
    expect(plan.summary.destroy).toBe(1);
    expect(plan.stacks[0].resources[0].notice).toMatch(
      new RegExp(`acme\\.prod\\.${old.slug_perm}, which an interrupted replacement left behind, will be deleted`),
    );
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    const prod = await packagesIn(fx.t, "prod");
    expect(prod.map((p) => p.version)).toEqual(["1.4.0"]);
    expect((await fx.app.state())["app/promote"].id).toBe(`acme.prod.${prod[0].slug_perm}`);
    expect((await planAll(fx.opts())).plan.summary).toMatchObject({ add: 0, change: 0, destroy: 0 });
  });

  it("times out naming the stage it reached, and the next apply waits for the same copy", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0", { sync: { durationMs: 8_000 } })]);
    fx.app.synth([promote({ waitForSync: { timeout: "2s" } })]);
    const run = await applyAll(fx.opts());
    const message = String((failuresOf(run)[0].error as Error).message);
    expect(message).toMatch(
      /npm left-pad 1\.3\.0 in acme\/prod: not fully synchronised after 2s \(waitForSync\.timeout\): reached stage "[A-Za-z ]+" \(\d\), sync_progress \d+%, status "In Progress"/,
    );
    // The copy exists: state names it, so removing the construct now would delete it rather than orphan it.
    const [copy] = await packagesIn(fx.t, "prod");
    expect((await fx.app.state())["app/promote"].id).toBe(`acme.prod.${copy.slug_perm}`);

    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0].changes[0]).toMatchObject({ path: "sync", new: "completed" });
    expect(String(plan.stacks[0].resources[0].changes[0].old)).toMatch(/^syncing \(\d+%\)$/);
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
  });

  it("a copy deleted by hand and copied again records the new copy even when its wait times out; removing the construct then deletes it", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")]);
    fx.app.synth([promote({ waitForSync: { timeout: "1s" } })]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    const [first] = await packagesIn(fx.t, "prod");
    await fx.t.admin("POST", "/packages/sync", { durationMs: 8_000 });
    expect((await fx.t.api("DELETE", `/packages/acme/prod/${first.slug_perm}/`)).status).toBe(204);

    const run = await applyAll(fx.opts());
    expect(String((failuresOf(run)[0].error as Error).message)).toMatch(/not fully synchronised after 1s/);
    const [second] = await packagesIn(fx.t, "prod");
    expect(second.slug_perm).not.toBe(first.slug_perm);
    expect((await fx.app.state())["app/promote"].id).toBe(`acme.prod.${second.slug_perm}`);

    fx.app.synth([]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect(await packagesIn(fx.t, "prod")).toEqual([]);
    expect(await fx.app.state()).toEqual({});
  });

  it("interrupted while waiting (Ctrl-C): stops at the next poll, records the copy, starts nothing new", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0"), npm("is-even", "1.0.0")], { durationMs: 8_000 });
    fx.app.synth([
      promote(),
      promote(
        {
          source: {
            owner: "acme",
            repository: "staging",
            package: { format: "npm", name: "is-even", version: "1.0.0" },
          },
        },
        "promote-more",
      ),
    ]);
    const interrupt = new AbortController();
    const started = Date.now();
    const run = applyAll({ ...fx.opts(), parallelism: 1, signal: interrupt.signal });
    setTimeout(() => interrupt.abort(), 1_000);
    const result = await run;
    expect(Date.now() - started).toBeLessThan(5_000);
    // One at a time: the first is stopped at its next poll, the second never starts.
    const [copy] = await packagesIn(fx.t, "prod");
    const [failed] = failuresOf(result);
    expect(failuresOf(result)).toHaveLength(1);
    expect(String((failed.error as Error).message)).toMatch(/interrupted while waiting for its sync/);
    expect(result.results[0].skipped).toEqual([["app/promote", "app/promote-more"].find((k) => k !== failed.key)]);
    expect(await fx.app.state()).toEqual({
      [failed.key]: expect.objectContaining({ id: `acme.prod.${copy.slug_perm}` }),
    });
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
  });

  it("copies again with republish when the source's checksum changed", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")]);
    fx.app.synth([promote()]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    const before = (await packagesIn(fx.t, "prod"))[0];
    await fx.t.admin("POST", "/seed", { packages: [npm("left-pad", "1.3.0", { checksum_sha256: "f".repeat(64) })] });

    const drift = await driftAll(fx.opts());
    expect(drift.items).toHaveLength(1);
    // Drift reads "was applied -> is now": the copy's checksum, then the source's new one.
    expect(drift.items[0].changes[0]).toMatchObject({
      path: "checksum_sha256",
      old: before.checksum_sha256,
      new: "f".repeat(64),
    });
    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0]).toMatchObject({
      action: "update",
      changes: [{ path: "checksum_sha256", old: before.checksum_sha256, new: "f".repeat(64) }],
    });
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    const after = await packagesIn(fx.t, "prod");
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ checksum_sha256: "f".repeat(64), sync_phase: "completed" });
    expect(after[0].slug_perm).not.toBe(before.slug_perm);
    expect((await planAll(fx.opts())).plan.stacks[0].resources[0].action).toBe("noop");
  });

  it("adopts a copy whose POST failed after the server made it, instead of copying again", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")]);
    await fx.t.admin("POST", "/faults", {
      rules: [{ method: "POST", path: "/copy/?$", status: 503, times: 1, afterHandler: true }],
    });
    fx.app.synth([promote()]);
    const run = await applyAll(fx.opts());
    await fx.t.admin("DELETE", "/faults");
    expect(failuresOf(run)).toEqual([]);
    expect(await packagesIn(fx.t, "prod")).toHaveLength(1);
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
  });

  it("copies again in the same run when a copy POST got a 5xx without acting, after looking in the destination", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")]);
    await fx.t.admin("POST", "/faults", { rules: [{ method: "POST", path: "/copy/?$", status: 503, times: 1 }] });
    fx.app.synth([promote()]);
    const run = await applyAll(fx.opts());
    await fx.t.admin("DELETE", "/faults");
    expect(failuresOf(run)).toEqual([]);
    expect(await packagesIn(fx.t, "prod")).toHaveLength(1);
    expect(routeCount(fx.t, POST_COPY)).toBe(2);
  });

  it("adopts an identical package already in the destination without copying", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0"), { ...npm("left-pad", "1.3.0"), repository: "prod" }]);
    fx.app.synth([promote()]);
    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0].action).toBe("adopt");
    // Copies carry no reposmith tag: the plan says how this one was found.
    expect(renderPlan(plan)).toMatch(
      /# app\/promote \(PackageCopy .*\) will be adopted \(found in acme\/prod by format\/name\/version and checksum; state updated, no API write\)/,
    );
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect(routeCount(fx.t, POST_COPY)).toBe(0);
    expect(routeCount(fx.t, GET_STATUS)).toBe(0);
  });

  it("refuses to overwrite a different package it did not copy unless republish is set, already at plan time", async () => {
    await seedPackages(fx.t, [
      npm("left-pad", "1.3.0"),
      { ...npm("left-pad", "1.3.0", { checksum_sha256: "a".repeat(64) }), repository: "prod" },
    ]);
    fx.app.synth([promote()]);
    const writes = await fx.t.writes();
    // The plan refuses what apply would refuse (and so apply stops before writing anything).
    const refused = await planAll(fx.opts()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused?.message).toMatch(
      /acme\/prod already has npm left-pad 1\.3\.0 with checksum aaaaaaaaaaaa…, not the source's .*set republish: true/,
    );
    await expect(applyAll(fx.opts())).rejects.toThrow(/set republish: true/);
    expect(await fx.t.writes()).toBe(writes);
    fx.app.synth([promote({ republish: true })]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect((await packagesIn(fx.t, "prod")).map((p) => p.checksum_sha256)).not.toContain("a".repeat(64));
  });

  it("fails the plan, not only the apply, when the source package does not exist", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")]);
    fx.app.synth([
      promote({
        source: {
          owner: "acme",
          repository: "staging",
          package: { format: "npm", name: "left-pad", version: "9.9.9" },
        },
      }),
    ]);
    const refused = await planAll(fx.opts()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused?.message).toMatch(
      /app\/promote: npm\/left-pad@9\.9\.9 not found in acme\/staging: nothing to copy \(check source\.package\)/,
    );
    // Destroying it still works (nothing to check for a delete).
    await expect(applyAll(fx.opts(), { destroy: true })).resolves.toBeDefined();
  });

  it("refuses the plan when two copies (by slug_perm and by format/name/version) turn out to manage one package, and says how to drop one safely", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")]);
    const [source] = await packagesIn(fx.t, "staging");
    const bySlug = promote({ source: { owner: "acme", repository: "staging", package: source.slug_perm } });
    fx.app.synth([{ ...bySlug, id: "by-slug" }, promote()]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
    const [copy] = await packagesIn(fx.t, "prod");

    const refused = await planAll(fx.opts()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused?.message).toBe(
      `app/promote: app/promote and app/by-slug both manage PackageCopy acme.prod.${copy.slug_perm}: each would undo the other; ` +
        `keep one of the two constructs (removing the other only forgets it: the object stays, managed by the one kept)`,
    );
    const writes = await fx.t.writes();
    await expect(applyAll(fx.opts())).rejects.toThrow(/both manage PackageCopy/);
    expect(await fx.t.writes()).toBe(writes);

    // Removing one of the two (without state rm first) forgets it: the other's package stays.
    fx.app.synth([{ ...bySlug, id: "by-slug" }]);
    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources.find((r) => r.key === "app/promote")).toMatchObject({
      action: "forget",
      notice: `not deleted: app/by-slug manages the same object (acme.prod.${copy.slug_perm}); only this entry is removed from state`,
    });
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect((await packagesIn(fx.t, "prod")).map((p) => p.slug_perm)).toEqual([copy.slug_perm]);
    expect(Object.keys(await fx.app.state())).toEqual(["app/by-slug"]);
  });

  it("deletes the copy when the construct is destroyed", async () => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")]);
    fx.app.synth([promote()]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    const destroy = await applyAll(fx.opts(), { destroy: true });
    expect(failuresOf(destroy)).toEqual([]);
    expect(await packagesIn(fx.t, "prod")).toHaveLength(0);
    expect(await packagesIn(fx.t, "staging")).toHaveLength(1);
  });
});

/** PackageMirror through the engine against the emulator: only missing packages copied, each polled within a bound. */
import { applyAll, driftAll, planAll, renderDrift, renderPlan } from "../../src/engine";
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

const mirror = (props: Record<string, unknown> = {}): Decl => ({
  kind: "mirror",
  id: "releases",
  props: {
    source: { owner: "acme", repository: "staging" },
    destination: "prod",
    query: "tag:release AND format:npm",
    ...props,
  },
});
const failuresOf = (run: Awaited<ReturnType<typeof applyAll>>) => run.results.flatMap((r) => r.failed);
const names = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `pkg-${String(i + from).padStart(2, "0")}`);

/** Status polls a copy may take: the copy's own response, then at most this many polls for a ~0.3 s sync. */
const POLLS_PER_PACKAGE_BOUND = 2;

describe("PackageMirror", () => {
  it("copies only the missing packages of a 50-package query, polls each within the bound, then plans nothing", async () => {
    const released = names(50).map((n) => npm(n, "1.0.0", { tags: ["release"] }));
    const already = released.slice(0, 10).map((p) => ({ ...p, repository: "prod" }));
    await seedPackages(fx.t, [...released, ...names(5, 50).map((n) => npm(n)), ...already]);
    fx.app.synth([mirror()]);

    const { plan } = await planAll(fx.opts());
    const r = plan.stacks[0].resources[0];
    expect(r.action).toBe("update");
    expect(r.changes).toHaveLength(40);
    expect(r.changes[0]).toEqual({ path: 'packages["npm/pkg-10@1.0.0"]', old: null, new: "copy", effect: "update" });
    expect(renderPlan(plan)).toMatch(/~ packages\["npm\/pkg-49@1\.0\.0"\] += null -> "copy"/);

    const fractions: number[] = [];
    const started = Date.now();
    const run = await applyAll({
      ...fx.opts(),
      onProgress: (key, u) => key === "app/releases" && fractions.push(u.fraction ?? 0),
    });
    const seconds = (Date.now() - started) / 1000;
    expect(failuresOf(run)).toEqual([]);

    const prod = await packagesIn(fx.t, "prod");
    expect(prod).toHaveLength(50);
    expect(prod.every((p) => p.sync_phase === "completed")).toBe(true);
    expect(routeCount(fx.t, POST_COPY)).toBe(40);
    const polls = prod.map((p) => p.status_reads as number);
    expect(Math.max(...polls)).toBeLessThanOrEqual(POLLS_PER_PACKAGE_BOUND);
    expect(polls.filter((n) => n === 0)).toHaveLength(10); // the ones already there are never polled
    expect(routeCount(fx.t, GET_STATUS)).toBe(polls.reduce((a, b) => a + b, 0));
    expect(fractions[fractions.length - 1]).toBe(1);
    expect(seconds).toBeLessThan(20);
    process.stdout.write(
      `50-package mirror: 40 copied in ${seconds.toFixed(1)}s, status polls per package max ${Math.max(...polls)}, total ${routeCount(fx.t, GET_STATUS)}\n`,
    );

    const state = (await fx.app.state())["app/releases"];
    expect(Object.keys(state.observed.packages)).toHaveLength(50);
    const again = await planAll(fx.opts());
    expect(again.plan.stacks[0].resources[0].action).toBe("noop");
  });

  it("prunes only copies it made itself whose source is gone: never a package uploaded by hand, nor another construct's copy", async () => {
    await seedPackages(fx.t, [
      npm("kept", "1.0.0", { tags: ["release"] }),
      npm("dropped", "1.0.0", { tags: ["release"] }),
      npm("left-pad", "1.3.0", { tags: ["release"] }),
      { ...npm("by-hand", "0.9.0", { tags: ["release"] }), repository: "prod" },
      { ...npm("unrelated", "2.0.0"), repository: "prod" },
    ]);
    const copy: Decl = {
      kind: "copy",
      id: "promote",
      props: {
        source: {
          owner: "acme",
          repository: "staging",
          package: { format: "npm", name: "left-pad", version: "1.3.0" },
        },
        destination: "prod",
      },
    };
    fx.app.synth([copy, mirror({ prune: true })]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect((await packagesIn(fx.t, "prod")).map((p) => p.name).sort()).toEqual([
      "by-hand",
      "dropped",
      "kept",
      "left-pad",
      "unrelated",
    ]);

    // The sources of "dropped" and of the PackageCopy's "left-pad" are deleted from staging.
    for (const name of ["dropped", "left-pad"]) {
      const src = (await packagesIn(fx.t, "staging")).find((p) => p.name === name);
      expect((await fx.t.api("DELETE", `/packages/acme/staging/${src.slug_perm}/`)).status).toBe(204);
    }
    const { plan } = await planAll(fx.opts());
    const mirrorPlan = plan.stacks[0].resources.find((r) => r.key === "app/releases")!;
    expect(mirrorPlan.changes).toEqual([
      expect.objectContaining({
        path: expect.stringMatching(/^packages\["npm\/dropped@1\.0\.0#\w+"\]$/),
        old: "present",
        new: null,
        effect: "delete",
      }),
    ]);
    expect(plan.summary).toMatchObject({ add: 0, change: 0, destroy: 1 });
    // The headline says what happens, not nothing; apply counts the prune as the plan does.
    expect(renderPlan(plan)).toMatch(
      /# app\/releases \(PackageMirror acme\/staging -> acme\/prod "tag:release AND format:npm"\) will delete 1 copy it made whose source is gone\n/,
    );
    expect(renderPlan(plan)).toMatch(/- packages\["npm\/dropped@1\.0\.0#\w+"\] += "present" -> null/);
    const pruned = await applyAll(fx.opts());
    expect(pruned.results[0].done).toEqual([{ key: "app/releases", action: "update", deleted: 1, changed: false }]);
    expect((await packagesIn(fx.t, "prod")).map((p) => p.name).sort()).toEqual([
      "by-hand",
      "kept",
      "left-pad",
      "unrelated",
    ]);
  });

  it("never overwrites a package of the same version uploaded by hand: left alone with a notice naming it and how to allow it; republish: true overwrites it", async () => {
    const [E, F] = ["e".repeat(64), "f".repeat(64)];
    await seedPackages(fx.t, [
      npm("conflict", "1.0.0", { tags: ["release"], checksum_sha256: E }),
      npm("fresh", "1.0.0", { tags: ["release"] }),
      { ...npm("conflict", "1.0.0", { checksum_sha256: F }), repository: "prod" },
    ]);
    fx.app.synth([mirror()]);
    const { plan, ctx } = await planAll(fx.opts());
    const text = renderPlan(plan);
    expect(text).toMatch(/~ packages\["npm\/fresh@1\.0\.0"\] += null -> "copy"/);
    expect(text).not.toMatch(/conflict/);
    const notice =
      /app\/releases: left alone in acme\/prod, which already has this package with other content and this mirror did not copy it: npm\/conflict@1\.0\.0 \(checksum ffffffffffff… in acme\/prod, eeeeeeeeeeee… in acme\/staging\); set republish: true on the PackageMirror to overwrite it/;
    expect(ctx.notices.join("\n")).toMatch(notice);

    const run = await applyAll(fx.opts());
    expect(failuresOf(run)).toEqual([]);
    expect(run.ctx.notices.join("\n")).toMatch(notice);
    expect(routeCount(fx.t, POST_COPY)).toBe(1);
    const prod = await packagesIn(fx.t, "prod");
    expect(prod.map((p) => `${p.name}:${p.checksum_sha256 === F ? "by hand" : "copy"}`).sort()).toEqual([
      "conflict:by hand",
      "fresh:copy",
    ]);
    expect((await planAll(fx.opts())).plan.stacks[0].resources[0].action).toBe("noop");

    // Allowed explicitly: the plan says whose package it overwrites, and apply does it.
    fx.app.synth([mirror({ republish: true })]);
    const allowed = await planAll(fx.opts());
    expect(allowed.ctx.notices.join("\n")).not.toMatch(/left alone/);
    expect(renderPlan(allowed.plan)).toMatch(
      /~ packages\["npm\/conflict@1\.0\.0"\] += "checksum ffffffffffff… \(not copied by this mirror\)" -> "republish"/,
    );
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect((await packagesIn(fx.t, "prod")).find((p) => p.name === "conflict").checksum_sha256).toBe(E);
  });

  it("reports drift as was applied -> is now: a re-uploaded source, a copy deleted by hand, a source deleted (prune), a new source package", async () => {
    await seedPackages(
      fx.t,
      ["is-even", "is-odd", "gone"].map((n) => npm(n, "1.0.0", { tags: ["release"] })),
    );
    fx.app.synth([mirror({ prune: true })]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    const copies = await packagesIn(fx.t, "prod");
    const staged = await packagesIn(fx.t, "staging");
    const [isEven, isOdd] = ["is-even", "is-odd"].map((n) => copies.find((p) => p.name === n));
    const gone = staged.find((p) => p.name === "gone");

    await fx.t.admin("POST", "/seed", {
      packages: [
        npm("is-even", "1.0.0", { tags: ["release"], checksum_sha256: "f".repeat(64) }),
        npm("new-one", "1.0.0", { tags: ["release"] }),
      ],
    });
    expect((await fx.t.api("DELETE", `/packages/acme/prod/${isOdd.slug_perm}/`)).status).toBe(204);
    expect((await fx.t.api("DELETE", `/packages/acme/staging/${gone.slug_perm}/`)).status).toBe(204);

    const drift = await driftAll(fx.opts());
    const text = renderDrift(drift.items, drift.checked);
    const line = (pkg: string) =>
      text
        .split("\n")
        .find((l) => l.includes(`packages["npm/${pkg}@1.0.0`))
        ?.trim()
        .replace(/ +=/, " =");
    expect(line("is-even")).toBe(
      `packages["npm/is-even@1.0.0"] = "source checksum ${isEven.checksum_sha256.slice(0, 12)}…" -> "source checksum ffffffffffff… (re-uploaded)"`,
    );
    expect(line("is-odd")).toBe(
      `packages["npm/is-odd@1.0.0"] = "copied (checksum ${isOdd.checksum_sha256.slice(0, 12)}…)" -> "missing from acme/prod"`,
    );
    expect(line("gone")).toMatch(
      /^packages\["npm\/gone@1\.0\.0#\w+"\] = "copied from acme\/staging" -> "source gone from acme\/staging"$/,
    );
    expect(line("new-one")).toBe(`packages["npm/new-one@1.0.0"] = null -> "in acme/staging, not copied yet"`);

    // The plan speaks in verbs, and apply re-copies the re-uploaded source (a copy the mirror made).
    const planText = renderPlan((await planAll(fx.opts())).plan);
    expect(planText).toMatch(/~ packages\["npm\/is-even@1\.0\.0"\] += "checksum \w{12}…" -> "republish"/);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect(
      (await packagesIn(fx.t, "prod"))
        .map((p) => `${p.name}:${p.name === "is-even" ? p.checksum_sha256.slice(0, 4) : ""}`)
        .sort(),
    ).toEqual(["is-even:ffff", "is-odd:", "new-one:"]);
    expect((await driftAll(fx.opts())).items).toEqual([]);
  });

  it("headlines an adoption by how a mirror is found, not by a tag it does not carry", async () => {
    await seedPackages(fx.t, [
      npm("kept", "1.0.0", { tags: ["release"] }),
      { ...npm("kept", "1.0.0"), repository: "prod" },
    ]);
    fx.app.synth([mirror()]);
    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0].action).toBe("adopt");
    expect(renderPlan(plan)).toMatch(
      /# app\/releases \(PackageMirror .*\) will be adopted \(every package matching the query is already in acme\/prod; state updated, no API write\)/,
    );
    expect(renderPlan(plan)).not.toMatch(/reposmith tag/);
  });

  it("copies a package once when a PackageCopy and a PackageMirror of the same stack both want it", async () => {
    await seedPackages(fx.t, [
      npm("left-pad", "1.3.0", { tags: ["release"] }),
      npm("right-pad", "1.0.0", { tags: ["release"] }),
    ]);
    const copy: Decl = {
      kind: "copy",
      id: "promote",
      props: {
        source: {
          owner: "acme",
          repository: "staging",
          package: { format: "npm", name: "left-pad", version: "1.3.0" },
        },
        destination: "prod",
      },
    };
    fx.app.synth([copy, mirror()]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect(routeCount(fx.t, POST_COPY)).toBe(2);
    expect((await packagesIn(fx.t, "prod")).map((p) => `${p.name}:${p.sync_phase}`).sort()).toEqual([
      "left-pad:completed",
      "right-pad:completed",
    ]);
    expect((await planAll(fx.opts())).plan.stacks[0].resources.map((r) => r.action)).toEqual(["noop", "noop"]);
  });

  it("interrupted (Ctrl-C): no new copy starts, those in flight stop at their next poll, and what was copied is recorded as its own", async () => {
    await seedPackages(
      fx.t,
      names(12).map((n) => npm(n, "1.0.0", { tags: ["release"] })),
      { durationMs: 4_000 },
    );
    fx.app.synth([mirror({ parallelism: 3 })]);
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(), 800);
    const run = await applyAll({ ...fx.opts(), signal: interrupt.signal });
    const message = String((failuresOf(run)[0].error as Error).message);
    expect(message).toMatch(/12 of 12 package\(s\) could not be mirrored/);
    expect(message).toMatch(/9 package\(s\) not started: the run was interrupted/);
    expect(routeCount(fx.t, POST_COPY)).toBe(3);
    const recorded = (await fx.app.state())["app/releases"].observed.packages as Record<
      string,
      { copied?: boolean; slug_perm?: string }
    >;
    expect(Object.values(recorded).filter((e) => e.copied)).toHaveLength(3);
  });

  it("a copy failed for good (the API says delete it) is deleted and copied afresh by the next apply", async () => {
    const reason = "Sync failed: the package should be deleted and uploaded again";
    await seedPackages(fx.t, [npm("broken", "1.0.0", { tags: ["release"] })], {
      durationMs: 200,
      failTimes: 1,
      failReason: reason,
    });
    fx.app.synth([mirror()]);
    expect(String((failuresOf(await applyAll(fx.opts()))[0].error as Error).message)).toMatch(
      /npm\/broken@1\.0\.0: .*sync failed \(a permanent failure, not resynced\)/,
    );
    const [failed] = await packagesIn(fx.t, "prod");
    await fx.t.admin("POST", "/packages/sync", { failTimes: 0 }); // the next copy syncs

    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0].changes).toEqual([
      {
        path: 'packages["npm/broken@1.0.0"]',
        old: `failed: ${reason}`,
        new: "delete and copy",
        effect: "update",
      },
    ]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    const prod = await packagesIn(fx.t, "prod");
    expect(prod.map((p) => [p.name, p.sync_phase])).toEqual([["broken", "completed"]]);
    expect(prod[0].slug_perm).not.toBe(failed.slug_perm);
    expect(routeCount(fx.t, POST_COPY)).toBe(2);
    expect((await planAll(fx.opts())).plan.stacks[0].resources[0].action).toBe("noop");
  });

  it("reports each package that failed, keeps the others, and the next apply retries only the failed one", async () => {
    await seedPackages(fx.t, [
      npm("good-a", "1.0.0", { tags: ["release"] }),
      npm("good-b", "1.0.0", { tags: ["release"] }),
      npm("flaky", "1.0.0", {
        tags: ["release"],
        sync: { durationMs: 200, failTimes: 3, failReason: "Scan failed: upstream timeout" },
      }),
    ]);
    fx.app.synth([mirror()]);
    const run = await applyAll(fx.opts());
    const message = String((failuresOf(run)[0].error as Error).message);
    expect(message).toMatch(/1 of 3 package\(s\) could not be mirrored into acme\/prod/);
    expect(message).toMatch(
      /npm\/flaky@1\.0\.0: npm flaky 1\.0\.0 in acme\/prod: sync failed \(after 2 resyncs\): "Scan failed: upstream timeout"/,
    );
    // What was done is recorded: the copies it made carry their "copied" mark (for prune and republish).
    const recorded = (await fx.app.state())["app/releases"].observed.packages as Record<string, { copied?: boolean }>;
    expect(
      Object.entries(recorded)
        .map(([k, e]) => [k, !!e.copied])
        .sort(),
    ).toEqual([
      ["npm/flaky@1.0.0", true],
      ["npm/good-a@1.0.0", true],
      ["npm/good-b@1.0.0", true],
    ]);

    const { plan } = await planAll(fx.opts());
    expect(plan.stacks[0].resources[0].changes).toEqual([
      expect.objectContaining({ path: 'packages["npm/flaky@1.0.0"]', new: "resync" }),
    ]);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect(routeCount(fx.t, POST_COPY)).toBe(3);
    expect((await packagesIn(fx.t, "prod")).every((p) => p.sync_phase === "completed")).toBe(true);

    // A copy made by the failed apply is this mirror's: with prune, it goes once its source does.
    fx.app.synth([mirror({ prune: true })]);
    const src = (await packagesIn(fx.t, "staging")).find((p) => p.name === "good-a");
    expect((await fx.t.api("DELETE", `/packages/acme/staging/${src.slug_perm}/`)).status).toBe(204);
    expect(failuresOf(await applyAll(fx.opts()))).toEqual([]);
    expect((await packagesIn(fx.t, "prod")).map((p) => p.name).sort()).toEqual(["flaky", "good-b"]);
  });
});

/** A stack the app no longer declares (removed or renamed) while state still holds its resources. */
import path from "node:path";
import { applyAll, FileStateStore, planAll } from "../../src/engine";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";
import { token, writeOutdir } from "../helpers/outdir";
import { npm, packagesIn, seedPackages } from "../helpers/packages";

const fx = emulatorFixture("reposmith-abandoned-");
const opts = (extra: { stacks?: string[] } = {}) => ({
  outdir: path.join(fx.dir, "out"),
  store: new FileStateStore(path.join(fx.dir, "state")),
  env: fx.t.env,
  clientOptions: FAST_RETRIES,
  ...extra,
});
const names = async () => (await fx.t.tokens("acme", "prod")).map((t) => t.name).sort();

describe("a stack state holds but the app no longer declares", () => {
  beforeEach(async () => {
    writeOutdir(path.join(fx.dir, "out"), { one: [token("a")], two: [token("b"), token("c")] });
    expect((await applyAll(opts())).results.flatMap((r) => r.failed)).toEqual([]);
    writeOutdir(path.join(fx.dir, "out"), { one: [token("a")] });
  });

  it("is left alone, and every plan says so and how to delete, forget or move its resources", async () => {
    const run = await planAll(opts());
    expect(run.plan.summary).toMatchObject({ add: 0, change: 0, destroy: 0 });
    expect(run.ctx.notices).toEqual([
      'state holds stack "two" (2 resources), which the app no longer declares: nothing in it is changed. To delete its resources: reposmith destroy --stack two; ' +
        "to keep them unmanaged: reposmith state rm each key (reposmith state list --stack two); if it was renamed: reposmith state mv each key to the new stack",
    ]);
    await applyAll(opts());
    expect(await names()).toEqual(["Default", "a", "b", "c"]);
  });

  it("destroy --stack names it and deletes what state has of it; then nothing is said any more", async () => {
    const run = await applyAll(opts({ stacks: ["two"] }), { destroy: true });
    expect(run.plan.summary).toMatchObject({ destroy: 2 });
    expect(run.results.flatMap((r) => r.failed)).toEqual([]);
    expect(await names()).toEqual(["Default", "a"]);
    expect((await planAll(opts())).ctx.notices).toEqual([]);
  });

  it("a stack neither the app nor state knows is still refused", async () => {
    await expect(planAll(opts({ stacks: ["three"] }))).rejects.toThrow(/unknown stack "three": the app has "one"/);
  });
});

describe("one object, two stacks: a construct or a stack moved without state mv", () => {
  const out = () => path.join(fx.dir, "out");
  const failures = (run: Awaited<ReturnType<typeof applyAll>>) => run.results.flatMap((r) => r.failed);
  const copy = (id: string) => ({
    id,
    kind: "PackageCopy",
    spec: {
      source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } },
      destination: "prod",
    },
  });
  /** left-pad copied into acme/prod by construct `id` of `stack`, applied; returns the copy. */
  const copied = async (stack: string, id: string) => {
    await seedPackages(fx.t, [npm("left-pad", "1.3.0")]);
    writeOutdir(out(), { [stack]: [copy(id)] });
    expect(failures(await applyAll(opts()))).toEqual([]);
    return (await packagesIn(fx.t, "prod"))[0];
  };

  it("a token moved to another stack: the plan says the old one goes first and how to keep it; apply works whatever the stacks' order", async () => {
    writeOutdir(out(), { a: [token("t1"), token("t2")] });
    expect(failures(await applyAll(opts()))).toEqual([]);
    // The new stack comes first in the app; the one that frees the name is applied first anyway.
    writeOutdir(out(), { b: [token("t2")], a: [token("t1")] });
    const { plan } = await planAll(opts());
    const moved = plan.stacks.find((s) => s.stack === "b")!.resources[0];
    expect(moved.notice).toBe(
      'a token named "t2" in acme/prod is deleted first (a/t2, removed from stack "a"); if it moved here, keep it and its secret instead: reposmith state mv a/t2 b/t2',
    );
    expect(failures(await applyAll(opts()))).toEqual([]);
    expect(await names()).toEqual(["Default", "t1", "t2"]);
  });

  it("a renamed stack whose token is still in the old stack's state: the plan says to state mv it, not to import it", async () => {
    writeOutdir(out(), { old: [token("ci")] });
    expect(failures(await applyAll(opts()))).toEqual([]);
    const id = (await new FileStateStore(path.join(fx.dir, "state")).read("old")).resources["old/ci"].id;
    writeOutdir(out(), { new: [token("ci")] });
    const { plan } = await planAll(opts());
    expect(plan.stacks[0].resources[0].notice).toBe(
      `will fail: a token named "ci" in acme/prod is ${id}, which state holds as old/ci; if it moved here, keep it (and its secret): reposmith state mv old/ci new/ci`,
    );
  });

  it("a renamed construct whose old key retains its token: the plan says state mv (import would be refused: the old key holds it)", async () => {
    writeOutdir(out(), { app: [token("ci", {}, { deletionPolicy: "retain" })] });
    expect(failures(await applyAll(opts()))).toEqual([]);
    const id = (await new FileStateStore(path.join(fx.dir, "state")).read("app")).resources["app/ci"].id;
    writeOutdir(out(), { app: [{ ...token("ci"), id: "ci2" }] });
    const { plan } = await planAll(opts());
    expect(plan.stacks[0].resources.find((r) => r.key === "app/ci2")!.notice).toBe(
      `will fail: a token named "ci" in acme/prod is ${id}, which state holds as app/ci; if it moved here, keep it (and its secret): reposmith state mv app/ci app/ci2`,
    );
  });

  it("a copy adopted by a renamed stack: the plan says state mv; destroying the old stack then forgets it instead of deleting it", async () => {
    const pkg = await copied("old", "lp");
    writeOutdir(out(), { new: [copy("lp")] });
    const { plan } = await planAll(opts());
    expect(plan.stacks[0].resources[0]).toMatchObject({
      action: "adopt",
      notice: expect.stringContaining(
        `state also holds acme.prod.${pkg.slug_perm} as old/lp: if it moved here, run "reposmith state mv old/lp new/lp" instead`,
      ),
    });
    expect(failures(await applyAll(opts()))).toEqual([]);

    const destroy = await applyAll(opts({ stacks: ["old"] }), { destroy: true });
    expect(destroy.plan.stacks[0].resources[0]).toMatchObject({
      action: "forget",
      notice: `not deleted: new/lp (stack "new") manages the same object (acme.prod.${pkg.slug_perm}); only this entry is removed from state`,
    });
    expect(failures(destroy)).toEqual([]);
    expect((await packagesIn(fx.t, "prod")).map((p) => p.slug_perm)).toEqual([pkg.slug_perm]);
  });

  it("a PackageCopy construct renamed within its stack is adopted under the new key and the old entry forgotten: the package stays", async () => {
    const pkg = await copied("app", "lp");
    writeOutdir(out(), { app: [copy("lp2")] });
    const run = await applyAll(opts());
    expect(run.plan.stacks[0].resources.map((r) => [r.key, r.action]).sort()).toEqual([
      ["app/lp", "forget"],
      ["app/lp2", "adopt"],
    ]);
    expect(failures(run)).toEqual([]);
    expect((await packagesIn(fx.t, "prod")).map((p) => p.slug_perm)).toEqual([pkg.slug_perm]);
    expect((await planAll(opts())).plan.summary).toMatchObject({ add: 0, change: 0, destroy: 0 });
  });
});

/** A stack the app no longer declares (removed or renamed) while state still holds its resources. */
import path from "node:path";
import { applyAll, FileStateStore, planAll } from "../../src/engine";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";
import { token, writeOutdir } from "../helpers/outdir";

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

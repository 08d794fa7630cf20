/**
 * How often apply rewrites the state: after each operation, but paced. A write rewrites the whole
 * state, so the next one starts no sooner than three times the last one's duration after it ended,
 * and the end of the apply writes at once (src/engine/apply.ts, StateWriter).
 */
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import { applyAll, FileStateStore, type StackState } from "../../src/engine";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-writes-");

/** A file store whose writes take at least `ms` (as a large state's do) and that records when each ran. */
class SlowStore extends FileStateStore {
  readonly writes: { start: number; end: number; resources: number }[] = [];
  constructor(
    dir: string,
    private readonly ms: number,
  ) {
    super(dir);
  }
  override async write(state: StackState): Promise<StackState> {
    const start = Date.now();
    const resources = Object.keys(state.resources).length;
    await new Promise((r) => setTimeout(r, this.ms));
    const written = await super.write(state);
    this.writes.push({ start, end: Date.now(), resources });
    return written;
  }
}

it("paces state writes during a large apply and writes the whole result at its end", async () => {
  const outdir = path.join(fx.dir, "cdktf.out");
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "app");
  for (let i = 0; i < 120; i++)
    new EntitlementToken(stack, `t${i}`, { owner: "acme", repository: "prod", name: `t${i}` });
  app.synth();
  const store = new SlowStore(path.join(fx.dir, "state"), 40);
  const run = await applyAll({ outdir, store, env: fx.t.env, clientOptions: FAST_RETRIES, parallelism: 4 });
  expect(run.results[0].failed).toEqual([]);
  const w = store.writes;
  // Every write but the last (the end of the apply's, which does not wait) kept its distance from the one before.
  for (let i = 1; i < w.length - 1; i++) {
    const gap = w[i].start - w[i - 1].end;
    expect(gap).toBeGreaterThanOrEqual(3 * (w[i - 1].end - w[i - 1].start) - 15);
  }
  expect(w.length).toBeGreaterThanOrEqual(2);
  expect(w[w.length - 1].resources).toBe(120);
  expect(Object.keys((await new FileStateStore(path.join(fx.dir, "state")).read("app")).resources)).toHaveLength(120);
});

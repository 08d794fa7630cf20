/**
 * Plans in one process (the controller's passes) reuse what an unchanged list page parsed to
 * (api/http/reused-bodies.ts): the same observations, no new objects, and yet every change made by
 * hand between two plans is seen.
 */
import path from "node:path";
import { applyAll, FileStateStore, planAll, type RunOptions } from "../../src/engine";
import { reusedBodies } from "../../src/api/http/reused-bodies";
import { writeOutdir } from "../helpers/outdir";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-reused-");

function options(): RunOptions {
  const outdir = path.join(fx.dir, "out");
  writeOutdir(outdir, {
    app: ["ci", "cd"].map((n) => ({
      id: n,
      spec: { owner: "acme", repository: "prod", name: n, limits: { numDownloads: 10 } },
    })),
  });
  return { outdir, store: new FileStateStore(path.join(fx.dir, "state")), env: fx.t.env, clientOptions: FAST_RETRIES };
}

async function plan(opts: RunOptions) {
  const run = await planAll(opts);
  const byKey = new Map(run.plan.stacks[0].resources.map((r) => [r.key, r]));
  const reused = run.ctx.clients.all().reduce((n, c) => n + c.stats.reused, 0);
  return { byKey, reused };
}

const slugOf = async (name: string) =>
  (await fx.t.tokens("acme", "prod")).find((t) => t.name === name).slug_perm as string;

describe("plans in one process", () => {
  beforeEach(() => reusedBodies.clear());

  it("observe an unchanged page as the very same frozen fields, with nothing to do", async () => {
    const opts = options();
    await applyAll(opts);
    const first = await plan(opts);
    const second = await plan(opts);
    expect([...second.byKey.values()].map((r) => r.action)).toEqual(["noop", "noop"]);
    expect(second.reused).toBe(1);
    for (const key of ["app/ci", "app/cd"]) {
      const fields = second.byKey.get(key)!.observed!.fields;
      expect(fields).toBe(first.byKey.get(key)!.observed!.fields);
      expect(Object.isFrozen(fields)).toBe(true);
    }
  });

  it("see a token edited by hand between two plans", async () => {
    const opts = options();
    await applyAll(opts);
    await plan(opts);
    const edited = await fx.t.api("PATCH", `/entitlements/acme/prod/${await slugOf("ci")}/`, {
      limit_num_downloads: 99,
    });
    expect(edited.status).toBe(200);
    const after = await plan(opts);
    expect(after.reused).toBe(0);
    const ci = after.byKey.get("app/ci")!;
    expect(ci.action).toBe("update");
    expect(ci.changes).toEqual([expect.objectContaining({ path: "limit_num_downloads", old: 99, new: 10 })]);
    expect(after.byKey.get("app/cd")!.action).toBe("noop");
  });

  it("see a token deleted by hand between two plans", async () => {
    const opts = options();
    await applyAll(opts);
    await plan(opts);
    expect((await fx.t.api("DELETE", `/entitlements/acme/prod/${await slugOf("cd")}/`)).status).toBe(204);
    const after = await plan(opts);
    expect(after.byKey.get("app/cd")!.action).toBe("create");
    expect(after.byKey.get("app/ci")!.action).toBe("noop");
  });
});

import { spawn } from "node:child_process";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import {
  applyAll,
  FileStateStore,
  importResource,
  planAll,
  removeFromState,
  renderPlan,
  StateEntryError,
  type StackState,
} from "../../src/engine";
import { ROOT, emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-adopt-");

function synth(names: string[]): string {
  const outdir = path.join(fx.dir, "cdktf.out");
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "app");
  for (const n of names) new EntitlementToken(stack, n, { owner: "acme", repository: "prod", name: n });
  app.synth();
  return outdir;
}

const tagged = async (key: string) => (await fx.t.tokens("acme", "prod")).filter((x) => x.metadata?.key === key);
const POST_CREATE = "POST /entitlements/{owner}/{repo}/";
const LIST = "GET /entitlements/{owner}/{repo}/";

/** A store whose writes fail: the process "dies" after the API call and before the state write. */
class CrashingStore extends FileStateStore {
  override async write(_state: StackState): Promise<StackState> {
    throw new Error("simulated crash before the state write");
  }
}

describe("adoption by the metadata tag", () => {
  it("adopts the token after a crash between the create request and the state write: still exactly one", async () => {
    const outdir = synth(["ci"]);
    await expect(
      applyAll({
        outdir,
        store: new CrashingStore(path.join(fx.dir, "state")),
        env: fx.t.env,
        clientOptions: FAST_RETRIES,
      }),
    ).rejects.toThrow(/simulated crash/);
    expect(await tagged("app/ci")).toHaveLength(1);

    const store = new FileStateStore(path.join(fx.dir, "state"));
    const { plan } = await planAll({ outdir, store, env: fx.t.env, clientOptions: FAST_RETRIES });
    expect(plan.stacks[0].resources[0].action).toBe("adopt");
    expect(renderPlan(plan)).toMatch(
      /# app\/ci \(EntitlementToken .*\) will be adopted \(found by its reposmith tag; state updated, no API write\)/,
    );
    const run = await applyAll({ outdir, store, env: fx.t.env, clientOptions: FAST_RETRIES });
    expect(run.results[0].failed).toEqual([]);
    const tokens = await tagged("app/ci");
    expect(tokens).toHaveLength(1);
    expect((await store.read("app")).resources["app/ci"].id).toBe(`acme.prod.${tokens[0].slug_perm}`);
    expect(fx.t.emu.stats().requests.byRoute[POST_CREATE]).toBe(1);
  });

  it("survives kill -9 of `reposmith apply` while the create is in flight", async () => {
    const outdir = synth(["ci"]);
    // The server creates the token, then holds the response: the client dies before it can record it.
    await fx.t.admin("POST", "/faults", {
      rules: [
        {
          method: "POST",
          path: "^/v1/entitlements/acme/prod/?$",
          status: 201,
          times: 1,
          afterHandler: true,
          delayMs: 10_000,
        },
      ],
    });
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "bin/reposmith.js"),
        "apply",
        "--auto-approve",
        "--skip-synth",
        "--output",
        outdir,
        "--state",
        path.join(fx.dir, "state"),
      ],
      {
        env: fx.t.env,
        stdio: "ignore",
      },
    );
    const exited = new Promise((r) => child.once("exit", r));
    const deadline = Date.now() + 30_000;
    while ((await tagged("app/ci")).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(child.exitCode).toBeNull(); // still waiting for the reply: the crash lands between create and state write
    child.kill("SIGKILL");
    await exited;
    await fx.t.admin("DELETE", "/faults");
    expect(await tagged("app/ci")).toHaveLength(1);

    const store = new FileStateStore(path.join(fx.dir, "state"));
    const run = await applyAll({ outdir, store, env: fx.t.env, clientOptions: FAST_RETRIES });
    expect(run.results[0].failed).toEqual([]);
    expect(await tagged("app/ci")).toHaveLength(1);
    expect(fx.t.emu.stats().requests.byRoute[POST_CREATE]).toBe(1);
  });

  it("does not retry a create that failed with a 5xx after the server acted: it lists and adopts instead", async () => {
    const outdir = synth(["ci"]);
    await fx.t.admin("POST", "/faults", {
      rules: [{ method: "POST", path: "^/v1/entitlements/acme/prod/?$", status: 503, times: 1, afterHandler: true }],
    });
    const run = await applyAll({
      outdir,
      store: new FileStateStore(path.join(fx.dir, "state")),
      env: fx.t.env,
      clientOptions: FAST_RETRIES,
    });
    expect(run.results[0].failed).toEqual([]);
    expect(await tagged("app/ci")).toHaveLength(1);
    expect(fx.t.emu.stats().requests.byRoute[POST_CREATE]).toBe(1);
  });

  it("sends a create again in the same run when a 5xx POST did not act and the list shows nothing landed", async () => {
    const lists = () => fx.t.emu.stats().requests.byRoute[LIST] ?? 0;
    const listsFor = async (name: string, state: string) => {
      const before = lists();
      const run = await applyAll({
        outdir: synth([name]),
        store: new FileStateStore(path.join(fx.dir, state)),
        env: fx.t.env,
        clientOptions: FAST_RETRIES,
        // No list lag allowed for: one look is then enough (list-lag.test.ts has it looking longer).
        listLagMs: 0,
      });
      expect(run.results[0].failed).toEqual([]);
      return lists() - before;
    };
    const plain = await listsFor("control", "control-state");
    await fx.t.admin("POST", "/faults", {
      rules: [{ method: "POST", path: "^/v1/entitlements/acme/prod/?$", status: 503, times: 1 }],
    });
    const faulted = await listsFor("ci", "state");
    expect(await tagged("app/ci")).toHaveLength(1);
    expect(fx.t.emu.stats().requests.byRoute[POST_CREATE]).toBe(3); // the control's, then ours twice
    // It looked before sending again: one list more than the same apply without the 503.
    expect(faulted).toBe(plain + 1);
    const store = new FileStateStore(path.join(fx.dir, "state"));
    expect(Object.keys((await store.read("app")).resources)).toEqual(["app/ci"]);
  });

  it("fails the create cleanly (nothing recorded, nothing duplicated) when every attempt gets a 5xx, and the next apply converges", async () => {
    const outdir = synth(["ci"]);
    await fx.t.admin("POST", "/faults", {
      rules: [
        { method: "POST", path: "^/v1/entitlements/acme/prod/?$", status: 503, times: FAST_RETRIES.maxRetries + 1 },
      ],
    });
    const store = new FileStateStore(path.join(fx.dir, "state"));
    const run = await applyAll({ outdir, store, env: fx.t.env, clientOptions: FAST_RETRIES });
    expect(run.results[0].failed).toHaveLength(1);
    expect(String(run.results[0].failed[0].error)).toMatch(/503/);
    expect(fx.t.emu.stats().requests.byRoute[POST_CREATE]).toBe(FAST_RETRIES.maxRetries + 1);
    expect(await tagged("app/ci")).toHaveLength(0);
    expect((await store.read("app")).resources).toEqual({});
    const again = await applyAll({ outdir, store, env: fx.t.env, clientOptions: FAST_RETRIES });
    expect(again.results[0].failed).toEqual([]);
    expect(await tagged("app/ci")).toHaveLength(1);
  });
});

describe("import", () => {
  it("refuses an id another stack already manages, before any API write, and leaves both states as they were", async () => {
    const outdir = path.join(fx.dir, "cdktf.out");
    const app = new App({ outdir });
    new EntitlementToken(new TerraformStack(app, "team-a"), "ci", { owner: "acme", repository: "prod", name: "ci" });
    new EntitlementToken(new TerraformStack(app, "team-b"), "ci", { owner: "acme", repository: "prod", name: "ci-b" });
    app.synth();
    const store = new FileStateStore(path.join(fx.dir, "state"));
    const opts = { outdir, store, env: fx.t.env, clientOptions: FAST_RETRIES };
    expect((await applyAll(opts)).results.flatMap((r) => r.failed)).toEqual([]);
    const a = await store.read("team-a");
    const b = await store.read("team-b");
    await removeFromState(store, "team-b/ci");
    const writes = await fx.t.writes();

    const err = await importResource(opts, "team-b/ci", a.resources["team-a/ci"].id).catch((e) => e);
    expect(err).toBeInstanceOf(StateEntryError);
    expect(err.message).toBe(
      `${a.resources["team-a/ci"].id} is already managed by team-a/ci; run "reposmith state rm team-a/ci" first to import it under team-b/ci`,
    );
    expect(await fx.t.writes()).toBe(writes);
    expect(await store.read("team-a")).toEqual(a);
    expect((await store.read("team-b")).resources).toEqual({});
    // The object the other stack no longer holds imports fine.
    await expect(importResource(opts, "team-b/ci", b.resources["team-b/ci"].id)).resolves.toMatchObject({
      id: b.resources["team-b/ci"].id,
    });
  });
});

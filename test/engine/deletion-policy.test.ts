/**
 * An explicit deletionPolicy "retain" keeps the remote object wherever reposmith would otherwise
 * delete it: on removal from the app, on `destroy`, and on the Terraform path (the stack's runner,
 * which records the lifecycle in state, and the records' destroy spool).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import {
  applyAll,
  destroyStack,
  drainSpool,
  envRefs,
  FileStateStore,
  planAll,
  renderPlan,
  runStack,
} from "../../src/engine";
import type { Lifecycle } from "../../src/resources/lifecycle";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-retain-");

const names = async () =>
  (await fx.t.tokens("acme", "prod"))
    .filter((x) => !x.default)
    .map((x) => x.name)
    .sort();

describe("deletionPolicy retain", () => {
  it("destroy forgets a retained token and leaves it in the repository; the others are deleted", async () => {
    const outdir = path.join(fx.dir, "cdktf.out");
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "app");
    new EntitlementToken(stack, "keep", { owner: "acme", repository: "prod", name: "keep", deletionPolicy: "retain" });
    new EntitlementToken(stack, "drop", { owner: "acme", repository: "prod", name: "drop" });
    new EntitlementToken(stack, "gone", { owner: "acme", repository: "prod", name: "gone", deletionPolicy: "delete" });
    app.synth();
    const store = new FileStateStore(path.join(fx.dir, "state"));
    const opts = { outdir, store, env: fx.t.env, clientOptions: FAST_RETRIES };
    await applyAll(opts);
    expect(await names()).toEqual(["drop", "gone", "keep"]);

    const { plan } = await planAll(opts, { destroy: true });
    const keep = plan.stacks[0].resources.find((r) => r.key === "app/keep")!;
    expect(keep.action).toBe("forget");
    expect(keep.notice).toMatch(/retained \(deletionPolicy "retain"\)/);
    expect(plan.summary).toMatchObject({ destroy: 2, forget: 1 });
    expect(renderPlan(plan)).toMatch(
      /app\/keep \(EntitlementToken acme\/prod "keep"\) will be removed from state; the remote object is kept[\s\S]*Plan: 0 to add, 0 to change, 2 to destroy, 1 to forget\./,
    );

    const run = await applyAll(opts, { destroy: true });
    expect(run.results[0].failed).toEqual([]);
    expect(await names()).toEqual(["keep"]);
    expect(Object.keys((await store.read("app")).resources)).toEqual([]);
    // At rest: a second destroy has nothing left to do.
    expect((await planAll(opts, { destroy: true })).plan.summary).toMatchObject({ destroy: 0 });
  });

  it("a change of deletionPolicy alone reaches state, so removing the construct then honours it", async () => {
    const outdir = path.join(fx.dir, "cdktf.out");
    const synth = (policy: "retain" | "delete" | undefined, declared = true) => {
      const app = new App({ outdir });
      const stack = new TerraformStack(app, "app");
      if (declared)
        new EntitlementToken(stack, "t", { owner: "acme", repository: "prod", name: "t", deletionPolicy: policy });
      new EntitlementToken(stack, "other", { owner: "acme", repository: "prod", name: "other" });
      app.synth();
    };
    const store = new FileStateStore(path.join(fx.dir, "state"));
    const opts = { outdir, store, env: fx.t.env, clientOptions: FAST_RETRIES };
    synth("delete");
    await applyAll(opts);
    synth("retain");
    const run = await applyAll(opts);
    expect(run.plan.summary).toMatchObject({ add: 0, change: 0, destroy: 0 }); // nothing remote changes
    expect((await store.read("app")).resources["app/t"].lifecycle).toEqual({ deletionPolicy: "retain" });
    synth(undefined, false);
    const removal = await planAll(opts);
    expect(removal.plan.stacks[0].resources.find((r) => r.key === "app/t")!.action).toBe("forget");
    await applyAll(opts);
    expect(await names()).toEqual(["other", "t"]);

    // And back: "retain" -> unset is recorded too (unset: apply deletes a removed construct).
    synth("retain");
    await applyAll(opts); // adopted again by its tag
    synth(undefined);
    await applyAll(opts);
    expect((await store.read("app")).resources["app/t"].lifecycle).toBeUndefined();
  });

  describe("through the Terraform path (the stack's runner and the records' spool)", () => {
    /** Synthesizes `tokens` (name -> deletionPolicy) into one stack and returns the runner's files. */
    const synthStack = (tokens: Record<string, Lifecycle["deletionPolicy"]>) => {
      const outdir = path.join(fx.dir, "cdktf.out");
      const app = new App({ outdir });
      const stack = new TerraformStack(app, "app");
      for (const [name, deletionPolicy] of Object.entries(tokens))
        new EntitlementToken(stack, name, { owner: "acme", repository: "prod", name, deletionPolicy });
      app.synth();
      return {
        stackFile: path.join(outdir, "stacks", "app", "cdk.tf.json"),
        outputsFile: path.join(fx.dir, "outputs.tfstate"),
        spool: path.join(fx.dir, "spool"),
      };
    };
    const options = () => ({
      store: new FileStateStore(path.join(fx.dir, "state")),
      env: fx.t.env,
      clientOptions: FAST_RETRIES,
    });
    const spoolKey = (files: { spool: string }, key: string) => {
      mkdirSync(path.join(files.spool, "keys"), { recursive: true });
      writeFileSync(path.join(files.spool, "keys", key.replace("/", "_")), key);
    };

    it("the runner records the lifecycle; a full destroy then keeps a retained token", async () => {
      const opts = options();
      const files = synthStack({ keep: "retain", drop: undefined });
      await runStack(opts, { stack: "app" }, files, envRefs({}));
      expect((await opts.store.read("app")).resources["app/keep"].lifecycle).toEqual({ deletionPolicy: "retain" });

      await destroyStack(opts, { stack: "app" }, files);
      expect(await names()).toEqual(["keep"]);
      expect((await opts.store.read("app")).resources).toEqual({});
    });

    it("a targeted destroy (a record's key spooled) deletes that token only, as its lifecycle says", async () => {
      const opts = options();
      const files = synthStack({ keep: "retain", drop: undefined, gone: undefined, stays: undefined });
      await runStack(opts, { stack: "app" }, files, envRefs({}));
      // One spooled token is already gone (deleted by hand): its delete succeeds all the same.
      const gone = (await fx.t.tokens("acme", "prod")).find((x) => x.name === "gone");
      await fx.t.api("DELETE", `/entitlements/acme/prod/${gone.slug_perm}/`);
      for (const key of ["app/keep", "app/drop", "app/gone"]) spoolKey(files, key);
      await drainSpool(opts, files, 50, false);
      expect(await names()).toEqual(["keep", "stays"]);
      expect(Object.keys((await opts.store.read("app")).resources)).toEqual(["app/stays"]);
    });

    it("a run with only a new lifecycle records it, and a removed retained construct is kept", async () => {
      const opts = options();
      await runStack(opts, { stack: "app" }, synthStack({ t: "delete", other: undefined }), envRefs({}));
      await runStack(opts, { stack: "app" }, synthStack({ t: "retain", other: undefined }), envRefs({}));
      expect((await opts.store.read("app")).resources["app/t"].lifecycle).toEqual({ deletionPolicy: "retain" });
      await runStack(opts, { stack: "app" }, synthStack({ other: undefined }), envRefs({}));
      expect(await names()).toEqual(["other", "t"]);
      expect(Object.keys((await opts.store.read("app")).resources)).toEqual(["app/other"]);
    });
  });
});

/**
 * An explicit deletionPolicy "retain" keeps the remote object wherever reposmith would otherwise
 * delete it: on removal from the app, on `destroy`, and through Terraform's destroy provisioner and
 * prune hook (which need the lifecycle recorded in state by the create hook).
 */
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import { applyAll, FileStateStore, hookApply, hookDelete, hookPrune, planAll, renderPlan } from "../../src/engine";
import { EntitlementTokenSpecSchema } from "../../src/resources/entitlement-token";
import { makePayload } from "../../src/resources/payload";
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

  describe("through Terraform's hooks", () => {
    const payload = (name: string, lifecycle?: Lifecycle) =>
      makePayload(
        "EntitlementToken",
        `app/${name}`,
        EntitlementTokenSpecSchema.parse({ owner: "acme", repository: "prod", name }),
        undefined,
        lifecycle,
      );

    it("the create hook records the lifecycle; the destroy provisioner then keeps a retained token", async () => {
      const store = new FileStateStore(path.join(fx.dir, "state"));
      const opts = { store, env: fx.t.env, clientOptions: FAST_RETRIES };
      const keep = payload("keep", { deletionPolicy: "retain" });
      const drop = payload("drop");
      await hookApply(opts, keep);
      await hookApply(opts, drop);
      expect((await store.read("app")).resources["app/keep"].lifecycle).toEqual({ deletionPolicy: "retain" });

      await hookDelete(opts, keep);
      await hookDelete(opts, drop);
      expect(await names()).toEqual(["keep"]);
      expect((await store.read("app")).resources).toEqual({});
    });

    it("a re-run of the create hook with only a new lifecycle records it", async () => {
      const store = new FileStateStore(path.join(fx.dir, "state"));
      const opts = { store, env: fx.t.env, clientOptions: FAST_RETRIES };
      await hookApply(opts, payload("t", { deletionPolicy: "delete" }));
      await hookApply(opts, payload("t", { deletionPolicy: "retain" }));
      expect((await store.read("app")).resources["app/t"].lifecycle).toEqual({ deletionPolicy: "retain" });
      await hookPrune(opts, "app", []);
      expect(await names()).toEqual(["t"]);
    });

    it("the prune hook keeps a retained token whose block was removed", async () => {
      const store = new FileStateStore(path.join(fx.dir, "state"));
      const opts = { store, env: fx.t.env, clientOptions: FAST_RETRIES };
      await hookApply(opts, payload("keep", { deletionPolicy: "retain" }));
      await hookApply(opts, payload("drop", { deletionPolicy: "delete" }));
      await hookPrune(opts, "app", []);
      expect(await names()).toEqual(["keep"]);
      expect((await store.read("app")).resources).toEqual({});
    });
  });
});

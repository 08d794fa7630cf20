import type { ResourcePlan } from "../../src/engine";
import { Backoff, decide, parseListen, toApply } from "../../src/controller";

const rs = (generation = "g1", lifecycle?: object) => ({
  kind: "EntitlementToken",
  id: "acme.prod.a",
  generation,
  spec: {},
  observed: {},
  appliedAt: "x",
  lifecycle,
});
const plan = (over: Partial<ResourcePlan>): ResourcePlan =>
  ({
    stack: "app",
    key: "app/ci",
    kind: "EntitlementToken",
    label: "ci",
    action: "noop",
    changes: [],
    generation: "g1",
    ...over,
  }) as ResourcePlan;
const upd = (path: string, effect: "update" | "rotate" | "reset" = "update") => ({ path, old: 1, new: 2, effect });

describe("drift policies", () => {
  it("treats an out-of-band change (same generation) as drift, decided by the resource's policy, else the default", () => {
    const p = plan({ action: "update", state: rs(), changes: [upd("limit_num_downloads")] });
    expect(decide(p, {}, "correct")).toMatchObject({ kind: "drift", status: "changed", policy: "correct", apply: p });
    expect(decide(p, {}, "report")).toMatchObject({ kind: "drift", policy: "report", apply: undefined });
    expect(decide(p, { driftPolicy: "ignore" }, "correct")).toMatchObject({
      kind: "drift",
      policy: "ignore",
      apply: undefined,
    });
    expect(decide(p, { driftPolicy: "correct" }, "report")).toMatchObject({
      kind: "drift",
      policy: "correct",
      apply: p,
    });
  });

  it("treats a remote object deleted by hand as drift (status deleted)", () => {
    expect(decide(plan({ action: "create", state: rs() }), undefined, "report")).toMatchObject({
      kind: "drift",
      status: "deleted",
      apply: undefined,
    });
  });

  it("always applies what comes from the configuration: new, edited, adopted resources", () => {
    for (const p of [
      plan({ action: "create" }),
      plan({ action: "update", state: rs("g0"), changes: [upd("name")] }),
      plan({ action: "adopt" }),
    ]) {
      const d = decide(p, { driftPolicy: "ignore" }, "ignore");
      expect(d.kind).toBe("apply");
      expect(toApply(d)).toBe(p);
    }
  });

  it("applies a resource that runs again after this plan's changes to what it depends on (a sync after its source's tokens), even in report mode", () => {
    const sync = plan({
      kind: "EntitlementSync",
      action: "update",
      state: rs(),
      after: ["app/ci"],
      changes: [upd('tokens["ci"]'), upd("(after this plan's changes)")],
    });
    const d = decide(sync, { driftPolicy: "report" }, "report");
    expect(d.kind).toBe("apply");
    expect(toApply(d)).toBe(sync);
    // Without a change of its own source in this plan, the same differences are drift.
    expect(decide({ ...sync, after: undefined }, undefined, "report")).toMatchObject({
      kind: "drift",
      apply: undefined,
    });
  });

  it("carries out a due rotation or reset even when drift is only reported", () => {
    const rotation = plan({ action: "update", state: rs(), changes: [upd("token", "rotate")] });
    expect(decide(rotation, undefined, "report").kind).toBe("apply");
    const mixed = plan({ action: "update", state: rs(), changes: [upd("token", "rotate"), upd("is_active")] });
    const d = decide(mixed, undefined, "report");
    expect(d).toMatchObject({ kind: "drift", policy: "report" });
    expect(toApply(d)?.changes.map((c) => c.path)).toEqual(["token"]);
  });

  it("in report mode, a due rotation never carries out a replacement the drift asks for", () => {
    const moved = plan({
      action: "replace",
      state: rs(),
      changes: [{ path: "repository", old: "acme/dev", new: "acme/prod", effect: "replace" }, upd("token", "rotate")],
    });
    expect(decide(moved, undefined, "report")).toMatchObject({ kind: "drift", policy: "report", apply: undefined });
  });

  it("a removed resource already gone remotely is only dropped from state, whatever its deletionPolicy", () => {
    const gone = plan({ action: "forget", generation: undefined, state: rs() });
    const d = decide(gone, null, "correct");
    expect(d.kind).toBe("prune");
    expect(toApply(d)).toBe(gone);
    expect(toApply(d)?.notice).toBeUndefined();
  });

  it("retains removed resources unless their deletionPolicy is delete", () => {
    const gone = plan({ action: "delete", generation: undefined, state: rs() });
    const retained = decide(gone, null, "correct");
    expect(retained.kind).toBe("retain");
    expect(toApply(retained)?.action).toBe("forget");
    const pruned = decide(
      plan({ action: "delete", generation: undefined, state: rs("g1", { deletionPolicy: "delete" }) }),
      null,
      "correct",
    );
    expect(pruned.kind).toBe("prune");
    expect(toApply(pruned)?.action).toBe("delete");
  });
});

describe("backoff", () => {
  it("doubles per consecutive failure up to the cap, and a success resets it", () => {
    let now = 0;
    const b = new Backoff({ baseMs: 1000, maxMs: 8000, now: () => now, random: () => 0.5 });
    expect([b.fail("k"), b.fail("k"), b.fail("k"), b.fail("k"), b.fail("k")]).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(b.blocked("k")).toBe(true);
    expect(b.blocked("other")).toBe(false);
    now += 8001;
    expect(b.blocked("k")).toBe(false);
    b.succeed("k");
    expect(b.fail("k")).toBe(1000);
  });

  it("jitters by ±20 %, counts failures per key, and says when the earliest blocked key may retry", () => {
    let now = 10_000;
    let r = 0;
    const b = new Backoff({ baseMs: 1000, maxMs: 60_000, now: () => now, random: () => r });
    expect(b.nextRetryIn()).toBeUndefined();
    expect(b.fail("a")).toBe(800); // the low end: 0.8 x 1000
    r = 0.999;
    expect(b.fail("b")).toBe(1200); // the high end: about 1.2 x 1000
    expect(b.fail("b")).toBe(2399);
    expect([b.failures("a"), b.failures("b"), b.failures("c")]).toEqual([1, 2, 0]);
    expect(b.nextRetryIn()).toBe(800);
    now += 800; // "a" is free again (not blocked at its very end), "b" still waits
    expect(b.blocked("a")).toBe(false);
    expect(b.nextRetryIn()).toBe(1599);
    now += 1599;
    expect(b.nextRetryIn()).toBeUndefined();
    b.succeed("b");
    expect(b.failures("b")).toBe(0);
  });
});

describe("--listen", () => {
  it("parses host:port and [v6]:port (that host only), :port and port (every interface)", () => {
    expect(parseListen("127.0.0.1:9464")).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(parseListen("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(parseListen(":0")).toEqual({ port: 0 });
    expect(parseListen("9464")).toEqual({ port: 9464 });
    expect(() => parseListen("localhost:99999")).toThrow(/--listen/);
  });
});

/** What the controller says and counts when a pass cannot start: no synth output, a failing synth, a lock it cannot take. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { exitCodeOf } from "../../src/controller";
import { FileStateStore } from "../../src/engine";
import type { TestEmulator } from "../helpers/harness";
import { token, writeOutdir } from "../helpers/outdir";
import { metric, emulatorAndDir, testController, waitFor, type TempDir } from "./helpers";

let t: TestEmulator;
let w: TempDir;
emulatorAndDir("reposmith-ctl-err-", (emulator, dir) => {
  t = emulator;
  w = dir;
});

describe("a pass that cannot read what to reconcile", () => {
  it("an unreadable manifest: one error naming the output directory, nothing applied, exit 1, counted under stack *", async () => {
    mkdirSync(w.outdir, { recursive: true });
    writeFileSync(path.join(w.outdir, "manifest.json"), "{ not json");
    const { controller, lines } = testController(t, { outdir: w.outdir, store: w.store() });
    const r = await controller.reconcileOnce();
    expect(exitCodeOf(r)).toBe(1);
    expect(r.stacks).toEqual([]);
    expect(r.stackErrors.map((e) => e.stack)).toEqual(["*"]);
    const err = lines.find((l) => l.level === "error");
    expect(err?.msg).toMatch(
      new RegExp(
        `^the synth output in ${w.outdir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} could not be read; nothing was applied this pass: .*JSON`,
      ),
    );
    expect(err?.err).toMatchObject({ type: "SyntaxError" });
    const m = await controller.metrics.text();
    expect(metric(m, 'reposmith_stack_failures_total{stack="*",reason="SyntaxError"}')).toBe(1);
    expect(metric(m, 'reposmith_reconcile_passes_total{result="error"}')).toBe(1);
    expect(metric(m, 'reposmith_reconcile_passes_total{result="success"}')).toBe(0);
    expect(await t.writes()).toBe(0);
    expect(controller.readiness().ready).toBe(false);
  });

  it("no synth output at all (never synthesized): an error, not a wait", async () => {
    const { controller, lines } = testController(t, { outdir: w.outdir, store: w.store() });
    const r = await controller.reconcileOnce();
    expect(r.stackErrors.map((e) => e.stack)).toEqual(["*"]);
    expect(lines.some((l) => /synth is running/.test(l.msg))).toBe(false);
  });

  it("a failing synth (--app): says the app failed to synthesize and applies nothing; the next pass recovers", async () => {
    let fail = true;
    const { controller, lines } = testController(t, {
      outdir: w.outdir,
      store: w.store(),
      refresh: async () => {
        if (fail) throw new Error("cdktf synth exited with code 1: TypeError in main.ts");
        writeOutdir(w.outdir, { app: [token("ci")] });
      },
    });
    const first = await controller.reconcileOnce();
    expect(first.stackErrors.map((e) => e.stack)).toEqual(["*"]);
    expect(lines.find((l) => l.level === "error")?.msg).toBe(
      "the app failed to synthesize; nothing was applied this pass: cdktf synth exited with code 1: TypeError in main.ts",
    );
    fail = false;
    const second = await controller.reconcileOnce();
    expect(exitCodeOf(second)).toBe(0);
    expect(second.stacks.map((s) => s.stack)).toEqual(["app"]);
    expect((await t.tokens("acme", "prod")).map((x) => x.name)).toContain("ci");
    expect(controller.readiness().ready).toBe(true);
  });
});

describe("the leader lock", () => {
  it("a store that fails to lock: logged as an error, retried, and the controller leads once it can", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    const store = w.store();
    let refusals = 2;
    const lock = store.lock.bind(store);
    store.lock = (async (...args: Parameters<FileStateStore["lock"]>) => {
      if (args[0] === "reposmith-controller" && refusals-- > 0) throw new Error("EACCES: permission denied, open lock");
      return lock(...args);
    }) as FileStateStore["lock"];
    const { controller, lines } = testController(t, { outdir: w.outdir, store, intervalMs: 60_000, standbyPollMs: 20 });
    const running = controller.run();
    try {
      await waitFor("leading", () => controller.readiness().ready, 10_000);
      const errors = lines.filter((l) => l.msg === "could not take the leader lock; retrying");
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatchObject({
        level: "error",
        err: { type: "Error", message: "EACCES: permission denied, open lock" },
      });
      expect(lines.some((l) => /^standby/.test(l.msg))).toBe(false);
      expect(lines.some((l) => l.msg === "leader: this controller reconciles")).toBe(true);
      expect(metric(await controller.metrics.text(), "reposmith_controller_leader")).toBe(1);
    } finally {
      await controller.stop();
      await running;
    }
    expect(metric(await controller.metrics.text(), "reposmith_controller_leader")).toBe(0);
  });
});

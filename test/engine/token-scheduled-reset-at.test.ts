/**
 * scheduledResetAt (`scheduled_reset_at`): sent on create and when the declared value changes; a
 * value Cloudsmith moved (a scheduled reset) is not drift, since the field is compared with what
 * the last apply asked for, not with what the API shows.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken, type EntitlementTokenProps } from "../../src";
import { applyAll, FileStateStore, planAll, renderPlan } from "../../src/engine";
import { startTestEmulator, type TestEmulator } from "../helpers/harness";

let t: TestEmulator;
let dir: string;

beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(() => t.close());
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "reposmith-reset-at-"));
  await t.reseed({ repositories: [{ owner: "acme", slug: "prod" }] });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("EntitlementToken scheduledResetAt", () => {
  it("is sent on create, not drift when Cloudsmith moves it, and sent again when the declared value changes", async () => {
    const store = new FileStateStore(path.join(dir, "state"));
    let n = 0;
    const synth = (more: Partial<EntitlementTokenProps>) => {
      const outdir = path.join(dir, `out-${n++}`);
      const app = new App({ outdir });
      new EntitlementToken(new TerraformStack(app, "app"), "ci", {
        owner: "acme",
        repository: "prod",
        name: "ci",
        ...more,
      });
      app.synth();
      return { outdir, store, env: t.env };
    };
    const ci = async () => (await t.tokens("acme", "prod")).find((x) => x.name === "ci");

    const first = synth({ scheduledResetAt: "2026-06-01T00:00:00Z" });
    const created = (await planAll(first)).plan;
    expect(renderPlan(created)).toMatch(/\+ scheduled_reset_at\s+= "2026-06-01T00:00:00.000Z"/);
    await applyAll(first);
    expect(Date.parse((await ci()).scheduled_reset_at)).toBe(Date.parse("2026-06-01T00:00:00Z"));
    expect(
      JSON.parse(readFileSync(path.join(dir, "state", "app.json"), "utf8")).resources["app/ci"].observed,
    ).toHaveProperty("scheduled_reset_at");

    // A scheduled reset moves it (here: by hand, as Cloudsmith would): nothing to plan.
    const r = await t.api("PATCH", `/entitlements/acme/prod/${(await ci()).slug_perm}/`, {
      scheduled_reset_at: "2026-07-01T00:00:00Z",
    });
    expect(r.status).toBe(200);
    expect((await planAll(first)).plan.stacks[0].resources[0].action).toBe("noop");

    // A new declared value is an update of that field alone, and lands.
    const moved = synth({ scheduledResetAt: "2026-08-01T00:00:00Z" });
    const update = (await planAll(moved)).plan.stacks[0].resources[0];
    expect(update.action).toBe("update");
    expect(update.changes).toEqual([
      {
        path: "scheduled_reset_at",
        old: "2026-06-01T00:00:00.000Z",
        new: "2026-08-01T00:00:00.000Z",
        effect: "update",
      },
    ]);
    await applyAll(moved);
    expect(Date.parse((await ci()).scheduled_reset_at)).toBe(Date.parse("2026-08-01T00:00:00Z"));
    expect((await planAll(moved)).plan.stacks[0].resources[0].action).toBe("noop");

    // Not declared: left as it is.
    const dropped = synth({});
    expect((await planAll(dropped)).plan.stacks[0].resources[0].action).toBe("noop");
  });
});

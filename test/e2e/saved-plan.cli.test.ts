/** Saved plans (`plan --out FILE`, `apply FILE`) and the `--json` envelopes of apply, destroy and state list. */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { cliFixture, reposmith } from "../helpers/harness";

const fx = cliFixture();
const run = fx.run;
const managed = async () =>
  (await fx.t.tokens("acme", "prod")).filter((x) => x.metadata?.["managed-by"] === "reposmith");
/** `reposmith apply FILE` as CI runs it: the state location only (the plan decides the rest). */
const applyFile = (file: string, ...extra: string[]) =>
  reposmith(["apply", file, "--state", "state", ...extra], { cwd: fx.w.dir, env: fx.t.env });

const ci = { id: "ci", props: { owner: "acme", repository: "prod", name: "ci", limits: { numDownloads: 100 } } };
const partner = { id: "partner", props: { owner: "acme", repository: "prod", name: "partner" } };

describe("reposmith plan --out FILE / reposmith apply FILE", () => {
  it("applies exactly the saved plan, without asking, and the same file a second time is refused with no change", async () => {
    fx.w.declare([ci]);
    const plan = await run("plan", "--out", "ci.plan");
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/Saved the plan to: ci\.plan/);
    expect(plan.stdout).toMatch(/reposmith apply ci\.plan/);
    const file = path.join(fx.w.dir, "ci.plan");
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved).toMatchObject({ format: "reposmith-plan", format_version: 1, destroy: false });
    expect(saved.stacks[0]).toMatchObject({ stack: "app", serial: 0 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).not.toContain(fx.t.apiKey);

    // Declared after the plan was made: not in the plan, so not applied by it.
    fx.w.declare([ci, partner]);
    const apply = await applyFile("ci.plan");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/Apply complete! Resources: 1 added, 0 changed, 0 destroyed\./);
    expect((await managed()).map((x) => x.name)).toEqual(["ci"]);
    for (const t of await fx.t.tokens("acme", "prod")) expect(readFileSync(file, "utf8")).not.toContain(t.token);

    const writes = await fx.t.writes();
    const again = await applyFile("ci.plan");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/the saved plan is stale: the state of stack "app" changed since the plan was made/);
    expect(again.stderr).toMatch(/this plan was applied already/);
    expect(await fx.t.writes()).toBe(writes);
    expect((await managed()).map((x) => x.name)).toEqual(["ci"]);
  });

  it("refuses a plan whose state changed since (another apply ran), changing nothing", async () => {
    fx.w.declare([ci]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    fx.w.declare([ci, partner]);
    expect((await run("plan", "--out", "p.plan")).code).toBe(0);
    // Someone applies another change (here: state rm) before the saved plan is applied.
    expect(
      (await reposmith(["state", "rm", "app/ci", "--state", "state"], { cwd: fx.w.dir, env: fx.t.env })).code,
    ).toBe(0);
    const writes = await fx.t.writes();
    const r = await applyFile("p.plan");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/serial 2, the plan read serial 1/);
    expect(r.stderr).toMatch(/Nothing was changed/);
    expect(await fx.t.writes()).toBe(writes);
    expect((await managed()).map((x) => x.name)).toEqual(["ci"]);
  });

  it("refuses a plan when an object it changes was edited by hand after the plan read it (re-read before writing)", async () => {
    fx.w.declare([ci]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    fx.w.declare([{ ...ci, props: { ...ci.props, limits: { numDownloads: 250 } } }]);
    const plan = await run("plan", "--out", "p.plan");
    expect(plan.stdout).toMatch(/~ limit_num_downloads\s+= 100 -> 250/);
    const [tok] = await managed();
    expect(
      (await fx.t.api("PATCH", `/entitlements/acme/prod/${tok.slug_perm}/`, { limit_num_downloads: 9 })).status,
    ).toBe(200);
    const writes = await fx.t.writes();
    const r = await applyFile("p.plan");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the saved plan is stale: app\/ci \(EntitlementToken .*\) changed since the plan read it/);
    expect(await fx.t.writes()).toBe(writes);
    expect((await managed())[0].limit_num_downloads).toBe(9);
  });

  it("refuses the flags that choose what to plan, and a file that is not a plan", async () => {
    fx.w.declare([ci]);
    expect((await run("plan", "--out", "p.plan")).code).toBe(0);
    const r = await applyFile("p.plan", "--stack", "app");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--stack cannot be used with a saved plan/);
    const bad = await applyFile("tokens.json");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/tokens\.json is not a reposmith plan/);
    expect(await managed()).toEqual([]);
  });

  it("applies a plan with nothing to do once too: the state is written, so the same file is refused after", async () => {
    fx.w.declare([ci]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await run("plan", "--out", "p.plan")).stdout).toMatch(/No changes/);
    const first = await applyFile("p.plan");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/No changes/);
    const second = await applyFile("p.plan");
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/serial 2, the plan read serial 1/);
  });

  it("applies a saved destroy plan", async () => {
    fx.w.declare([ci]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await run("plan", "--destroy", "--out", "d.plan")).code).toBe(0);
    const r = await applyFile("d.plan");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Destroy complete! Resources: 1 destroyed\./);
    expect(await managed()).toEqual([]);
  });
});

describe("--json on apply, destroy and state list (plan's envelope)", () => {
  it("prints one JSON document each, and state list reads REPOSMITH_STATE", async () => {
    fx.w.declare([ci]);
    const refused = await run("apply", "--json");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--json .* add --auto-approve/);

    const apply = await run("apply", "--json", "--auto-approve");
    expect(apply.code).toBe(0);
    const doc = JSON.parse(apply.stdout);
    const [tok] = await managed();
    expect(doc).toEqual({
      format_version: "1",
      applied: true,
      summary: { add: 1, change: 0, destroy: 0, adopt: 0, rotate: 0, forget: 0 },
      changes: [{ stack: "app", key: "app/ci", action: "create", id: `acme.prod.${tok.slug_perm}`, status: "done" }],
    });
    expect(apply.stderr).toMatch(/app\/ci: Creation complete/);

    const env = { ...fx.t.env, REPOSMITH_STATE: path.join(fx.w.dir, "state") };
    const list = await reposmith(["state", "list", "--json"], { cwd: path.dirname(fx.w.dir), env });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({
      format_version: "1",
      resources: [{ stack: "app", key: "app/ci", kind: "EntitlementToken", id: `acme.prod.${tok.slug_perm}` }],
    });

    const destroy = await run("destroy", "--json", "--auto-approve");
    expect(destroy.code).toBe(0);
    expect(JSON.parse(destroy.stdout)).toMatchObject({
      format_version: "1",
      summary: { destroy: 1 },
      changes: [{ key: "app/ci", action: "delete", status: "done" }],
    });
  });
});

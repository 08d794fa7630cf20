/**
 * An EntitlementSync and the tokens of its source in one apply: the sync runs after every change to
 * them (deletions and rotations included), the plan says so, and destroy comes to rest.
 */
import { cliFixture } from "../helpers/harness";

const fx = cliFixture(["prod", "staging", "dev"]);
const run = fx.run;
const names = async (repo: string) => (await fx.t.tokens("acme", repo)).map((x) => x.name).sort();
const byName = async (repo: string, name: string) => (await fx.t.tokens("acme", repo)).find((x) => x.name === name);
const tok = (name: string, props: Record<string, unknown> = {}) => ({
  id: name,
  props: { owner: "acme", repository: "prod", name, ...props },
});
const sync = {
  id: "sync",
  type: "sync" as const,
  props: { owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true },
};

describe("EntitlementSync after its source's tokens", () => {
  it("a token removed from the source is deleted before the sync runs: one apply converges", async () => {
    fx.w.declare([tok("ci"), tok("legacy"), sync]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await names("staging")).toEqual(["Default", "ci", "legacy"]);

    fx.w.declare([tok("ci"), sync]);
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/- EntitlementToken "app\/legacy"/);
    expect(plan.stdout).toMatch(/~ EntitlementSync "app\/sync"/);
    expect(plan.stdout).toMatch(/run again after app\/legacy/);
    expect(plan.stdout).toMatch(/Plan: 0 to add, 1 to change, 1 to destroy\./);

    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    // The deletion comes first, then the sync.
    expect(apply.stdout.indexOf("app/legacy: Destruction complete")).toBeLessThan(
      apply.stdout.indexOf("app/sync: Modifications complete"),
    );
    expect(apply.stdout).toMatch(/Resources: 0 added, 1 changed, 1 destroyed\./);
    expect(await names("staging")).toEqual(["Default", "ci"]);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("a rotated source token reaches the target in the same apply, and the plan says the sync runs again", async () => {
    fx.w.declare([tok("ci", { rotation: { triggers: { quarter: "2030Q1" } } }), sync]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const show = async (repo: string) =>
      (await fx.t.api("GET", `/entitlements/acme/${repo}/?show_tokens=true`)).body.find((x: any) => x.name === "ci")
        .token;
    expect(await show("staging")).toBe(await show("prod"));
    const before = await show("prod");

    fx.w.declare([tok("ci", { rotation: { triggers: { quarter: "2030Q2" } } }), sync]);
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/run again after app\/ci/);
    expect(plan.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy, 1 to rotate\./);
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/app\/sync: Modifications complete/);
    const after = await show("prod");
    expect(after).not.toBe(before);
    expect(await show("staging")).toBe(after);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("an unchanged source leaves the sync alone: no second POST sync", async () => {
    fx.w.declare([tok("ci"), sync]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const syncs = () => fx.t.emu.stats().requests.byRoute["POST /entitlements/{owner}/{repo}/sync/"] ?? 0;
    const first = syncs();
    const again = await run("apply", "--auto-approve");
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/app\/sync/);
    expect(syncs()).toBe(first);
  });
});

describe("destroy comes to rest", () => {
  it("after destroy, plan --destroy has nothing to do for the default token and the sync (exit 0), and a second destroy changes nothing", async () => {
    fx.w.declare([
      { id: "default", type: "default", props: { owner: "acme", repository: "prod", limits: { numDownloads: 5 } } },
      tok("ci"),
      sync,
    ]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const destroy = await run("destroy", "--auto-approve");
    expect(destroy.code).toBe(0);
    // The default token and the sync leave every remote object as it is: counted as forgotten, not destroyed.
    expect(destroy.stdout).toMatch(/Plan: 0 to add, 0 to change, 1 to destroy, 2 to forget\./);
    expect(destroy.stdout).toMatch(
      /# app\/default \(EntitlementToken acme\/prod default token\) will be removed from state; the remote object is kept/,
    );
    expect(destroy.stdout).toMatch(/Destroy complete! Resources: 1 destroyed, 2 forgotten\./);

    const again = await run("plan", "--destroy", "--detailed-exitcode");
    expect(again.stdout).toMatch(/No changes/);
    expect(again.code).toBe(0);
    const second = await run("destroy", "--auto-approve");
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/destroyed/);
    expect(await byName("prod", "Default")).toBeDefined();
  });
});

describe("a chain of syncs (prod -> staging -> dev)", () => {
  // Declared downstream first: the order comes from the chain, not from the app.
  const chain = [
    {
      id: "to-dev",
      type: "sync" as const,
      props: { owner: "acme", source: "staging", target: "dev", replaceTargetTokens: true },
    },
    {
      id: "to-staging",
      type: "sync" as const,
      props: { owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true },
    },
  ];

  it("runs the downstream sync after the one that fills its source: every apply converges in one run", async () => {
    fx.w.declare([tok("ci", { limits: { numDownloads: 1 } }), ...chain]);
    const first = await run("apply", "--auto-approve");
    expect(first.code).toBe(0);
    expect(first.stdout.indexOf("app/to-staging: Modifications complete")).toBeLessThan(
      first.stdout.indexOf("app/to-dev: Modifications complete"),
    );
    expect(await names("dev")).toEqual(["Default", "ci"]);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);

    for (const n of [2, 3, 4]) {
      fx.w.declare([tok("ci", { limits: { numDownloads: n } }), ...chain]);
      const plan = await run("plan");
      expect(plan.stdout).toMatch(/run again after app\/to-staging/);
      expect((await run("apply", "--auto-approve")).code).toBe(0);
      expect((await byName("dev", "ci")).limit_num_downloads).toBe(n);
      expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
    }
  });
});

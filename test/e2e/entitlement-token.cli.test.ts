import { cliFixture, reposmith } from "../helpers/harness";

const fx = cliFixture();
const run = fx.run;
const managed = async () =>
  (await fx.t.tokens("acme", "prod")).filter((x) => x.metadata?.["managed-by"] === "reposmith");

const ci = { id: "ci", props: { owner: "acme", repository: "prod", name: "ci", limits: { numDownloads: 100 } } };
const partner = {
  id: "partner",
  props: {
    owner: "acme",
    repository: "prod",
    name: "partner",
    scheduledResetPeriod: "Monthly",
    limits: { bandwidth: { amount: 5, unit: "Gigabyte" } },
  },
};

describe("reposmith plan/apply/drift/destroy against the emulator", () => {
  it("creates exactly the declared tokens, then plans nothing and writes nothing", async () => {
    fx.w.declare([ci, partner]);
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/\+ EntitlementToken "app\/ci"/);
    expect(plan.stdout).toMatch(/limit_num_downloads\s+= 100/);
    expect(plan.stdout).toMatch(/Plan: 2 to add, 0 to change, 0 to destroy\./);

    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/Apply complete! Resources: 2 added, 0 changed, 0 destroyed\./);
    const tokens = await managed();
    expect(tokens.map((x) => x.name).sort()).toEqual(["ci", "partner"]);
    expect(tokens.find((x) => x.name === "ci").limit_num_downloads).toBe(100);
    expect(tokens.find((x) => x.name === "partner")).toMatchObject({
      limit_bandwidth: 5,
      limit_bandwidth_unit: "Gigabyte",
      scheduled_reset_period: "Monthly",
    });
    expect(tokens.find((x) => x.name === "ci").metadata).toEqual({ "managed-by": "reposmith", key: "app/ci" });

    const again = await run("plan", "--detailed-exitcode");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/);

    const writesBefore = await fx.t.writes();
    const apply2 = await run("apply", "--auto-approve");
    expect(apply2.code).toBe(0);
    expect(await fx.t.writes()).toBe(writesBefore);
  });

  it("converges an edited prop by PATCH, keeping the slug_perm", async () => {
    fx.w.declare([ci]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const [before] = await managed();
    const patchesBefore = fx.t.emu.stats().requests.byRoute["PATCH /entitlements/{owner}/{repo}/{identifier}/"] ?? 0;

    fx.w.declare([{ ...ci, props: { ...ci.props, limits: { numDownloads: 250 } } }]);
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/~ limit_num_downloads\s+= 100 -> 250/);
    expect(plan.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy\./);
    expect((await run("apply", "--auto-approve")).code).toBe(0);

    const [after] = await managed();
    expect(after.slug_perm).toBe(before.slug_perm);
    expect(after.limit_num_downloads).toBe(250);
    expect(fx.t.emu.stats().requests.byRoute["PATCH /entitlements/{owner}/{repo}/{identifier}/"]).toBe(
      patchesBefore + 1,
    );
    expect(fx.w.state().resources["app/ci"].id).toBe(`acme.prod.${before.slug_perm}`);
  });

  it("deletes the token of a removed construct", async () => {
    fx.w.declare([ci, partner]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    fx.w.declare([ci]);
    const plan = await run("plan");
    expect(plan.stdout).toMatch(/- EntitlementToken "app\/partner"/);
    expect(plan.stdout).toMatch(/0 to add, 0 to change, 1 to destroy/);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await managed()).map((x) => x.name)).toEqual(["ci"]);
    expect(Object.keys(fx.w.state().resources)).toEqual(["app/ci"]);
  });

  it("reports drift (exit 2) after an out-of-band change and none (exit 0) after apply", async () => {
    fx.w.declare([ci]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await run("drift")).code).toBe(0);
    const [tok] = await managed();
    await fx.t.api("PATCH", `/entitlements/acme/prod/${tok.slug_perm}/`, { limit_num_downloads: 7, is_active: false });

    const drift = await run("drift");
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/app\/ci .* changed outside reposmith/);
    expect(drift.stdout).toMatch(/limit_num_downloads\s+= 100 -> 7/);
    expect(drift.stdout).toMatch(/is_active\s+= true -> false/);
    const json = JSON.parse((await run("drift", "--json")).stdout);
    expect(json.drifted[0].changes.map((c: any) => c.path).sort()).toEqual(["is_active", "limit_num_downloads"]);

    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await run("drift")).code).toBe(0);
    const [fixed] = await managed();
    expect(fixed).toMatchObject({ slug_perm: tok.slug_perm, limit_num_downloads: 100, is_active: true });
  });

  it("reports a token deleted by hand as drift and recreates it", async () => {
    fx.w.declare([ci]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const [tok] = await managed();
    await fx.t.api("DELETE", `/entitlements/acme/prod/${tok.slug_perm}/`);
    const drift = await run("drift");
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/app\/ci .* was deleted outside reposmith/);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await managed()).toHaveLength(1);
  });

  it("destroys everything and leaves the repository's own tokens alone", async () => {
    fx.w.declare([ci, partner]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const destroy = await run("destroy", "--auto-approve");
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toMatch(/Destroy complete! Resources: 2 destroyed\./);
    expect(await managed()).toHaveLength(0);
    expect((await fx.t.tokens("acme", "prod")).filter((x) => x.default)).toHaveLength(1);
    expect(fx.w.state().resources).toEqual({});
  });

  it("keeps every secret out of plans, logs, synth output and state, and state files are 0600", async () => {
    fx.w.declare([ci, partner]);
    const outputs = [
      await run("plan"),
      await run("apply", "--auto-approve"),
      await run("plan", "--json"),
      await run("drift", "--json"),
    ];
    const values = (await fx.t.tokens("acme", "prod")).map((x) => x.token as string);
    expect(values.length).toBeGreaterThan(0);
    const haystack = [...outputs.flatMap((o) => [o.stdout, o.stderr]), ...fx.w.allFiles().map((f) => f.text)].join(
      "\n",
    );
    for (const secret of [...values, fx.t.apiKey]) expect(haystack).not.toContain(secret);
    for (const f of fx.w.allFiles().filter((f) => f.file.includes("/state/"))) expect(f.mode).toBe(0o600);
  });

  it("colours output only when asked: plain when piped even with CI set, coloured with FORCE_COLOR, plain again with --no-color", async () => {
    fx.w.declare([ci]);
    const ESC = "\u001b[";
    const env = (extra: NodeJS.ProcessEnv) => {
      const e: NodeJS.ProcessEnv = { ...fx.t.env, ...extra };
      delete e.NO_COLOR;
      return e;
    };
    const piped = await reposmith(["plan", ...fx.w.args], { cwd: fx.w.dir, env: env({ CI: "true" }) });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/\+ EntitlementToken "app\/ci"/);
    expect(piped.stdout).not.toContain(ESC);
    const forced = await reposmith(["plan", ...fx.w.args], { cwd: fx.w.dir, env: env({ FORCE_COLOR: "1" }) });
    expect(forced.stdout).toContain(`${ESC}32m+${ESC}39m EntitlementToken "app/ci"`);
    const noColor = await reposmith(["plan", "--no-color", ...fx.w.args], {
      cwd: fx.w.dir,
      env: env({ FORCE_COLOR: "1" }),
    });
    expect(noColor.code).toBe(0);
    expect(noColor.stdout).toMatch(/Plan: 1 to add/);
    expect(noColor.stdout).not.toContain(ESC);
  });

  it("fails with one clear line when the API key is missing", async () => {
    fx.w.declare([ci]);
    const env = { ...fx.t.env };
    delete env.CLOUDSMITH_API_KEY;
    const r = await reposmith(["plan", ...fx.w.args], { cwd: fx.w.dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/CLOUDSMITH_API_KEY is not set/);
  });

  it("refuses to apply without --auto-approve when nobody can answer", async () => {
    fx.w.declare([ci]);
    const r = await run("apply");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--auto-approve/);
  });

  it("fails at synth with the field named when props are invalid", async () => {
    fx.w.declare([
      { id: "bad", props: { owner: "acme", repository: "prod", name: "x", limits: { numDownloads: -5 } } },
    ]);
    const r = await run("plan");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EntitlementToken at "app\/bad": limits\.numDownloads must be 0 or more \(got -5\)/);
  });
});

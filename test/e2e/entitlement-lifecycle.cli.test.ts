import { cliFixture, reposmith } from "../helpers/harness";

const fx = cliFixture(["prod", "staging"]);
const run = fx.run;
const bare = (...args: string[]) => reposmith(args, { cwd: fx.w.dir, env: fx.t.env });
const byName = async (repo: string, name: string) => (await fx.t.tokens("acme", repo)).find((x) => x.name === name);
const calls = (route: string) => fx.t.emu.stats().requests.byRoute[route] ?? 0;
const tok = (props: Record<string, unknown> = {}) => ({
  id: "ci",
  props: { owner: "acme", repository: "prod", name: "ci", ...props },
});

describe("rotation, enable/disable and usage reset", () => {
  it("rotates on a changed trigger: same slug_perm, new value, never printed; a second plan is empty", async () => {
    fx.w.declare([tok({ rotation: { triggers: { quarter: "2026Q3" } } })]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const before = await byName("prod", "ci");

    fx.w.declare([tok({ rotation: { triggers: { quarter: "2026Q4" } } })]);
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/will be rotated/);
    expect(plan.stdout).toMatch(/~ token\s+= \(sensitive value\) -> \(new value: rotation trigger "quarter" changed\)/);
    expect(plan.stdout).toMatch(/Plan: 0 to add, 0 to change, 0 to destroy, 1 to rotate\./);
    expect(plan.stdout).not.toMatch(/replace/);
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    // Counted as the plan counted it: a rotation, not a change.
    expect(apply.stdout).toMatch(/Apply complete! Resources: 0 added, 0 changed, 0 destroyed, 1 rotated\./);

    const after = await byName("prod", "ci");
    expect(after.slug_perm).toBe(before.slug_perm);
    expect(after.token).not.toBe(before.token);
    expect(calls("POST /entitlements/{owner}/{repo}/{identifier}/refresh/")).toBe(1);
    for (const out of [plan.stdout, plan.stderr, apply.stdout, apply.stderr, ...fx.w.allFiles().map((f) => f.text)]) {
      expect(out).not.toContain(after.token);
      expect(out).not.toContain(before.token);
    }
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);

    const shown = await bare("output", "app/ci", "--show-secret", "--state", "state");
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe(`${after.token}\n`);
    const plain = await bare("output", "app/ci", "--state", "state");
    expect(plain.stdout).not.toContain(after.token);
    expect(plain.stdout).toMatch(/use --show-secret/);
  });

  it("disables and enables through their endpoints, each exactly once", async () => {
    fx.w.declare([tok()]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    fx.w.declare([tok({ enabled: false })]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await byName("prod", "ci")).is_active).toBe(false);
    expect(calls("POST /entitlements/{owner}/{repo}/{identifier}/disable/")).toBe(1);
    fx.w.declare([tok({ enabled: true })]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await byName("prod", "ci")).is_active).toBe(true);
    expect(calls("POST /entitlements/{owner}/{repo}/{identifier}/enable/")).toBe(1);
    expect(calls("PATCH /entitlements/{owner}/{repo}/{identifier}/")).toBe(0);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("resets usage once when a reset trigger changes", async () => {
    fx.w.declare([tok({ resetTriggers: { run: "1" } })]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const t0 = await byName("prod", "ci");
    await fx.t.admin("POST", "/usage", {
      owner: "acme",
      repository: "prod",
      slug_perm: t0.slug_perm,
      downloads: 42,
      clients: 3,
    });
    expect((await byName("prod", "ci")).downloads).toBe(42);

    fx.w.declare([tok({ resetTriggers: { run: "2" } })]);
    const plan = await run("plan");
    expect(plan.stdout).toMatch(/will have its usage reset/);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await byName("prod", "ci")).toMatchObject({ downloads: 0, clients: 0 });
    expect(calls("POST /entitlements/{owner}/{repo}/{identifier}/reset/")).toBe(1);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(calls("POST /entitlements/{owner}/{repo}/{identifier}/reset/")).toBe(1);
  });
});

describe("ignoreChanges", () => {
  it("suppresses only the named field", async () => {
    fx.w.declare([tok({ limits: { numDownloads: 10 }, ignoreChanges: ["limit_num_downloads"] })]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const x = await byName("prod", "ci");
    await fx.t.api("PATCH", `/entitlements/acme/prod/${x.slug_perm}/`, {
      limit_num_downloads: 99,
      limit_num_clients: 4,
    });
    const drift = await run("drift", "--json");
    expect(drift.code).toBe(2);
    expect(JSON.parse(drift.stdout).drifted[0].changes.map((c: any) => c.path)).toEqual(["limit_num_clients"]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await byName("prod", "ci")).toMatchObject({ limit_num_downloads: 99, limit_num_clients: null });
  });
});

describe("import and state", () => {
  it("imports a token by owner.repo.slug_perm; a plan with matching props is then empty", async () => {
    const created = await fx.t.api("POST", "/entitlements/acme/prod/", { name: "legacy", limit_num_downloads: 5 });
    fx.w.declare([
      { id: "legacy", props: { owner: "acme", repository: "prod", name: "legacy", limits: { numDownloads: 5 } } },
    ]);
    const imp = await run("import", "app/legacy", `acme.prod.${created.body.slug_perm}`);
    expect(imp.stderr).toBe("");
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(
      new RegExp(`Import successful: app/legacy \\(EntitlementToken\\) is now acme\\.prod\\.${created.body.slug_perm}`),
    );
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
    expect((await byName("prod", "legacy")).metadata).toEqual({ "managed-by": "reposmith", key: "app/legacy" });

    const list = await bare("state", "list", "--state", "state");
    expect(list.stdout).toBe(`app/legacy\tEntitlementToken\tacme.prod.${created.body.slug_perm}\n`);
    const show = JSON.parse((await bare("state", "show", "app/legacy", "--state", "state")).stdout);
    expect(show).toMatchObject({
      key: "app/legacy",
      kind: "EntitlementToken",
      id: `acme.prod.${created.body.slug_perm}`,
    });
    const rm = await bare("state", "rm", "app/legacy", "--state", "state");
    expect(rm.code).toBe(0);
    expect((await bare("state", "list", "--state", "state")).stdout).toMatch(/No resources in state/);
    expect(await byName("prod", "legacy")).toBeDefined();
  });

  it("refuses to import under a key the app does not declare", async () => {
    fx.w.declare([tok()]);
    const r = await run("import", "app/nope", "acme.prod.abc");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/app\/nope is not declared in stack "app"/);
  });

  it("refuses to import an id another key already manages: one line naming that key, no API write, state unchanged", async () => {
    fx.w.declare([
      { id: "legacy", props: { owner: "acme", repository: "prod", name: "legacy" } },
      { id: "partner", props: { owner: "acme", repository: "prod", name: "partner" } },
    ]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const legacy = await byName("prod", "legacy");
    expect((await bare("state", "rm", "app/partner", "--state", "state")).code).toBe(0);
    const stateBefore = fx.w.state();
    const writesBefore = await fx.t.writes();

    const r = await run("import", "app/partner", `acme.prod.${legacy.slug_perm}`);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/Import successful/);
    expect(r.stderr.trim().split("\n")).toEqual([
      `Error: acme.prod.${legacy.slug_perm} is already managed by app/legacy; run "reposmith state rm app/legacy" first to import it under app/partner`,
    ]);
    expect(await fx.t.writes()).toBe(writesBefore);
    expect((await byName("prod", "legacy")).metadata).toEqual({ "managed-by": "reposmith", key: "app/legacy" });
    expect(fx.w.state()).toEqual(stateBefore);
  });
});

describe("renamed constructs and taken names", () => {
  const renamed = (id: string) => ({ id, props: { owner: "acme", repository: "prod", name: "ci" } });

  it("a renamed construct: the plan says the old token goes first and how to keep it; the apply succeeds in one run", async () => {
    fx.w.declare([renamed("ci")]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const before = await byName("prod", "ci");

    fx.w.declare([renamed("ci-pipeline")]);
    const plan = await run("plan");
    expect(plan.stdout).toMatch(
      /note: a token named "ci" in acme\/prod is deleted first \(app\/ci, removed from the app\); if this is a rename, keep it and its secret instead: reposmith state mv app\/ci app\/ci-pipeline/,
    );
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    const tokens = (await fx.t.tokens("acme", "prod")).filter((t) => t.name === "ci");
    expect(tokens).toHaveLength(1);
    expect(tokens[0].slug_perm).not.toBe(before.slug_perm);
    expect(tokens[0].metadata).toEqual({ "managed-by": "reposmith", key: "app/ci-pipeline" });
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("a token moved to another repository: the plan names the field that forces the replacement", async () => {
    fx.w.declare([renamed("ci")]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    fx.w.declare([{ id: "ci", props: { owner: "acme", repository: "staging", name: "ci" } }]);
    const plan = await run("plan");
    expect(plan.stdout).toMatch(/app\/ci \(EntitlementToken acme\/staging "ci"\) must be replaced/);
    expect(plan.stdout).toMatch(/-\/\+ repository = "acme\/prod" -> "acme\/staging" # forces replacement/);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await byName("prod", "ci")).toBeUndefined();
    expect(await byName("staging", "ci")).toBeDefined();
  });

  it("state mv keeps the token and its secret under the new key; the apply only moves the tag", async () => {
    fx.w.declare([renamed("ci")]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const before = await byName("prod", "ci");

    fx.w.declare([renamed("ci-pipeline")]);
    const mv = await bare("state", "mv", "app/ci", "app/ci-pipeline", "--state", "state");
    expect(mv.code).toBe(0);
    expect(mv.stdout).toBe(
      `Moved app/ci to app/ci-pipeline (acme.prod.${before.slug_perm}); the remote object is untouched. The next apply records the new key where the object carries one (a token's reposmith tag).\n`,
    );
    const plan = await run("plan");
    expect(plan.stdout).toMatch(
      /~ metadata\s+= \{"key":"app\/ci","managed-by":"reposmith"\} -> \{"key":"app\/ci-pipeline","managed-by":"reposmith"\}/,
    );
    expect(plan.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy\./);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const after = await byName("prod", "ci");
    expect(after).toMatchObject({
      slug_perm: before.slug_perm,
      token: before.token,
      metadata: { "managed-by": "reposmith", key: "app/ci-pipeline" },
    });

    const again = await bare("state", "mv", "app/ci", "app/other", "--state", "state");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/app\/ci is not in state/);
  });

  it("a name taken by a token it does not manage: the plan says the create will fail and how to import it; apply says the same", async () => {
    const { body } = await fx.t.api("POST", "/entitlements/acme/prod/", { name: "ci" });
    fx.w.declare([renamed("ci")]);
    const id = `acme.prod.${body.slug_perm}`;
    const plan = await run("plan");
    expect(plan.stdout).toContain(
      `note: will fail: a token named "ci" in acme/prod already exists (${id}) and is not managed by app/ci; take it over with: reposmith import app/ci ${id}, or choose another name`,
    );
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(
      `Error: app/ci: a token named "ci" in acme/prod already exists (${id}) and is not managed by app/ci; take it over with: reposmith import app/ci ${id}, or choose another name`,
    );
    // The message once, with the run's errors; the step line only says it failed.
    expect(apply.stdout).toMatch(/app\/ci: failed \(error below\)/);
    expect((apply.stdout + apply.stderr).split("Error: app/ci:").length - 1).toBe(1);
    expect(apply.stdout).not.toMatch(/app\/ci: failed:/);
    expect((await run("import", "app/ci", id)).code).toBe(0);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
    expect((await fx.t.tokens("acme", "prod")).filter((t) => t.name === "ci")).toHaveLength(1);
  });

  it("does not adopt a token tagged with its key under another name (another app with the same stack and construct names)", async () => {
    await fx.t.api("POST", "/entitlements/acme/prod/", {
      name: "someone-elses",
      metadata: { "managed-by": "reposmith", key: "app/ci" },
    });
    fx.w.declare([renamed("ci")]);
    const plan = await run("plan");
    expect(plan.stdout).toMatch(/app\/ci \(EntitlementToken acme\/prod "ci"\) will be created/);
    expect(plan.stdout).not.toMatch(/adopt/);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await byName("prod", "someone-elses")).toMatchObject({ metadata: { key: "app/ci" } });
  });
});

describe("the default token", () => {
  it("is adopted and managed, and destroy leaves it in place with a notice", async () => {
    fx.w.declare([
      { id: "default", type: "default", props: { owner: "acme", repository: "prod", limits: { numDownloads: 500 } } },
    ]);
    const plan = await run("plan");
    expect(plan.stdout).toMatch(/default token/);
    expect(plan.stdout).not.toMatch(/will be created/);
    // Found and changed in one step, and counted as both: the headline says both.
    expect(plan.stdout).toMatch(
      /# app\/default \(EntitlementToken acme\/prod default token\) will be adopted \([^)]*\), and will be updated in-place/,
    );
    expect(plan.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy, 1 to adopt\./);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const d = (await fx.t.tokens("acme", "prod")).filter((x) => x.default);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ name: "Default", limit_num_downloads: 500 });
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
    const destroy = await run("destroy", "--auto-approve");
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toMatch(/default token is never deleted/);
    expect((await fx.t.tokens("acme", "prod")).filter((x) => x.default)).toHaveLength(1);
    expect(calls("DELETE /entitlements/{owner}/{repo}/{identifier}/")).toBe(0);
  });
});

describe("EntitlementSync", () => {
  const sync = {
    id: "sync",
    type: "sync" as const,
    props: { owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true },
  };

  it("makes the target equal to the source, lists gains and losses, and plans nothing afterwards", async () => {
    await fx.t.api("POST", "/entitlements/acme/staging/", { name: "old-staging-token" });
    fx.w.declare([tok({ limits: { numDownloads: 3 } }), sync]);
    const plan = await run("plan");
    expect(plan.stdout).toMatch(/tokens\["old-staging-token"\]\s+= "present" -> null/);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const names = async (repo: string) => (await fx.t.tokens("acme", repo)).map((x) => x.name).sort();
    expect(await names("staging")).toEqual(await names("prod"));
    expect(await names("staging")).toEqual(["Default", "ci"]);
    expect((await byName("staging", "ci")).limit_num_downloads).toBe(3);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("output shows its attributes with no secret line, as it has no secret (--show-secret says so)", async () => {
    fx.w.declare([tok(), sync]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const out = await bare("output", "app/sync", "--state", "state");
    expect(out.code).toBe(0);
    expect(out.stdout).not.toMatch(/secret/);
    expect(JSON.parse(out.stdout)).toMatchObject({ id: expect.any(String) });
    const secret = await bare("output", "app/sync", "--show-secret", "--state", "state");
    expect(secret.code).toBe(1);
    expect(secret.stderr).toMatch(/EntitlementSync resources have no secret value/);
    // A token, in the same state, still shows where its secret is.
    expect(JSON.parse((await bare("output", "app/ci", "--state", "state")).stdout).secret).toBe(
      "(sensitive: use --show-secret to print it)",
    );
  });

  it("reports a token added to the target by hand as drift", async () => {
    fx.w.declare([sync]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await run("drift")).code).toBe(0);
    await fx.t.api("POST", "/entitlements/acme/staging/", { name: "sneaky" });
    const drift = await run("drift");
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/tokens\["sneaky"\]/);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await byName("staging", "sneaky")).toBeUndefined();
  });

  it("refuses at synth without replaceTargetTokens, and with tokens declared in the target", async () => {
    fx.w.declare([{ ...sync, props: { owner: "acme", source: "prod", target: "staging" } }]);
    const r1 = await run("synth");
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/replaceTargetTokens must be true: syncing DELETES every token of the target repository/);
    fx.w.declare([sync, { id: "st", props: { owner: "acme", repository: "staging", name: "x" } }]);
    const r2 = await run("synth");
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(
      /EntitlementToken "app\/st" is declared in acme\/staging, which this EntitlementSync overwrites/,
    );
  });
});

/**
 * The Terraform path under the real terraform: one runner per stack applies the whole stack
 * (docs/architecture.md#the-terraform-path); constructs' records show Terraform's own plan symbols;
 * literals pass verbatim; props take Terraform references; ids come out as Terraform values.
 */
import { readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import path from "node:path";
import { nodeApp, srcBundle } from "../helpers/app-bundle";
import { ROOT, reposmith, startTestEmulator, Workdir, type TestEmulator } from "../helpers/harness";
import { describeWithTerraform, terraform } from "../helpers/terraform";

const maybe = describeWithTerraform("test/e2e/terraform.test.ts", "the Terraform path cannot be exercised here");
// Each test runs terraform five to ten times (a few seconds each, more on a loaded machine).
jest.setTimeout(240_000);

let t: TestEmulator;

/** SIGKILLs the `reposmith hook run` process Terraform started in `stackDir` (Linux /proc). */
function killRunner(stackDir: string): void {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes("hook\0run") && realpathSync(`/proc/${pid}/cwd`) === realpathSync(stackDir))
        process.kill(Number(pid), "SIGKILL");
    } catch {
      /* a process that ended meanwhile */
    }
  }
}
let w: Workdir;

/**
 * An app (plain JavaScript on src/'s bundle, see app-bundle.ts) whose hooks call this checkout's
 * CLI. tokens.json declares constructs; `repoVar` makes a token's repository the variable "repo",
 * `output` exports its slugPerm as output "<id>_slug".
 */
function writeApp(dir: string, hookResource = "terraform_data"): void {
  writeFileSync(
    path.join(dir, "app.js"),
    `const { App, TerraformStack, TerraformVariable, TerraformOutput } = require("cdktf");
const { readFileSync } = require("node:fs");
const { CloudsmithConnection, EntitlementSync, EntitlementToken } = require(${JSON.stringify(srcBundle())});
const app = new App({ context: { "reposmith:command": ${JSON.stringify(`"${process.execPath}" "${ROOT}/bin/reposmith.js"`)}, "reposmith:hookResource": "${hookResource}" } });
const stack = new TerraformStack(app, "app");
let repo;
for (const t of JSON.parse(readFileSync(__dirname + "/tokens.json", "utf8"))) {
  if (t.type === "connection") new CloudsmithConnection(stack, t.id);
  else if (t.type === "sync") new EntitlementSync(stack, t.id, t.props);
  else {
    if (t.repoVar) repo ??= new TerraformVariable(stack, "repo", { type: "string", default: "prod" });
    const token = new EntitlementToken(stack, t.id, t.repoVar ? { ...t.props, repository: repo.stringValue } : t.props);
    if (t.output) new TerraformOutput(stack, t.id + "_slug", { value: token.slugPerm });
  }
}
app.synth();
`,
  );
}

maybe("terraform plan/apply/destroy of reposmith constructs", () => {
  beforeAll(async () => {
    t = await startTestEmulator([
      ["acme", "prod"],
      ["acme", "staging"],
      ["acme", "dev"],
    ]);
    w = new Workdir();
    writeApp(w.dir);
  });
  afterAll(async () => {
    w.cleanup();
    await t.close();
  });

  const stackDir = () => path.join(w.dir, "cdktf.out", "stacks", "app");
  let initialized = false;
  const synth = async () => {
    const r = await reposmith(["synth", "--app", nodeApp("app.js"), "--output", "cdktf.out"], {
      cwd: w.dir,
      env: t.env,
    });
    expect(r.code).toBe(0);
    if (!initialized) expect((await tf("init")).code).toBe(0);
    initialized = true;
  };
  const tf = (...args: string[]) =>
    terraform(
      [...args, ...(["output", "show"].includes(args[0]) ? [] : ["-input=false"]), "-no-color"],
      stackDir(),
      t.env,
    );
  const apply = async (...args: string[]) => {
    const r = await tf("apply", "-auto-approve", ...args);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return r;
  };
  const planExit = async (...args: string[]) => (await tf("plan", "-detailed-exitcode", ...args)).code;
  const reposmithIn = (args: string[]) =>
    reposmith([...args, "--skip-synth", "--output", "cdktf.out", "--state", ".reposmith/state"], {
      cwd: w.dir,
      env: t.env,
    });
  const managed = async (repo = "prod") =>
    (await t.tokens("acme", repo)).filter((x) => x.metadata?.["managed-by"] === "reposmith");
  const tok = (id: string, props: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
    id,
    props: { owner: "acme", repository: "prod", name: id, ...props },
    ...extra,
  });
  const refreshes = () =>
    t.emu.stats().requests.byRoute["POST /entitlements/{owner}/{repo}/{identifier}/refresh/"] ?? 0;
  const PATCH = "PATCH /entitlements/{owner}/{repo}/{identifier}/";
  /** The plan's headline for a resource whose address starts with `prefix`. */
  const symbol = (plan: string, prefix: string) =>
    plan.match(new RegExp(`# terraform_data\\.${prefix}[\\w-]* (will be [\\w -]+|must be replaced)`))?.[1];

  it("shows an edit as an in-place update, a removal as a destroy, an applied stack as no changes", async () => {
    w.declare([tok("ci", { limits: { numDownloads: 10 } }), tok("partner")]);
    await synth();
    await apply();
    expect((await managed()).map((x) => x.name).sort()).toEqual(["ci", "partner"]);
    const before = (await managed()).find((x) => x.name === "ci");
    const list = await reposmith(["state", "list", "--state", ".reposmith/state"], { cwd: w.dir, env: t.env });
    expect(list.stdout).toMatch(/app\/ci\tEntitlementToken\tacme\.prod\./);
    expect(await planExit()).toBe(0);

    w.declare([tok("ci", { limits: { numDownloads: 20 } }), tok("partner")]);
    await synth();
    const plan = await tf("plan");
    expect(symbol(plan.stdout, "ci_")).toBe("will be updated in-place");
    expect(symbol(plan.stdout, "partner_")).toBeUndefined();
    expect(plan.stdout).toMatch(/~ numDownloads = 10 -> 20/);
    const patches = t.emu.stats().requests.byRoute[PATCH] ?? 0;
    const rotated = refreshes();
    const edit = await apply();
    expect(edit.stdout).toMatch(/app\/ci: Modifications complete \[id=acme\.prod\./);
    expect(edit.stdout).toMatch(/reposmith: stack app: 1 updated, 1 unchanged/);
    const after = (await managed()).find((x) => x.name === "ci");
    // The same token, its secret untouched: a limit edit never rotates.
    expect(after).toMatchObject({ slug_perm: before.slug_perm, token: before.token, limit_num_downloads: 20 });
    expect(t.emu.stats().requests.byRoute[PATCH]).toBe(patches + 1);
    expect(refreshes()).toBe(rotated);
    expect(await planExit()).toBe(0);

    w.declare([tok("ci", { limits: { numDownloads: 20 } })]);
    await synth();
    expect(symbol((await tf("plan")).stdout, "partner_")).toBe("will be destroyed");
    await apply();
    expect((await managed()).map((x) => x.name)).toEqual(["ci"]);
    expect(await planExit()).toBe(0);
    expect((await reposmithIn(["plan", "--detailed-exitcode"])).code).toBe(0);

    const destroy = await tf("destroy", "-auto-approve");
    expect(destroy.code).toBe(0);
    expect(await managed()).toHaveLength(0);
  });

  it("shows an identity change as a replacement, and moves the token", async () => {
    w.declare([tok("ci")]);
    await synth();
    await apply();
    w.declare([tok("ci", { repository: "staging" })]);
    await synth();
    expect(symbol((await tf("plan")).stdout, "ci_")).toBe("must be replaced");
    await apply();
    expect(await managed("prod")).toHaveLength(0);
    expect((await managed("staging")).map((x) => x.name)).toEqual(["ci"]);
    expect(await planExit()).toBe(0);
    expect((await tf("destroy", "-auto-approve")).code).toBe(0);
  });

  it("hands names and metadata to the API verbatim: Terraform evaluates none of the user's ${ or %{", async () => {
    const name = "n${path.module}%{if true}X%{endif}";
    const metadata = { when: "${timestamp()}", dir: "${path.module}", pct: "%{if true}X%{endif}" };
    w.declare([tok("odd", { name, metadata })]);
    await synth();
    await apply();
    const [odd] = await managed();
    expect(odd.name).toBe(name);
    expect(odd.metadata).toEqual({ ...metadata, "managed-by": "reposmith", key: "app/odd" });
    expect(await planExit()).toBe(0);
    expect((await reposmithIn(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect((await tf("destroy", "-auto-approve")).code).toBe(0);
  });

  it("takes a variable as repository, moves the token when it changes, and gives its slug out", async () => {
    w.declare([tok("ci", {}, { repoVar: true, output: true })]);
    await synth();
    await apply();
    const [ci] = await managed("prod");
    expect(JSON.parse((await tf("output", "-json")).stdout).ci_slug.value).toBe(ci.slug_perm);
    expect(await planExit()).toBe(0);
    // reposmith's own commands plan with what Terraform resolved.
    expect((await reposmithIn(["plan", "--detailed-exitcode"])).code).toBe(0);
    await t.api("PATCH", `/entitlements/acme/prod/${ci.slug_perm}/`, { limit_num_downloads: 3 });
    const drift = await reposmithIn(["drift"]);
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/app\/ci .*acme\/prod/);
    await t.api("PATCH", `/entitlements/acme/prod/${ci.slug_perm}/`, { limit_num_downloads: null });

    expect(symbol((await tf("plan", "-var", "repo=staging")).stdout, "ci_")).toBe("must be replaced");
    await apply("-var", "repo=staging");
    expect(await managed("prod")).toHaveLength(0);
    const [moved] = await managed("staging");
    expect(moved.name).toBe("ci");
    expect(JSON.parse((await tf("output", "-json")).stdout).ci_slug.value).toBe(moved.slug_perm);
    expect(await planExit("-var", "repo=staging")).toBe(0);

    // A reference Terraform never resolved: reposmith says so and changes nothing.
    w.declare([tok("ci", {}, { repoVar: true }), tok("later", {}, { repoVar: true })]);
    await synth();
    const writes = await t.writes();
    const unresolved = await reposmithIn(["apply", "--auto-approve"]);
    expect(unresolved.code).toBe(1);
    expect(unresolved.stderr).toMatch(
      /app\/later: repository is a Terraform reference \(\$\{var\.repo\}\) that has no value here: .*run terraform apply/,
    );
    expect(await t.writes()).toBe(writes);
    expect((await tf("destroy", "-auto-approve", "-var", "repo=staging")).code).toBe(0);
    expect(await managed("staging")).toHaveLength(0);
  });

  it("keeps Terraform's ids current when reposmith apply re-creates a token deleted by hand", async () => {
    w.declare([tok("ci", {}, { output: true })]);
    await synth();
    await apply();
    const [before] = await managed();
    await t.api("DELETE", `/entitlements/acme/prod/${before.slug_perm}/`);
    expect((await reposmithIn(["apply", "--auto-approve"])).code).toBe(0);
    const [after] = await managed();
    expect(after.slug_perm).not.toBe(before.slug_perm);
    // Terraform sees the new id without running reposmith again.
    const plan = await tf("plan");
    expect(plan.stdout).toMatch(new RegExp(`ci_slug = "${before.slug_perm}" -> "${after.slug_perm}"`));
    expect(symbol(plan.stdout, "reposmith")).toBeUndefined();
    await apply();
    expect(JSON.parse((await tf("output", "-json")).stdout).ci_slug.value).toBe(after.slug_perm);
    expect((await tf("destroy", "-auto-approve")).code).toBe(0);
  });

  it("destroys one construct with -target, and the next apply brings it back", async () => {
    w.declare([tok("ci"), tok("partner")]);
    await synth();
    await apply();
    const plan = await tf("plan");
    expect(plan.code).toBe(0);
    const state = JSON.parse((await tf("show", "-json")).stdout);
    const partner = state.values.root_module.resources.find((r: any) => r.values.input?.key === "app/partner");
    const targeted = await tf("destroy", "-auto-approve", `-target=${partner.address}`);
    expect(targeted.code).toBe(0);
    expect(targeted.stdout).toMatch(/app\/partner: Destruction complete/);
    expect((await managed()).map((x) => x.name)).toEqual(["ci"]);
    // Still declared: the runner runs again at the next apply (a targeted destroy changed its trigger).
    expect(await planExit()).toBe(2);
    await apply();
    expect((await managed()).map((x) => x.name).sort()).toEqual(["ci", "partner"]);
    expect(await planExit()).toBe(0);
    expect((await tf("destroy", "-auto-approve")).code).toBe(0);
    expect(await managed()).toHaveLength(0);
  });

  it("applies an EntitlementSync after the source's tokens, again after a rotation or a removal among them, and destroys leaving the target as it is", async () => {
    const sync = {
      id: "sync",
      type: "sync" as const,
      props: { owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true },
    };
    const ci = (quarter: string) => tok("ci", { limits: { numDownloads: 7 }, rotation: { triggers: { quarter } } });
    w.declare([ci("2030Q1"), tok("extra"), sync]);
    await synth();
    await apply();
    const staging = await t.tokens("acme", "staging");
    expect(staging.map((x) => x.name).sort()).toEqual(["Default", "ci", "extra"]);
    expect(staging.find((x) => x.name === "ci").limit_num_downloads).toBe(7);
    expect(await planExit()).toBe(0);

    // A rotation changes no field a list shows: the sync runs again because its source changed.
    const secret = async (repo: string) => (await t.tokens("acme", repo)).find((x) => x.name === "ci").token;
    const before = await secret("prod");
    w.declare([ci("2030Q2"), tok("extra"), sync]);
    await synth();
    await apply();
    expect(await secret("prod")).not.toBe(before);
    expect(await secret("staging")).toBe(await secret("prod"));

    w.declare([ci("2030Q2"), sync]);
    await synth();
    await apply();
    expect((await t.tokens("acme", "staging")).map((x) => x.name).sort()).toEqual(["Default", "ci"]);
    expect(await planExit()).toBe(0);
    expect((await reposmithIn(["plan", "--detailed-exitcode"])).code).toBe(0);

    expect((await tf("destroy", "-auto-approve")).code).toBe(0);
    expect(await managed()).toHaveLength(0);
    expect((await t.tokens("acme", "staging")).map((x) => x.name).sort()).toEqual(["Default", "ci"]);
  });

  it("a chain of syncs (prod -> staging -> dev) converges in one terraform apply, also after a change at the top", async () => {
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
    const limit = async (repo: string) =>
      (await t.tokens("acme", repo)).find((x) => x.name === "top")?.limit_num_downloads;
    for (const n of [1, 2]) {
      w.declare([tok("top", { limits: { numDownloads: n } }), ...chain]);
      await synth();
      await apply();
      expect([await limit("prod"), await limit("staging"), await limit("dev")]).toEqual([n, n, n]);
      expect(await planExit()).toBe(0);
    }
    expect((await tf("destroy", "-auto-approve")).code).toBe(0);
  });

  it("a renamed construct: terraform apply deletes nothing and says to state mv it; after that keeps the token", async () => {
    w.declare([tok("partner")]);
    await synth();
    await apply();
    const before = (await managed()).find((x) => x.name === "partner");
    w.declare([{ id: "partner2", props: { owner: "acme", repository: "prod", name: "partner" } }]);
    await synth();
    const writes = await t.writes();
    const failed = await tf("apply", "-auto-approve");
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toContain(
      `which state holds as app/partner. If app/partner was renamed to app/partner2, keep it (and its secret): reposmith state mv app/partner app/partner2, then terraform apply again`,
    );
    expect(await t.writes()).toBe(writes);
    const mv = ["state", "mv", "app/partner", "app/partner2", "--state", ".reposmith/state"];
    expect((await reposmith(mv, { cwd: w.dir, env: t.env })).code).toBe(0);
    await apply();
    const after = (await managed()).filter((x) => x.name === "partner");
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      slug_perm: before.slug_perm,
      token: before.token,
      metadata: { key: "app/partner2" },
    });
    expect((await tf("destroy", "-auto-approve")).code).toBe(0);
  });

  it("records a deletionPolicy change, and prunes by it when the stack's last token construct goes", async () => {
    const conn = { id: "conn", type: "connection" as const, props: {} };
    w.declare([conn, tok("gone", { deletionPolicy: "delete" }), tok("kept")]);
    await synth();
    await apply();
    // Only the policy changes: the record is updated in place, the runner records it.
    w.declare([conn, tok("gone", { deletionPolicy: "delete" }), tok("kept", { deletionPolicy: "retain" })]);
    await synth();
    expect(symbol((await tf("plan")).stdout, "kept_")).toBe("will be updated in-place");
    await apply();
    const state = await reposmith(["state", "show", "app/kept", "--state", ".reposmith/state"], {
      cwd: w.dir,
      env: t.env,
    });
    expect(state.stdout).toMatch(/"deletionPolicy": "retain"/);
    // Every token construct removed; the connection keeps the stack's runner.
    w.declare([conn]);
    await synth();
    const prune = await apply();
    // What a reposmith plan would have noted, Terraform's output shows too.
    expect(prune.stdout).toMatch(
      /app\/kept: note: retained \(deletionPolicy "retain"\): the remote object is kept and no longer managed/,
    );
    expect((await managed()).map((x) => x.name)).toEqual(["kept"]);
    const list = await reposmith(["state", "list", "--state", ".reposmith/state"], { cwd: w.dir, env: t.env });
    expect(list.stdout).not.toMatch(/app\//);
    expect((await tf("destroy", "-auto-approve")).code).toBe(0);
    await t.api("DELETE", `/entitlements/acme/prod/${(await managed())[0].slug_perm}/`);
  });

  it("fails terraform apply naming the construct, keeps what succeeded, and retries the rest on the next apply", async () => {
    // One create refused by the API (a 403 on acme/dev), the other lands.
    await t.admin("POST", "/faults", { rules: [{ method: "POST", path: "^/entitlements/acme/dev/$", status: 403 }] });
    w.declare([tok("good"), tok("bad", { repository: "dev" })]);
    await synth();
    const failed = await tf("apply", "-auto-approve");
    expect(failed.code).not.toBe(0);
    expect(failed.stderr + failed.stdout).toMatch(/1 of stack "app"'s resources failed to apply:\s+app\/bad: .*403/);
    expect((await managed()).map((x) => x.name)).toEqual(["good"]);
    const state = JSON.parse(readFileSync(path.join(w.dir, ".reposmith/state/app.json"), "utf8"));
    expect(Object.keys(state.resources)).toEqual(["app/good"]);
    // The runner is tainted: the next plan runs it again, and the next apply finishes the job.
    expect(await planExit()).toBe(2);
    await apply();
    expect((await managed("dev")).map((x) => x.name)).toContain("bad");
    expect(await planExit()).toBe(0);
    expect((await tf("destroy", "-auto-approve")).code).toBe(0);
  });

  it("converges on the next apply after the runner is killed mid-apply: no token twice, none lost", async () => {
    const names = Array.from({ length: 30 }, (_, i) => `bulk${i}`);
    w.declare(names.map((n) => tok(n)));
    await synth();
    // Creates answered late, so the kill lands while the runner is at work.
    await t.admin("POST", "/faults", {
      rules: [{ method: "POST", path: "^/entitlements/acme/prod/$", pass: true, delayMs: 300, times: 1000 }],
    });
    const applying = tf("apply", "-auto-approve");
    while ((await managed()).length < 3) await new Promise((r) => setTimeout(r, 50));
    killRunner(stackDir());
    const killed = await applying;
    expect(killed.code).not.toBe(0);
    expect((await managed()).length).toBeLessThan(names.length);
    await t.admin("DELETE", "/faults");
    await apply();
    const after = (await managed()).map((x) => x.name).sort();
    expect(after).toEqual([...names].sort());
    expect(await planExit()).toBe(0);
    expect((await tf("destroy", "-auto-approve")).code).toBe(0);
    expect(await managed()).toHaveLength(0);
  });

  it("keeps secrets out of the synthesized stack and of Terraform's state", async () => {
    const files = w.allFiles().filter((f) => f.file.endsWith(".json") || f.file.endsWith(".tfstate"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f.text).not.toContain(t.apiKey);
  });
});

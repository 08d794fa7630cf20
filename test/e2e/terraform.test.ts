import { writeFileSync } from "node:fs";
import path from "node:path";
import { nodeApp, srcBundle } from "../helpers/app-bundle";
import { ROOT, reposmith, startTestEmulator, Workdir, type TestEmulator } from "../helpers/harness";
import { describeWithTerraform, terraform } from "../helpers/terraform";

const maybe = describeWithTerraform("test/e2e/terraform.test.ts", "the Terraform hook path cannot be exercised here");

let t: TestEmulator;
let w: Workdir;

/** An app (plain JavaScript on src/'s bundle, see app-bundle.ts) whose hooks call this checkout's CLI (users get the reposmith installed beside the stack). */
function writeApp(dir: string, hookResource = "terraform_data"): void {
  writeFileSync(
    path.join(dir, "app.js"),
    `const { App, TerraformStack } = require("cdktf");
const { readFileSync } = require("node:fs");
const { CloudsmithConnection, EntitlementSync, EntitlementToken } = require(${JSON.stringify(srcBundle())});
const app = new App({ context: { "reposmith:command": ${JSON.stringify(`"${process.execPath}" "${ROOT}/bin/reposmith.js"`)}, "reposmith:hookResource": "${hookResource}" } });
const stack = new TerraformStack(app, "app");
for (const t of JSON.parse(readFileSync(__dirname + "/tokens.json", "utf8"))) {
  if (t.type === "connection") new CloudsmithConnection(stack, t.id);
  else if (t.type === "sync") new EntitlementSync(stack, t.id, t.props);
  else new EntitlementToken(stack, t.id, t.props);
}
app.synth();
`,
  );
}

maybe("terraform apply/destroy end to end through the hook resources", () => {
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
  const synth = async () =>
    expect(
      (await reposmith(["synth", "--app", nodeApp("app.js"), "--output", "cdktf.out"], { cwd: w.dir, env: t.env }))
        .code,
    ).toBe(0);
  const tf = (...args: string[]) => terraform(args, stackDir(), t.env);
  const managed = async () =>
    (await t.tokens("acme", "prod")).filter((x) => x.metadata?.["managed-by"] === "reposmith");
  const tok = (id: string, props: Record<string, unknown> = {}) => ({
    id,
    props: { owner: "acme", repository: "prod", name: id, ...props },
  });

  it("creates, converges an edit by PATCH, prunes a removed construct, plans clean and destroys", async () => {
    w.declare([tok("ci", { limits: { numDownloads: 10 } }), tok("partner")]);
    await synth();
    const init = await tf("init", "-input=false", "-no-color");
    expect(init.code).toBe(0);

    const apply = await tf("apply", "-auto-approve", "-input=false", "-no-color");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect((await managed()).map((x) => x.name).sort()).toEqual(["ci", "partner"]);
    const ciBefore = (await managed()).find((x) => x.name === "ci");
    // Terraform's hooks and `reposmith` share one state.
    const list = await reposmith(["state", "list", "--state", ".reposmith/state"], { cwd: w.dir, env: t.env });
    expect(list.stdout).toMatch(/app\/ci\tEntitlementToken\tacme\.prod\./);

    w.declare([tok("ci", { limits: { numDownloads: 20 } }), tok("partner")]);
    await synth();
    const patches = t.emu.stats().requests.byRoute["PATCH /entitlements/{owner}/{repo}/{identifier}/"] ?? 0;
    const edit = await tf("apply", "-auto-approve", "-input=false", "-no-color");
    expect(edit).toMatchObject({ code: 0 });
    // Terraform counts the re-run hook as a replacement; the hook says what it did.
    expect(edit.stdout).toMatch(/Resources: 1 added, 0 changed, 1 destroyed/);
    expect(edit.stdout).toContain(
      `app/ci: updated in place, same id acme.prod.${ciBefore.slug_perm}: only this hook's Terraform resource is replaced`,
    );
    const ciAfter = (await managed()).find((x) => x.name === "ci");
    expect(ciAfter.slug_perm).toBe(ciBefore.slug_perm);
    expect(ciAfter.limit_num_downloads).toBe(20);
    expect(t.emu.stats().requests.byRoute["PATCH /entitlements/{owner}/{repo}/{identifier}/"]).toBe(patches + 1);

    w.declare([tok("ci", { limits: { numDownloads: 20 } })]);
    await synth();
    expect(await tf("apply", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
    expect((await managed()).map((x) => x.name)).toEqual(["ci"]);

    const plan = await tf("plan", "-detailed-exitcode", "-input=false", "-no-color");
    expect(plan.stdout).toMatch(/No changes/);
    expect(plan.code).toBe(0);
    expect(
      (
        await reposmith(["plan", "--detailed-exitcode", "--skip-synth", "--output", "cdktf.out"], {
          cwd: w.dir,
          env: t.env,
        })
      ).code,
    ).toBe(0);

    const destroy = await tf("destroy", "-auto-approve", "-input=false", "-no-color");
    expect(destroy.code).toBe(0);
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
    expect(await tf("apply", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
    const staging = await t.tokens("acme", "staging");
    expect(staging.map((x) => x.name).sort()).toEqual(["Default", "ci", "extra"]);
    expect(staging.find((x) => x.name === "ci").limit_num_downloads).toBe(7);
    expect((await tf("plan", "-detailed-exitcode", "-input=false", "-no-color")).code).toBe(0);

    // A rotation changes no field a list shows: the sync's hook runs again because its source changed.
    const secret = async (repo: string) => (await t.tokens("acme", repo)).find((x) => x.name === "ci").token;
    const before = await secret("prod");
    w.declare([ci("2030Q2"), tok("extra"), sync]);
    await synth();
    expect(await tf("apply", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
    expect(await secret("prod")).not.toBe(before);
    expect(await secret("staging")).toBe(await secret("prod"));

    // A removed source token is deleted by the prune hook, which runs last: the sync runs again after it.
    w.declare([ci("2030Q2"), sync]);
    await synth();
    expect(await tf("apply", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
    expect((await t.tokens("acme", "staging")).map((x) => x.name).sort()).toEqual(["Default", "ci"]);
    expect((await tf("plan", "-detailed-exitcode", "-input=false", "-no-color")).code).toBe(0);
    expect(
      (
        await reposmith(["plan", "--detailed-exitcode", "--skip-synth", "--output", "cdktf.out"], {
          cwd: w.dir,
          env: t.env,
        })
      ).code,
    ).toBe(0);

    expect(await tf("destroy", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
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
      expect(await tf("apply", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
      expect([await limit("prod"), await limit("staging"), await limit("dev")]).toEqual([n, n, n]);
      expect((await tf("plan", "-detailed-exitcode", "-input=false", "-no-color")).code).toBe(0);
    }
    expect(await tf("destroy", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
  });

  it("a renamed construct: terraform apply says to state mv it (the prune hook runs last), and after that keeps the token", async () => {
    w.declare([tok("partner")]);
    await synth();
    expect(await tf("apply", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
    const before = (await managed()).find((x) => x.name === "partner");
    w.declare([{ id: "partner2", props: { owner: "acme", repository: "prod", name: "partner" } }]);
    await synth();
    const failed = await tf("apply", "-auto-approve", "-input=false", "-no-color");
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toContain(
      `which state holds as app/partner. If app/partner was renamed to app/partner2, keep it (and its secret): reposmith state mv app/partner app/partner2, then terraform apply again`,
    );
    expect(
      (
        await reposmith(["state", "mv", "app/partner", "app/partner2", "--state", ".reposmith/state"], {
          cwd: w.dir,
          env: t.env,
        })
      ).code,
    ).toBe(0);
    expect(await tf("apply", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
    const after = (await managed()).filter((x) => x.name === "partner");
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      slug_perm: before.slug_perm,
      token: before.token,
      metadata: { key: "app/partner2" },
    });
    expect(await tf("destroy", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
  });

  it("records a deletionPolicy change, and prunes by it when the stack's last token construct goes", async () => {
    const conn = { id: "conn", type: "connection" as const, props: {} };
    w.declare([conn, tok("gone", { deletionPolicy: "delete" }), tok("kept")]);
    await synth();
    expect(await tf("apply", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
    // Only the policy changes: the hook re-runs and state records it.
    w.declare([conn, tok("gone", { deletionPolicy: "delete" }), tok("kept", { deletionPolicy: "retain" })]);
    await synth();
    expect(await tf("apply", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
    const state = await reposmith(["state", "show", "app/kept", "--state", ".reposmith/state"], {
      cwd: w.dir,
      env: t.env,
    });
    expect(state.stdout).toMatch(/"deletionPolicy": "retain"/);
    // Every token construct removed; the connection keeps the stack's prune hook.
    w.declare([conn]);
    await synth();
    const prune = await tf("apply", "-auto-approve", "-input=false", "-no-color");
    expect(prune).toMatchObject({ code: 0 });
    // What a reposmith plan would have noted, Terraform's output shows too.
    expect(prune.stdout).toMatch(
      /app\/kept: note: retained \(deletionPolicy "retain"\): the remote object is kept and no longer managed/,
    );
    expect((await managed()).map((x) => x.name)).toEqual(["kept"]);
    const list = await reposmith(["state", "list", "--state", ".reposmith/state"], { cwd: w.dir, env: t.env });
    expect(list.stdout).not.toMatch(/app\//);
    expect(await tf("destroy", "-auto-approve", "-input=false", "-no-color")).toMatchObject({ code: 0 });
  });

  it("fails terraform apply with reposmith's error message when a hook fails", async () => {
    w.declare([{ id: "bad", props: { owner: "acme", repository: "no-such-repo", name: "x" } }]);
    await synth();
    const apply = await tf("apply", "-auto-approve", "-input=false", "-no-color");
    expect(apply.code).not.toBe(0);
    expect(apply.stderr + apply.stdout).toMatch(/Error: .*acme\/no-such-repo.*404/);
    // Once, as reposmith's error line; not also as a "failed:" step.
    expect(apply.stdout + apply.stderr).not.toMatch(/app\/bad: failed:/);
  });

  it("keeps secrets out of the synthesized stack and of Terraform's state", async () => {
    const files = w.allFiles().filter((f) => f.file.endsWith(".json") || f.file.endsWith(".tfstate"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f.text).not.toContain(t.apiKey);
  });
});

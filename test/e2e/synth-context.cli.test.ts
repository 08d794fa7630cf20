/**
 * `reposmith synth` / `plan` run the app as `cdktf synth` does, with cdktf.json's `context` in
 * CDKTF_CONTEXT_JSON: the same app gives `reposmith apply` and `cdktf deploy` the same desired
 * state. (test/e2e/cdk-cli.cdktf.test.ts compares the environment with the real cdktf-cli's.)
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { nodeApp, srcBundle } from "../helpers/app-bundle";
import { cliFixture, reposmith } from "../helpers/harness";

const fx = cliFixture();

/** An app (plain JavaScript on src/'s bundle, see app-bundle.ts; bad-input.cli.test.ts runs one through tsx) that declares one token per name in the context value "tokens", configured by cdktf.json. */
function writeApp(context: Record<string, unknown> | undefined): void {
  writeFileSync(
    path.join(fx.w.dir, "ctx-app.js"),
    `const { App, TerraformStack } = require("cdktf");
const { EntitlementToken } = require(${JSON.stringify(srcBundle())});
const app = new App({ context: { tokens: ["from-constructor"] } });
const stack = new TerraformStack(app, "app");
for (const name of app.node.tryGetContext("tokens")) new EntitlementToken(stack, name, { owner: "acme", repository: "prod", name });
app.synth();
`,
  );
  writeFileSync(
    path.join(fx.w.dir, "cdktf.json"),
    JSON.stringify({ language: "typescript", app: nodeApp("ctx-app.js"), ...(context ? { context } : {}) }),
  );
}

const stackDoc = () => JSON.parse(readFileSync(path.join(fx.w.dir, "cdktf.out/stacks/app/cdk.tf.json"), "utf8"));

describe("the app's context, as cdktf-cli gives it", () => {
  it("reposmith synth passes cdktf.json's context (reposmith:hookResource included) over the App's own", async () => {
    writeApp({ tokens: ["ci", "partner"], "reposmith:hookResource": "null_resource" });
    const r = await reposmith(["synth"], { cwd: fx.w.dir, env: fx.t.env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = stackDoc();
    expect(Object.keys(doc.resource.null_resource).map((k) => k.replace(/_hook_resource_\w+$/, ""))).toEqual(
      expect.arrayContaining(["ci", "partner"]),
    );
    expect(doc.resource.terraform_data).toBeUndefined();
  });

  it("reposmith plan declares what cdktf.json's context says", async () => {
    writeApp({ tokens: ["ci", "partner"] });
    const r = await reposmith(["plan", "--state", "state"], { cwd: fx.w.dir, env: fx.t.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/# app\/ci \(EntitlementToken acme\/prod "ci"\) will be created/);
    expect(r.stdout).toMatch(/# app\/partner \(EntitlementToken acme\/prod "partner"\) will be created/);
    expect(r.stdout).toMatch(/Plan: 2 to add/);
    expect(r.stdout).not.toMatch(/from-constructor/);
  });

  it("reposmith reconcile (the controller) synthesizes with it too", async () => {
    writeApp({ tokens: ["ci", "partner"] });
    const r = await reposmith(["reconcile", "--state", "state", "--log-level", "warn"], {
      cwd: fx.w.dir,
      env: fx.t.env,
    });
    expect(r.code).toBe(0);
    expect(
      (await fx.t.tokens("acme", "prod"))
        .filter((x) => x.metadata?.["managed-by"] === "reposmith")
        .map((x) => x.name)
        .sort(),
    ).toEqual(["ci", "partner"]);
  });

  it("without context in cdktf.json, passes the environment's CDKTF_CONTEXT_JSON, and refuses one that is not JSON", async () => {
    writeApp(undefined);
    const env = { ...fx.t.env, CDKTF_CONTEXT_JSON: JSON.stringify({ tokens: ["from-env"] }) };
    expect((await reposmith(["synth"], { cwd: fx.w.dir, env })).code).toBe(0);
    expect(Object.keys(stackDoc().resource.terraform_data)).toEqual([
      expect.stringMatching(/^from-env_hook_resource/),
      "reposmith",
    ]);
    const bad = await reposmith(["synth"], { cwd: fx.w.dir, env: { ...env, CDKTF_CONTEXT_JSON: "{tokens" } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/CDKTF_CONTEXT_JSON in the environment is not valid JSON/);
  });
});

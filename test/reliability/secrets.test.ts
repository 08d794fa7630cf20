/**
 * S8.5: secret scanning. One project declaring every kind (tokens with rotation, the default token,
 * an entitlement sync, a package copy, a package mirror, a CodeArts mirror with private-source
 * credentials) goes through everything a user or Terraform runs: synth, plan (text and JSON),
 * apply, drift (text and JSON), state list/show, output, a rotation, a controller pass with JSON
 * logs, a Terraform hook, API errors that echo the key (plain and with REPOSMITH_DEBUG), destroy.
 * Then every byte it produced — stdout, stderr, synth output, plan files, state, backups, locks —
 * is searched for the API key, every token value the emulator ever held, the IAM and source
 * passwords and the IAM tokens: 0 hits, and every state file is mode 0600. Only
 * `output KEY --show-secret`, whose job is to print the value, is left out.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { nodeApp, srcBundle } from "../helpers/app-bundle";
import { reposmith, ROOT, startTestEmulator, type CliResult, type TestEmulator } from "../helpers/harness";
import { IAM_PASSWORD, SEED, SOURCE_PASSWORD, SOURCE_URL, SOURCE_USER } from "../helpers/codearts";
import { announceFigures, Evidence, hangGuard, recordFigures } from "./helpers";

announceFigures("secret scan");

const REPOS: [string, string][] = [
  ["acme", "prod"],
  ["acme", "staging"],
  ["acme", "mirror"],
  ["acme", "prod2"],
];
let t: TestEmulator;
let dir: string;
let env: NodeJS.ProcessEnv;
const evidence = new Evidence();

beforeAll(async () => {
  t = await startTestEmulator(REPOS);
  await t.admin("POST", "/seed", {
    ...SEED,
    packageSync: { durationMs: 200 },
    packages: [
      { owner: "acme", repository: "staging", format: "npm", name: "left-pad", version: "1.3.0" },
      { owner: "acme", repository: "staging", format: "npm", name: "lodash", version: "4.17.21", tags: ["release"] },
    ],
  });
  env = { ...t.env };
  for (const k of Object.keys(env)) if (k.startsWith("HW_")) delete env[k];
  Object.assign(env, {
    HW_REGION_NAME: "cn-north-4",
    HW_DOMAIN_NAME: "acme",
    HW_USER_NAME: "ci",
    HW_USER_PASSWORD: IAM_PASSWORD,
    HW_AUTH_URL: `${t.emu.url}/v3`,
    HW_CODEARTS_REPO_ENDPOINT: t.emu.url,
    GIT_USER: SOURCE_USER,
    GIT_PASSWORD: SOURCE_PASSWORD,
  });
  evidence.addSecret("CLOUDSMITH_API_KEY", t.apiKey);
  evidence.addSecret("HW_USER_PASSWORD", IAM_PASSWORD);
  evidence.addSecret("git source password", SOURCE_PASSWORD);
  mkdirSync(path.join(ROOT, ".test-work"), { recursive: true });
  dir = mkdtempSync(path.join(ROOT, ".test-work", "secrets-"));
  evidence.addDir(dir);
  writeFileSync(
    path.join(dir, "app.js"),
    `const { App, TerraformStack } = require("cdktf");
const { readFileSync } = require("node:fs");
const { CloudsmithConnection, CodeArtsConnection, EntitlementSync, EntitlementToken, PackageCopy, PackageMirror, RepositoryMirror, Secret } = require(${JSON.stringify(srcBundle())});
const d = JSON.parse(readFileSync(__dirname + "/decl.json", "utf8"));
// Terraform's hooks run this checkout's CLI (users get "npx --no-install reposmith").
const app = new App({ context: { "reposmith:command": ${JSON.stringify(`"${process.execPath}" "${ROOT}/bin/reposmith.js"`)} } });
const stack = new TerraformStack(app, "app");
new CloudsmithConnection(stack, "cloudsmith", { apiKey: Secret.fromEnv("CLOUDSMITH_API_KEY") });
new CodeArtsConnection(stack, "codearts", { region: "cn-north-4", password: Secret.fromEnv("HW_USER_PASSWORD") });
new EntitlementToken(stack, "ci", { owner: "acme", repository: "prod", name: "ci", rotation: { triggers: { n: d.rotation } }, limits: { numDownloads: 10 } });
new EntitlementToken(stack, "partner", { owner: "acme", repository: "prod", name: "partner", metadata: { team: "partners" } });
EntitlementToken.forDefaultToken(stack, "default", { owner: "acme", repository: "prod", limits: { numDownloads: 500 } });
new EntitlementSync(stack, "sync", { owner: "acme", source: "prod", target: "mirror", replaceTargetTokens: true });
new PackageCopy(stack, "left-pad", { source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } }, destination: "prod" });
new PackageMirror(stack, "releases", { source: { owner: "acme", repository: "staging" }, destination: "prod2", query: "tag:release" });
new RepositoryMirror(stack, "git", { repositoryId: 123, sourceUrl: "${SOURCE_URL}", credentials: { username: Secret.fromEnv("GIT_USER"), password: Secret.fromEnv("GIT_PASSWORD") }, waitForSync: { pollInterval: "50ms", timeout: "30s" } });
app.synth();
`,
  );
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const common = ["--output", "cdktf.out", "--state", "state"];
const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;

/** Terraform in the synthesized stack's directory, sharing reposmith's state through REPOSMITH_STATE. */
function terraform(args: string[]): Promise<CliResult> {
  const cwd = path.join(dir, "cdktf.out", "stacks", "app");
  const rc = path.join(dir, "terraformrc");
  writeFileSync(rc, "");
  return new Promise((resolve) => {
    const child = spawn("terraform", args, {
      cwd,
      env: {
        ...env,
        REPOSMITH_STATE: path.join(dir, "state"),
        CHECKPOINT_DISABLE: "1",
        TF_IN_AUTOMATION: "1",
        TF_CLI_CONFIG_FILE: rc,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => {
      const r = { code: code ?? -1, stdout, stderr };
      evidence.addOutput(`terraform ${args[0]}`, r);
      resolve(r);
    });
  });
}
const declare = (rotation: string) => writeFileSync(path.join(dir, "decl.json"), JSON.stringify({ rotation }));
async function cli(label: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, record = true): Promise<CliResult> {
  const r = await reposmith(args, { cwd: dir, env: { ...env, ...extraEnv }, timeoutMs: hangGuard(180_000) });
  if (record) evidence.addOutput(label, r);
  return r;
}
/** Every value that is a secret at this moment: token values (Cloudsmith) and issued IAM tokens (CodeArts). */
async function collectSecrets(): Promise<void> {
  await evidence.addTokenValues(t, REPOS);
  const state = await t.admin("GET", "/state");
  for (const tok of state.codearts?.tokens ?? []) evidence.addSecret("IAM token", tok.value);
}

describe("secret scanning across everything the suite produced", () => {
  it(
    "finds no API key, token value, password or IAM token anywhere, and state files are 0600",
    async () => {
      declare("1");
      const synth = await cli("synth", ["synth", "--app", nodeApp("app.js"), ...common]);
      expect(synth.code).toBe(0);
      for (const [label, args] of [
        ["plan", ["plan", "--skip-synth", ...common]],
        ["plan --json", ["plan", "--json", "--skip-synth", ...common]],
      ] as const)
        expect((await cli(label, [...args])).code).toBe(0);
      writeFileSync(
        path.join(dir, "plan.json"),
        (await cli("plan --json (saved)", ["plan", "--json", "--skip-synth", ...common])).stdout,
      );

      const apply = await cli("apply", ["apply", "--auto-approve", "--skip-synth", ...common]);
      expect(apply.stderr).toBe("");
      expect(apply.code).toBe(0);
      await collectSecrets();
      expect(evidence.secretCount).toBeGreaterThan(8);

      for (const [label, args] of [
        ["drift", ["drift", "--skip-synth", ...common]],
        ["drift --json", ["drift", "--json", "--skip-synth", ...common]],
        ["state list", ["state", "list", "--state", "state"]],
        ["state show", ["state", "show", "app/ci", "--state", "state"]],
        ["output", ["output", "app/ci", "--state", "state"]],
      ] as const)
        expect((await cli(label, [...args])).code).toBe(0);

      // The one command whose job is to print the value: checked, and left out of the scan.
      const shown = await cli(
        "output --show-secret",
        ["output", "app/ci", "--show-secret", "--state", "state"],
        {},
        false,
      );
      const ci = (await t.tokens("acme", "prod")).find((x) => x.name === "ci");
      expect(shown.stdout.trim()).toBe(ci.token);
      // The scanner finds a secret where there is one.
      const probe = new Evidence();
      probe.addSecret("token value", ci.token);
      probe.addOutput("output --show-secret", shown);
      expect(probe.scan().hits).toEqual([{ where: "output --show-secret (stdout)", secret: "token value" }]);

      // A rotation: a new value the plan and apply must not show either.
      declare("2");
      expect((await cli("synth (rotation)", ["synth", "--app", nodeApp("app.js"), ...common])).code).toBe(0);
      const rotatePlan = await cli("plan (rotation)", ["plan", "--skip-synth", ...common]);
      expect(rotatePlan.stdout).toMatch(/\(sensitive value\)/);
      expect((await cli("apply (rotation)", ["apply", "--auto-approve", "--skip-synth", ...common])).code).toBe(0);
      await collectSecrets();
      expect((await t.tokens("acme", "prod")).find((x) => x.name === "ci").token).not.toBe(ci.token);

      // The controller, one pass, JSON logs at debug level.
      const reconcile = await cli("reconcile", [
        "reconcile",
        "--skip-synth",
        "--log-format",
        "json",
        "--log-level",
        "debug",
        ...common,
      ]);
      expect([0, 2]).toContain(reconcile.code);

      // The Terraform path: the stack's runner, with its input from the synthesized stack.
      const stackFile = path.join(dir, "cdktf.out", "stacks", "app", "cdk.tf.json");
      const runner = JSON.parse(readFileSync(stackFile, "utf8")).resource.terraform_data.reposmith;
      const hookRun = await cli("hook run", ["hook", "run", "--state", "state"], {
        REPOSMITH_HOOK_INPUT: JSON.stringify({ ...runner.input, destroyed: "" }),
        REPOSMITH_STACK_FILE: stackFile,
        REPOSMITH_OUTPUTS: path.join(dir, "outputs", "app.tfstate"),
      });
      expect(hookRun.code).toBe(0);

      // An API that echoes the key in its errors, with and without REPOSMITH_DEBUG stack traces.
      const echo = JSON.stringify({ detail: `Invalid API key ${t.apiKey}; send X-Api-Key: ${t.apiKey}` });
      await t.admin("POST", "/faults", {
        rules: [{ method: "GET", path: "^/v1/entitlements/", status: 401, body: echo, times: 1e6 }],
      });
      const failing = await cli("plan against an echoing API", ["plan", "--skip-synth", ...common]);
      expect(failing.code).toBe(1);
      expect(failing.stderr).toMatch(/401 Invalid API key \*\*\*; send X-Api-Key: \*\*\*/);
      const debug = await cli("plan with REPOSMITH_DEBUG", ["plan", "--skip-synth", ...common], {
        REPOSMITH_DEBUG: "1",
      });
      expect(debug.code).toBe(1);
      const failingReconcile = await cli("reconcile against an echoing API", [
        "reconcile",
        "--skip-synth",
        "--log-format",
        "json",
        ...common,
      ]);
      expect(failingReconcile.code).toBe(1);
      await t.admin("DELETE", "/faults");

      await collectSecrets();
      const destroy = await cli("destroy", ["destroy", "--auto-approve", "--skip-synth", ...common]);
      expect(destroy.code).toBe(0);

      // The same stack through Terraform: its plan output, provisioner output and terraform.tfstate too.
      if (hasTerraform) {
        expect((await terraform(["init", "-input=false", "-no-color"])).code).toBe(0);
        const tfApply = await terraform(["apply", "-auto-approve", "-input=false", "-no-color"]);
        expect(tfApply.stderr).toBe("");
        expect(tfApply.code).toBe(0);
        await collectSecrets();
        expect((await terraform(["destroy", "-auto-approve", "-input=false", "-no-color"])).code).toBe(0);
      } else {
        process.stdout.write(
          "[reliability] secret scan: terraform is not on PATH; the Terraform path is not scanned\n",
        );
      }

      if (hasTerraform)
        expect(evidence.files().filter((f) => /\.tfstate/.test(f.file)).length).toBeGreaterThanOrEqual(1);
      const scan = evidence.scan();
      recordFigures("secret scan", {
        secretsKnown: evidence.secretCount,
        filesScanned: scan.scanned,
        secretHits: scan.hits.length,
        badModes: scan.badModes.length,
      });
      process.stdout.write(
        `[reliability] secret scan: ${evidence.secretCount} secrets, ${scan.scanned} outputs and files, ${scan.hits.length} hits, ${scan.badModes.length} state files not 0600\n`,
      );
      expect(scan.hits).toEqual([]);
      expect(scan.badModes).toEqual([]);
      expect(scan.scanned).toBeGreaterThan(20);
    },
    hangGuard(300_000),
  );
});

/**
 * Credentials written into URL props instead of Secret references: each app must fail at synth with
 * an error naming the construct path and the field, and neither that error nor anything the synth
 * leaves in its output directory may hold the credential. Before these were checked, connection
 * URLs reached cdk.tf.json as written and sourceUrl errors echoed the password.
 */
describe("credentials in URL props never leave the app", () => {
  const cases: { id: string; construct: string; secret: string; want: RegExp }[] = [
    {
      id: "git",
      construct: `new RepositoryMirror(stack, "git", { repositoryId: 123, sourceUrl: "https://bob:hunter2secret@git.example.com/app.git" })`,
      secret: "hunter2secret",
      want: /RepositoryMirror at "app\/git": sourceUrl must not contain credentials .*\(got "https:\/\/\*\*\*@git\.example\.com\/app\.git"\); give them as credentials: \{ username: Secret\.fromEnv/,
    },
    {
      id: "git-query",
      construct: `new RepositoryMirror(stack, "git-query", { repositoryId: 123, sourceUrl: "https://git.example.com/app.git?private_token=QueryTok-99" })`,
      secret: "QueryTok-99",
      want: /RepositoryMirror at "app\/git-query": sourceUrl must not carry credentials in its query string \("private_token"\)/,
    },
    {
      id: "git-ssh",
      construct: `new RepositoryMirror(stack, "git-ssh", { repositoryId: 123, sourceUrl: "ssh://git:SshPw-4242@git.example.com/app.git" })`,
      secret: "SshPw-4242",
      want: /RepositoryMirror at "app\/git-ssh": sourceUrl must be an http:\/\/ or https:\/\/ URL \(got an SSH URL\)/,
    },
    {
      id: "cloudsmith",
      construct: `new CloudsmithConnection(stack, "cloudsmith", { apiUrl: "https://bob:ApiUrlPw-77@api.cloudsmith.io/v1" })`,
      secret: "ApiUrlPw-77",
      want: /CloudsmithConnection at "app\/cloudsmith": apiUrl must not contain credentials .*; give the API key as apiKey: Secret\.fromEnv\("CLOUDSMITH_API_KEY"\)/,
    },
    {
      id: "cloudsmith-query",
      construct: `new CloudsmithConnection(stack, "cloudsmith-query", { apiUrl: "https://api.cloudsmith.io/v1?access_token=ApiQueryTok-66" })`,
      secret: "ApiQueryTok-66",
      want: /CloudsmithConnection at "app\/cloudsmith-query": apiUrl must not carry credentials in its query string \("access_token"\)/,
    },
    {
      id: "codearts",
      construct: `new CodeArtsConnection(stack, "codearts", { authUrl: "https://svc:AuthUrlPw-88@iam.cn-north-4.myhuaweicloud.com/v3" })`,
      secret: "AuthUrlPw-88",
      want: /CodeArtsConnection at "app\/codearts": authUrl must not contain credentials .*; give IAM credentials as userName, password or token Secret references/,
    },
    {
      id: "codearts-endpoint",
      construct: `new CodeArtsConnection(stack, "codearts-endpoint", { endpoint: "https://svc:EndpointPw-55@codehub-ext.cn-north-4.myhuaweicloud.com" })`,
      secret: "EndpointPw-55",
      want: /CodeArtsConnection at "app\/codearts-endpoint": endpoint must not contain credentials/,
    },
  ];

  it(
    "fails each synth naming the construct and the field, and no output or error holds the credential",
    async () => {
      mkdirSync(path.join(ROOT, ".test-work"), { recursive: true });
      const work = mkdtempSync(path.join(ROOT, ".test-work", "secrets-urls-"));
      const scan = new Evidence();
      try {
        const results = await Promise.all(
          cases.map(async (c) => {
            // The app source holds the credential (that is the mistake); only what reposmith writes is scanned.
            writeFileSync(
              path.join(work, `${c.id}.js`),
              `const { App, TerraformStack } = require("cdktf");
const { CloudsmithConnection, CodeArtsConnection, RepositoryMirror } = require(${JSON.stringify(srcBundle())});
const app = new App();
const stack = new TerraformStack(app, "app");
${c.construct};
app.synth();
`,
            );
            const out = path.join(work, `out-${c.id}`);
            scan.addDir(out);
            scan.addSecret(c.id, c.secret);
            const r = await reposmith(["synth", "--app", nodeApp(`${c.id}.js`), "--output", out], {
              cwd: work,
              env: process.env,
              timeoutMs: hangGuard(120_000),
            });
            scan.addOutput(`synth ${c.id}`, r);
            return { c, r, out };
          }),
        );
        for (const { c, r, out } of results) {
          expect({ id: c.id, code: r.code }).toEqual({ id: c.id, code: 1 });
          expect(r.stderr).toMatch(c.want);
          expect(existsSync(path.join(out, "stacks", "app", "cdk.tf.json"))).toBe(false);
        }
        // The scanner finds a credential where there is one: the app's own source.
        const probe = new Evidence();
        probe.addSecret("codearts", "AuthUrlPw-88");
        probe.addText("codearts.js", readFileSync(path.join(work, "codearts.js"), "utf8"));
        expect(probe.scan().hits).toEqual([{ where: "codearts.js", secret: "codearts" }]);

        const found = scan.scan();
        expect(found.scanned).toBeGreaterThanOrEqual(cases.length * 2);
        expect(found.hits).toEqual([]);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    hangGuard(180_000),
  );
});

/**
 * S8.6: bad input at the CLI. Each mistake gets exit 1 and exactly one line on stderr that says what
 * is wrong and what to do; nothing is created and no secret is echoed.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import { reposmith, ROOT, startTestEmulator, type CliResult, type TestEmulator } from "../helpers/harness";
import { announceFigures, Evidence, hangGuard, recordFigures } from "./helpers";

announceFigures("bad CLI input");

let t: TestEmulator;
let dir: string;
const evidence = new Evidence();
let cases = 0;

beforeAll(async () => {
  t = await startTestEmulator([
    ["acme", "prod"],
    ["acme", "staging"],
  ]);
  evidence.addSecret("CLOUDSMITH_API_KEY", t.apiKey);
  evidence.addSecret("password in a URL", "hunter2-pass");
  mkdirSync(path.join(ROOT, ".test-work"), { recursive: true });
  dir = mkdtempSync(path.join(ROOT, ".test-work", "bad-"));
  evidence.addDir(dir);
  const app = new App({ outdir: path.join(dir, "cdktf.out") });
  const stack = new TerraformStack(app, "app");
  new EntitlementToken(stack, "a", { owner: "acme", repository: "prod", name: "a" });
  new EntitlementToken(stack, "b", { owner: "acme", repository: "staging", name: "b" });
  app.synth();
});
afterAll(async () => {
  const scan = evidence.scan();
  recordFigures("bad CLI input", { cases, secretHits: scan.hits.length, filesScanned: scan.scanned });
  await t.close();
  rmSync(dir, { recursive: true, force: true });
  expect(scan.hits).toEqual([]);
});

const base = ["--skip-synth", "--output", "cdktf.out", "--state", "state"];
async function cli(label: string, args: string[], env: NodeJS.ProcessEnv = t.env): Promise<CliResult> {
  const r = await reposmith([...args, ...base], { cwd: dir, env, timeoutMs: hangGuard(120_000) });
  evidence.addOutput(label, r);
  return r;
}
/** Exit 1, one line on stderr, matching every pattern. */
function oneClearLine(r: CliResult, ...patterns: RegExp[]): void {
  cases++;
  expect(r.code).toBe(1);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^Error: /);
  for (const p of patterns) expect(lines[0]).toMatch(p);
}
const created = async () =>
  (await t.admin("GET", "/state")).tokens.filter((x: any) => x.metadata?.["managed-by"]).length;
const without = (env: NodeJS.ProcessEnv, name: string) =>
  Object.fromEntries(Object.entries(env).filter(([k]) => k !== name));

describe("bad input at the CLI: exit 1 and one line saying what to do", () => {
  it.each([["plan"], ["apply", "--auto-approve"], ["drift"]])(
    "unknown stack (%s --stack nope): names the app's stacks and the flag",
    async (...cmd) => {
      const r = await cli(`unknown stack ${cmd[0]}`, [...cmd, "--stack", "nope"]);
      oneClearLine(r, /unknown stack "nope"/, /"app"/, /--stack/);
    },
  );

  it.each([["plan"], ["apply", "--auto-approve"]])(
    "missing credentials (%s without CLOUDSMITH_API_KEY): names the variable to export",
    async (...cmd) => {
      const r = await cli(`no key ${cmd[0]}`, [...cmd], without(t.env, "CLOUDSMITH_API_KEY"));
      oneClearLine(r, /CLOUDSMITH_API_KEY is not set/, /export/);
      expect(await created()).toBe(0);
    },
  );

  it("unreachable API URL (connection refused): one line naming the URL and CLOUDSMITH_API_URL, not one per resource; credentials in the URL never shown", async () => {
    // Each CLI logs its connection attempts (connect-log.cjs): counted, not timed, so a loaded machine changes nothing.
    const attempts = (name: string) => ({
      NODE_OPTIONS: `--require ${path.join(__dirname, "connect-log.cjs")}`,
      REPOSMITH_TEST_CONNECT_LOG: path.join(dir, `${name}.connects`),
    });
    const [plain, withCredentials] = await Promise.all([
      cli("unreachable", ["plan"], { ...t.env, CLOUDSMITH_API_URL: "http://127.0.0.1:1/v1", ...attempts("plain") }),
      cli("unreachable with credentials", ["apply", "--auto-approve"], {
        ...t.env,
        CLOUDSMITH_API_URL: "http://admin:hunter2-pass@127.0.0.1:1/v1",
        ...attempts("credentials"),
      }),
    ]);
    // One list call per repository (2), each tried once and retried twice at most for a refused
    // connection: no long series of retries (and their backoff) before saying so.
    const tries = (name: string) => {
      const log = path.join(dir, `${name}.connects`);
      return existsSync(log)
        ? readFileSync(log, "utf8")
            .split("\n")
            .filter((l) => l === "127.0.0.1:1").length
        : 0;
    };
    const counted = { plain: tries("plain"), credentials: tries("credentials") };
    for (const n of Object.values(counted)) {
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(2 * 3);
    }
    oneClearLine(
      plain,
      /the API at http:\/\/127\.0\.0\.1:1\/v1 is unreachable/,
      /ECONNREFUSED/,
      /check CLOUDSMITH_API_URL/,
    );
    oneClearLine(withCredentials, /the API at http:\/\/127\.0\.0\.1:1\/v1 is unreachable/, /check CLOUDSMITH_API_URL/);
    expect(withCredentials.stdout + withCredentials.stderr).not.toContain("hunter2-pass");
  });

  it("a wrong API key (401 on every resource): one line saying to check CLOUDSMITH_API_KEY", async () => {
    const r = await cli("wrong key", ["plan"], { ...t.env, CLOUDSMITH_API_KEY: "not-the-key" });
    oneClearLine(r, /rejected the credentials \(401/, /check CLOUDSMITH_API_KEY/);
    expect(r.stderr).not.toContain("not-the-key");
  });

  it("an API URL that is not a URL: says to set CLOUDSMITH_API_URL to a full URL", async () => {
    const r = await cli("not a url", ["plan"], { ...t.env, CLOUDSMITH_API_URL: "api.cloudsmith.io" });
    oneClearLine(r, /CLOUDSMITH_API_URL/, /https:\/\/api\.cloudsmith\.io\/v1/);
  });

  it("no synthesized app: says to run synth or pass --output", async () => {
    const r = await reposmith(["plan", "--skip-synth", "--output", "nowhere", "--state", "state"], {
      cwd: dir,
      env: t.env,
    });
    evidence.addOutput("no synth output", r);
    oneClearLine(r, /reposmith synth/, /--output/);
  });

  it("a bad --parallelism: says what is allowed", async () => {
    const r = await cli("bad parallelism", ["plan", "--parallelism", "0"]);
    oneClearLine(r, /--parallelism must be a whole number of at least 1/);
  });

  it("state list --stack with a stack the state does not hold: says which it holds", async () => {
    cases++;
    const r = await reposmith(["state", "list", "--stack", "nope", "--state", "state-list-check"], {
      cwd: dir,
      env: t.env,
    });
    oneClearLine(r, /no state for stack "nope" in .*state-list-check: it holds no stacks yet/);
  });

  it("bad props in the app: synth shows the construct's message alone (no loader excerpt, no stack trace); the app's own crash keeps its trace", async () => {
    const appDir = mkdtempSync(path.join(ROOT, ".test-work", "bad-app-"));
    try {
      writeFileSync(path.join(appDir, "cdktf.json"), JSON.stringify({ app: "npx tsx main.ts" }));
      const main = (body: string) =>
        writeFileSync(
          path.join(appDir, "main.ts"),
          `import { App, TerraformStack } from "cdktf";\nimport { EntitlementToken } from ${JSON.stringify(path.join(ROOT, "src"))};\nconst app = new App();\nconst stack = new TerraformStack(app, "s");\n${body}\napp.synth();\n`,
        );
      // A good synth first: a failed one afterwards keeps its output for --skip-synth runs.
      main(`new EntitlementToken(stack, "tok", { owner: "acme", repository: "prod", name: "ci" });`);
      expect((await reposmith(["synth"], { cwd: appDir, env: t.env })).code).toBe(0);
      main(
        `console.error("the app's own line");\nnew EntitlementToken(stack, "tok", { owner: "acme", repository: "prod", name: "ci", limits: { numDownloads: -1, dateRangeTo: "2027-01-01T10:00:00" } });`,
      );
      const r = await reposmith(["synth"], { cwd: appDir, env: t.env });
      expect(existsSync(path.join(appDir, "cdktf.out", "manifest.json"))).toBe(true);
      expect(existsSync(path.join(appDir, "cdktf.out", "manifest.json.previous"))).toBe(false);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toEqual([
        // What the app printed itself stays; Node's report of the error does not.
        "the app's own line",
        'Error: synth failed: EntitlementToken at "s/tok":',
        '  - limits.dateRangeTo must say its time zone: add "Z" for UTC or an offset such as "+02:00" (got "2027-01-01T10:00:00")',
        "  - limits.numDownloads must be 0 or more (got -1)",
      ]);
      // Checks across constructs run in cdktf's validation: shown the same way, without its advice to skip validation.
      main(
        `import { EntitlementSync } from ${JSON.stringify(path.join(ROOT, "src"))};\n` +
          `new EntitlementSync(stack, "a", { owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true });\n` +
          `new EntitlementSync(stack, "b", { owner: "acme", source: "staging", target: "prod", replaceTargetTokens: true });`,
      );
      const cycle = await reposmith(["synth"], { cwd: appDir, env: t.env });
      expect(cycle.code).toBe(1);
      expect(cycle.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(
          /^Error: synth failed: at "s\/a": EntitlementSyncs "s\/a" .* form a cycle: .*make the syncs flow one way/,
        ),
      ]);
      // The app's own error of that name (Joi's, yup's) is the app's: shown with its trace.
      main(
        `class ValidationError extends Error { name = "ValidationError"; }\nthrow new ValidationError("config.yaml: owner is missing");`,
      );
      const joi = await reposmith(["synth"], { cwd: appDir, env: t.env });
      expect(joi.code).toBe(1);
      expect(joi.stderr).toMatch(/ValidationError: config.yaml: owner is missing\n\s+at /);
      main(`throw new Error("the app's own bug");`);
      const own = await reposmith(["synth"], { cwd: appDir, env: t.env });
      expect(own.code).toBe(1);
      expect(own.stderr).toMatch(/Error: the app's own bug\n\s+at /);
      expect(own.stderr).toMatch(/Error: synth failed: the app "npx tsx main.ts" exited with 1/);
    } finally {
      rmSync(appDir, { recursive: true, force: true });
    }
  });

  it("after all of that, nothing was created and a correct run still works", async () => {
    expect(await created()).toBe(0);
    const r = await cli("good run", ["apply", "--auto-approve"]);
    expect(r.code).toBe(0);
    expect(await created()).toBe(2);
    await evidence.addTokenValues(t, [
      ["acme", "prod"],
      ["acme", "staging"],
    ]);
  });
});

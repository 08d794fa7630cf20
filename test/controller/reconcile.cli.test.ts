import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, Workdir, reposmith, type TestEmulator } from "../helpers/harness";
import { token, writeOutdir } from "../helpers/outdir";
import { emulatorAndDir, waitFor, type TempDir } from "./helpers";

let t: TestEmulator;
let w: TempDir;
emulatorAndDir("reposmith-cli-", (emulator, dir) => {
  t = emulator;
  w = dir;
});

const managed = async () => (await t.tokens("acme", "prod")).filter((x) => x.metadata?.["managed-by"] === "reposmith");
const tamper = async (name: string, body: Record<string, unknown>) => {
  const tok = (await managed()).find((x) => x.name === name);
  expect((await t.api("PATCH", `/entitlements/acme/prod/${tok.slug_perm}/`, body)).status).toBe(200);
};
const args = () => ["--skip-synth", "--output", w.outdir, "--state", w.stateDir];
const jsonLines = (s: string) =>
  s
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));

/** The real CLI, running in the background (the emulator in this process keeps answering). */
function start(extra: string[]) {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/reposmith.js"), "reconcile", ...args(), ...extra], {
    cwd: w.dir,
    env: t.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on("close", (code) => resolve({ code, at: Date.now() })),
  );
  return { child, exited, out: () => stdout, err: () => stderr, lines: () => jsonLines(stdout) };
}

describe("reposmith reconcile (the real CLI)", () => {
  it("one pass: 0 when converged, 2 when drift is only reported, and corrects it by default; no secrets in the logs", async () => {
    writeOutdir(w.outdir, { app: [token("ci", { limits: { numDownloads: 100 } })] });
    const first = await reposmith(["reconcile", ...args()], { cwd: w.dir, env: t.env });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect((await managed()).map((x) => x.name)).toEqual(["ci"]);
    expect(jsonLines(first.stdout).find((l) => l.msg === "reconcile pass done")).toMatchObject({
      applied: 1,
      stackErrors: 0,
    });

    await tamper("ci", { limit_num_downloads: 9 });
    const report = await reposmith(["reconcile", "--drift-policy", "report", "--log-format", "pretty", ...args()], {
      cwd: w.dir,
      env: t.env,
    });
    expect(report.code).toBe(2);
    expect(report.stdout).toMatch(/WARN.*drift found on acme\/prod "ci": reported, not corrected/);
    expect((await managed())[0].limit_num_downloads).toBe(9);

    const fix = await reposmith(["reconcile", ...args()], { cwd: w.dir, env: t.env });
    expect(fix.code).toBe(0);
    expect((await managed())[0].limit_num_downloads).toBe(100);

    const secrets = [t.apiKey, ...(await t.tokens("acme", "prod")).map((x) => x.token as string)];
    for (const o of [first, report, fix]) for (const s of secrets) expect(o.stdout + o.stderr).not.toContain(s);
  });

  it("exits 0 within 5 s on SIGTERM, releasing its lock, also with an API call in flight", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    const p = start(["--watch", "--interval", "1s", "--listen", "127.0.0.1:0"]);
    try {
      const url = await waitFor(
        "the probe server",
        () => p.lines().find((l) => l.url)?.url as string | undefined,
        20_000,
      );
      await waitFor("readiness", async () => (await fetch(`${url}/readyz`)).status === 200, 20_000);
      // Every API answer now takes 8 s: the next pass hangs on its first request, past the 4 s grace.
      await t.admin("POST", "/faults", { latencyMs: 8_000 });
      await new Promise((r) => setTimeout(r, 1_200)); // the 1 s interval starts the next pass, which hangs
      const sent = Date.now();
      p.child.kill("SIGTERM");
      const { code, at } = await p.exited;
      expect(code).toBe(0);
      expect(at - sent).toBeLessThan(5_000);
      const msgs = p.lines().map((l) => l.msg);
      expect(msgs).toEqual(expect.arrayContaining(["signal received; shutting down", "stopped; locks released"]));
      expect(msgs.some((m) => /^abandoning in-flight operations/.test(m))).toBe(true);
      expect(p.err()).toBe("");
      expect(readdirSync(w.stateDir).filter((f) => f.includes(".lock"))).toEqual([]);
    } finally {
      p.child.kill("SIGKILL");
      await t.admin("DELETE", "/faults");
    }
  }, 40_000);

  it("rejects a bad --log-level or --log-format with one clear line and exit code 1", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    const level = await reposmith(["reconcile", "--log-level", "loud", ...args()], { cwd: w.dir, env: t.env });
    expect(level.code).toBe(1);
    expect(level.stderr).toBe(
      'Error: --log-level must be one of trace, debug, info, warn, error, fatal (got "loud")\n',
    );
    expect(level.stdout).toBe("");
    const format = await reposmith(["reconcile", "--log-format", "xml", ...args()], { cwd: w.dir, env: t.env });
    expect(format.code).toBe(1);
    expect(format.stderr).toBe('Error: --log-format must be json or pretty (got "xml")\n');
    expect(await managed()).toEqual([]); // nothing was reconciled
  }, 30_000);

  it("says the app failed to synthesize, with the synth's error, when it did", async () => {
    // The last good output stays for --skip-synth readers, as with `reposmith synth`.
    writeOutdir(w.outdir, { app: [token("ci")] });
    const app = "echo 'Error: no construct at stacks/app' >&2; exit 3";
    const r = await reposmith(["reconcile", "--app", app, "--output", w.outdir, "--state", w.stateDir], {
      cwd: w.dir,
      env: t.env,
    });
    expect(r.code).toBe(1);
    const errors = jsonLines(r.stdout).filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toBe(
      `the app failed to synthesize; nothing was applied this pass: synth failed: the app "${app}" exited with 3: Error: no construct at stacks/app`,
    );
    expect(errors[0].err).toMatchObject({
      type: "CliError",
      message: `synth failed: the app "${app}" exited with 3: Error: no construct at stacks/app`,
    });
    expect(jsonLines(r.stdout).find((l) => l.msg === "reconcile pass done")).toMatchObject({
      applied: 0,
      stackErrors: 1,
    });
    expect(existsSync(path.join(w.outdir, "manifest.json"))).toBe(true);

    // A reposmith props error is logged as the construct's message alone, as `reposmith synth` shows it.
    const bad = `echo 'ValidationError: EntitlementToken at "app/ci": limits.numClients must be 0 or more (got -5)' >&2; echo '    at validateSpec (hook.ts:1:1)' >&2; exit 1`;
    const props = await reposmith(["reconcile", "--app", bad, "--output", w.outdir, "--state", w.stateDir], {
      cwd: w.dir,
      env: t.env,
    });
    const [line] = jsonLines(props.stdout).filter((l) => l.level === "error");
    expect(line.msg).toBe(
      'the app failed to synthesize; nothing was applied this pass: synth failed: EntitlementToken at "app/ci": limits.numClients must be 0 or more (got -5)',
    );

    // An app that exits 0 without writing anything gets the hint `reposmith synth` gives.
    const silent = await reposmith(["reconcile", "--app", "true", "--output", w.outdir, "--state", w.stateDir], {
      cwd: w.dir,
      env: t.env,
    });
    const [nothing] = jsonLines(silent.stdout).filter((l) => l.level === "error");
    expect(nothing.err).toMatchObject({
      type: "CliError",
      message: `the app "true" ran but wrote nothing to ${w.outdir}; does it call app.synth()?`,
    });
    expect(existsSync(path.join(w.outdir, "manifest.json"))).toBe(true);
  }, 30_000);

  it("on SIGTERM between passes, releases its locks and says so before exiting 0", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    const p = start(["--watch", "--interval", "60s"]);
    try {
      await waitFor("the first pass", () => p.lines().some((l) => l.msg === "reconcile pass done"), 20_000);
      expect(readdirSync(w.stateDir).filter((f) => f.includes(".lock"))).not.toEqual([]); // the leader lock, held while idle
      p.child.kill("SIGTERM");
      const { code } = await p.exited;
      expect(code).toBe(0);
      const msgs = p.lines().map((l) => l.msg);
      expect(msgs.slice(-2)).toEqual(["signal received; shutting down", "stopped; locks released"]);
      expect(p.err()).toBe("");
      expect(readdirSync(w.stateDir).filter((f) => f.includes(".lock"))).toEqual([]);
    } finally {
      p.child.kill("SIGKILL");
    }
  }, 40_000);

  it("honours a construct's driftPolicy prop through a real synth (--app)", async () => {
    const wd = new Workdir();
    try {
      wd.declare([
        {
          id: "ci",
          props: { owner: "acme", repository: "prod", name: "ci", driftPolicy: "report", deletionPolicy: "delete" },
        },
      ]);
      const first = await reposmith(["reconcile", ...wd.args], { cwd: wd.dir, env: t.env });
      expect(first.code).toBe(0);
      expect(wd.state().resources["app/ci"].lifecycle).toEqual({ driftPolicy: "report", deletionPolicy: "delete" });
      await tamper("ci", { is_active: false });
      const second = await reposmith(["reconcile", ...wd.args], { cwd: wd.dir, env: t.env });
      expect(second.code).toBe(2); // the default is correct, but this token only reports
      wd.declare([]);
      const third = await reposmith(["reconcile", ...wd.args], { cwd: wd.dir, env: t.env });
      expect(third.code).toBe(0);
      expect(await managed()).toHaveLength(0); // deletionPolicy delete
      expect(existsSync(wd.stateFile())).toBe(true);
    } finally {
      wd.cleanup();
    }
  }, 60_000);

  it("synthesizing keeps Terraform's files in the stack directories (as reposmith synth does)", async () => {
    const wd = new Workdir();
    try {
      wd.declare([{ id: "ci", props: { owner: "acme", repository: "prod", name: "ci" } }]);
      expect((await reposmith(["synth", ...wd.args.slice(0, 4)], { cwd: wd.dir, env: t.env })).code).toBe(0);
      const tfDir = path.join(wd.dir, "cdktf.out", "stacks", "app", ".terraform");
      mkdirSync(tfDir, { recursive: true });
      writeFileSync(path.join(tfDir, "marker"), "terraform init was here");
      writeFileSync(path.join(wd.dir, "cdktf.out", "stacks", "app", "terraform.tfstate"), "{}");
      const r = await reposmith(["reconcile", ...wd.args], { cwd: wd.dir, env: t.env });
      expect(r.code).toBe(0);
      expect(existsSync(path.join(tfDir, "marker"))).toBe(true);
      expect(existsSync(path.join(wd.dir, "cdktf.out", "stacks", "app", "terraform.tfstate"))).toBe(true);
      expect(await managed()).toHaveLength(1);
    } finally {
      wd.cleanup();
    }
  }, 60_000);
});

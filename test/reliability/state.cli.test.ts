/**
 * S8.3 through the real CLI: a truncated or corrupted state file is refused in one line that names
 * the backup to restore (and following that line works); a previous version is always kept; a
 * concurrent apply is refused naming the lock holder; a dead holder's lock is taken over safely.
 * (test/engine/file-store.test.ts covers the store itself.)
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import { reposmith, startTestEmulator, Workdir, type CliResult, type TestEmulator } from "../helpers/harness";
import {
  announceFigures,
  checkTokens,
  Evidence,
  hangGuard,
  LONG,
  readStateFile,
  recordFigures,
  sleep,
  startReposmith,
} from "./helpers";

announceFigures("state (CLI)");

let t: TestEmulator;
let w: Workdir;
const workdirs: Workdir[] = [];
const evidence = new Evidence();
const figures = {
  corruptionsRefused: 0,
  restoredFromBackup: 0,
  concurrentRefused: 0,
  staleLocksRecovered: 0,
  duplicates: 0,
  orphans: 0,
  lost: 0,
};

beforeAll(async () => {
  t = await startTestEmulator();
  evidence.addSecret("CLOUDSMITH_API_KEY", t.apiKey);
});
afterAll(async () => {
  const scan = evidence.scan();
  recordFigures("state (CLI)", {
    ...figures,
    secretHits: scan.hits.length,
    filesScanned: scan.scanned,
    badModes: scan.badModes.length,
  });
  await t.close();
  for (const d of workdirs) d.cleanup();
  expect(scan.hits).toEqual([]);
  expect(scan.badModes).toEqual([]);
});
beforeEach(async () => {
  await t.reseed({ repositories: [{ owner: "acme", slug: "prod" }] });
  w = new Workdir();
  workdirs.push(w);
  evidence.addDir(w.dir);
});
// Workdirs stay until afterAll has scanned them.
afterEach(() => evidence.addTokenValues(t, [["acme", "prod"]]));

/** Synthesizes `n` tokens in-process into the workdir's output (commands then run with --skip-synth). */
function declare(n: number): void {
  const app = new App({ outdir: path.join(w.dir, "cdktf.out") });
  const stack = new TerraformStack(app, "app");
  for (let i = 0; i < n; i++)
    new EntitlementToken(stack, `t${i}`, {
      owner: "acme",
      repository: "prod",
      name: `t${i}`,
      limits: { numDownloads: 10 },
    });
  app.synth();
}
async function run(label: string, ...args: string[]): Promise<CliResult> {
  const r = await reposmith([...args, "--skip-synth", ...w.args], {
    cwd: w.dir,
    env: t.env,
    timeoutMs: hangGuard(120_000),
  });
  evidence.addOutput(label, r);
  return r;
}
const stderrLines = (r: CliResult) => r.stderr.split("\n").filter((l) => l.trim() !== "");
async function converged(n: number): Promise<void> {
  const conv = await checkTokens(
    t,
    [["acme", "prod"]],
    readStateFile(w.stateFile())!,
    new Set(Array.from({ length: n }, (_, i) => `app/t${i}`)),
  );
  figures.duplicates += conv.duplicates;
  figures.orphans += conv.orphans;
  figures.lost += conv.lost;
  expect(conv.problems).toEqual([]);
}

describe("corrupted state through the CLI", () => {
  const corruptions: [string, (text: string) => string | Buffer][] = [
    ["truncated mid-document", (s) => s.slice(0, Math.floor(s.length / 2))],
    ["empty", () => ""],
    ["binary garbage", () => Buffer.from([0x00, 0xff, 0x13, 0x37, 0x80, 0x0a])],
    ["valid JSON, wrong shape (serial is a string)", (s) => JSON.stringify({ ...JSON.parse(s), serial: "7" })],
    ["another stack's state", (s) => JSON.stringify({ ...JSON.parse(s), stack: "other" })],
    [
      "a resource entry without its id",
      (s) => {
        const j = JSON.parse(s);
        delete Object.values<any>(j.resources)[0].id;
        return JSON.stringify(j);
      },
    ],
  ];

  // Inside npm test: the thorough check on a truncated file and the apply refusal on two more kinds; all of them in the long run.
  it.each(
    corruptions
      .filter((_, i) => LONG || [0, 2, 3].includes(i))
      .map(([name, spoil], i) => [name, spoil, LONG || i === 0] as const),
  )(
    "%s: refused in one line naming the backup; restoring it converges with no duplicates",
    async (_name, spoil, thorough) => {
      declare(3);
      expect((await run("first apply", "apply", "--auto-approve")).code).toBe(0);
      declare(4);
      expect((await run("second apply", "apply", "--auto-approve")).code).toBe(0);
      const file = w.stateFile();
      const backup = `${file}.backup`;
      // A previous version is always kept, one serial behind.
      expect(readStateFile(backup)!.serial).toBe(readStateFile(file)!.serial - 1);

      writeFileSync(file, spoil(readFileSync(file, "utf8")));
      let line = "";
      for (const cmd of thorough ? [["plan"], ["drift"], ["apply", "--auto-approve"]] : [["apply", "--auto-approve"]]) {
        const r = await run(`corrupt ${cmd[0]}`, ...cmd);
        expect(r.code).toBe(1);
        const lines = stderrLines(r);
        expect(lines).toHaveLength(1);
        line = lines[0];
        expect(line).toMatch(
          /^Error: state file .*app\.json is unreadable \(.+\); refusing to continue\. Restore the previous version with: cp .*app\.json\.backup .*app\.json$/,
        );
        figures.corruptionsRefused++;
      }
      // Nothing was written while refusing: the backup is intact.
      expect(readStateFile(backup)).toBeDefined();

      // Do what the line says.
      const cp = /cp (\S+) (\S+)$/.exec(line)!;
      copyFileSync(cp[1], cp[2]);
      figures.restoredFromBackup++;
      expect((await run("apply after restore", "apply", "--auto-approve")).code).toBe(0);
      await converged(4);
    },
  );

  it("with no previous version: the line says to remove the file, and doing so re-adopts by tag without duplicates", async () => {
    declare(3);
    expect((await run("first apply", "apply", "--auto-approve")).code).toBe(0);
    rmSync(`${w.stateFile()}.backup`, { force: true });
    writeFileSync(w.stateFile(), "{");
    const r = await run("corrupt, no backup", "plan");
    expect(r.code).toBe(1);
    expect(stderrLines(r)).toHaveLength(1);
    expect(stderrLines(r)[0]).toMatch(
      /No readable previous version exists; remove it and re-run: reposmith finds what it manages again/,
    );
    figures.corruptionsRefused++;
    // A backup that is corrupt too is not offered as the way back.
    writeFileSync(`${w.stateFile()}.backup`, "{ also broken");
    const both = await run("corrupt, corrupt backup", "plan");
    expect(stderrLines(both)[0]).not.toMatch(/cp /);
    expect(stderrLines(both)[0]).toMatch(/No readable previous version exists/);
    rmSync(`${w.stateFile()}.backup`);
    rmSync(w.stateFile());
    const plan = await run("plan after removal", "plan");
    expect(plan.stdout).toMatch(/3 to adopt|adopt/i);
    expect((await run("apply after removal", "apply", "--auto-approve")).code).toBe(0);
    await converged(3);
  });
});

describe("locks through the CLI", () => {
  const slow = async () =>
    t.admin("POST", "/faults", { latencyMs: 0, rules: [{ pass: true, delayMs: 600, times: 1e9 }] });

  it("a concurrent apply is refused in one line naming the holder (operation, pid, host); the first one finishes untouched", async () => {
    declare(20);
    // Creates held for 4 s (scaled like the time limits): the first apply still holds the lock while the second CLI starts, even on a loaded machine.
    await t.admin("POST", "/faults", {
      latencyMs: 0,
      rules: [
        { method: "POST", pass: true, delayMs: hangGuard(4_000), times: 1e9 },
        { pass: true, delayMs: 600, times: 1e9 },
      ],
    });
    const args = ["apply", "--auto-approve", "--skip-synth", ...w.args];
    const first = startReposmith(args, { cwd: w.dir, env: t.env });
    const lockDir = `${w.stateFile()}.lock`;
    const deadline = Date.now() + hangGuard(30_000);
    while (!existsSync(`${lockDir}.json`) && Date.now() < deadline) await sleep(10);
    const second = await reposmith(args, { cwd: w.dir, env: t.env, timeoutMs: hangGuard(120_000) });
    evidence.addOutput("concurrent second apply", second);
    expect(second.code).toBe(1);
    const lines = stderrLines(second);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `state of stack "app" is locked by reposmith apply (pid ${first.child.pid} on ${hostname()}, since `,
    );
    expect(lines[0]).toMatch(/wait for it to finish, or if that process is dead remove .*app\.json\.lock$/);
    figures.concurrentRefused++;
    const r1 = await first.done;
    evidence.addOutput("concurrent first apply", r1);
    expect(r1.code).toBe(0);
    await t.admin("DELETE", "/faults");
    expect(existsSync(lockDir)).toBe(false);
    await converged(20);
  });

  it("a lock left by a kill -9 (dead holder on this machine) is taken over by the next apply, which converges", async () => {
    declare(20);
    await slow();
    const args = ["apply", "--auto-approve", "--skip-synth", ...w.args];
    const victim = startReposmith(args, { cwd: w.dir, env: t.env });
    const deadline = Date.now() + hangGuard(30_000);
    while (
      (await t.admin("GET", "/state")).tokens.filter((x: any) => x.metadata?.key).length < 3 &&
      Date.now() < deadline
    )
      await sleep(10);
    victim.child.kill("SIGKILL");
    evidence.addOutput("killed apply", await victim.done);
    const holder = JSON.parse(readFileSync(`${w.stateFile()}.lock.json`, "utf8"));
    expect(holder.pid).toBe(victim.child.pid);
    expect(existsSync(`${w.stateFile()}.lock`)).toBe(true);
    await t.admin("DELETE", "/faults");

    const next = await run("apply after kill", "apply", "--auto-approve");
    expect(next.code).toBe(0);
    figures.staleLocksRecovered++;
    expect(existsSync(`${w.stateFile()}.lock`)).toBe(false);
    await converged(20);
  });

  it("a fresh lock held on another machine is refused naming that host; once stale (no heartbeat for 15 s) it is recovered", async () => {
    declare(2);
    expect((await run("first apply", "apply", "--auto-approve")).code).toBe(0);
    const lockDir = `${w.stateFile()}.lock`;
    mkdirSync(lockDir);
    writeFileSync(
      `${lockDir}.json`,
      JSON.stringify({
        pid: 4242,
        host: "ci-runner-7",
        operation: "reposmith apply",
        since: "2026-01-01T00:00:00.000Z",
      }),
    );
    const refused = await run("locked elsewhere", "apply", "--auto-approve");
    expect(refused.code).toBe(1);
    expect(stderrLines(refused)).toHaveLength(1);
    expect(stderrLines(refused)[0]).toContain(
      "locked by reposmith apply (pid 4242 on ci-runner-7, since 2026-01-01T00:00:00.000Z)",
    );
    figures.concurrentRefused++;

    // proper-lockfile refreshes the lock's mtime every 5 s while its holder lives: 60 s without one is a dead holder.
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockDir, old, old);
    const recovered = await run("stale lock", "apply", "--auto-approve");
    expect(recovered.code).toBe(0);
    figures.staleLocksRecovered++;
    expect(existsSync(lockDir)).toBe(false);
    await converged(2);
  });
});

/**
 * What a CI log shows during long waits (a non-terminal: the CLI's output is a pipe here): a
 * progress line at least every 10 s during a package copy's sync, and while a held state lock is
 * waited for (`--lock-timeout`).
 */
import path from "node:path";
import { FileStateStore } from "../../src/engine";
import { reposmith, startTestEmulator, type TestEmulator } from "../helpers/harness";
import { npm, PackageWorkdir, seedPackages, type Decl } from "../helpers/packages";

let t: TestEmulator;
let w: PackageWorkdir;

beforeAll(async () => {
  t = await startTestEmulator([]);
});
afterAll(() => t.close());
beforeEach(() => {
  w = new PackageWorkdir();
});
afterEach(() => w.cleanup());

const run = (...args: string[]) => reposmith([...args, ...w.args], { cwd: w.dir, env: { ...t.env, CI: "true" } });
const copy: Decl = {
  kind: "copy",
  id: "promote",
  props: {
    source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } },
    destination: "prod",
  },
};

describe("progress on a non-terminal", () => {
  it("prints a Still creating line at least every 10 s while a copy's sync (23 s, emulated) is waited on", async () => {
    await seedPackages(t, [npm("left-pad", "1.3.0")], { durationMs: 23_000 });
    w.packages([copy]);
    const started = Date.now();
    const r = await run("apply", "--auto-approve");
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(20_000);
    const still = r.stdout.split("\n").filter((l) => l.startsWith("app/promote: Still creating..."));
    expect(still[0]).toMatch(/^app\/promote: Still creating\.\.\. \[10s elapsed\]/);
    expect(still[1]).toMatch(/^app\/promote: Still creating\.\.\. \[20s elapsed\]/);
    // What the wait last reported (the sync's stage) is on the line.
    expect(still[1]).toMatch(/\[20s elapsed\] .*sync/i);
    expect(r.stdout).toMatch(/app\/promote: Creation complete/);
  }, 60_000);
});

describe("--lock-timeout", () => {
  it("fails at once on a held lock by default, waits (saying so every 10 s) with --lock-timeout, and fails when it runs out", async () => {
    await seedPackages(t, [npm("left-pad", "1.3.0")], { durationMs: 100 });
    w.packages([copy]);
    expect((await run("synth")).code).toBe(0);
    const store = new FileStateStore(path.join(w.dir, "state"));
    const lock = await store.lock("app", "a test holding the lock");

    const refused = await run("apply", "--auto-approve", "--skip-synth");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/state of stack "app" is locked by a test holding the lock/);

    const short = await run("apply", "--auto-approve", "--skip-synth", "--lock-timeout", "1s");
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(
      /Waiting for the state lock of stack "app" \(held by a test holding the lock, pid \d+/,
    );
    expect(short.stderr).toMatch(/is locked by a test holding the lock .*\(waited 1 s of --lock-timeout\)/);

    // Released 12 s after the CLI said it waits, however long it took to start (a loaded machine).
    let waitingSince: number | undefined;
    const waited = await reposmith(["apply", "--auto-approve", "--skip-synth", "--lock-timeout", "1m", ...w.args], {
      cwd: w.dir,
      env: { ...t.env, CI: "true" },
      onOutput: (text) => {
        if (waitingSince !== undefined || !/Waiting for the state lock/.test(text)) return;
        waitingSince = Date.now();
        setTimeout(() => void lock.release(), 12_000);
      },
    });
    expect(waited.code).toBe(0);
    expect(Date.now() - waitingSince!).toBeGreaterThan(11_000);
    expect(waited.stderr).toMatch(/Waiting for the state lock of stack "app" .*: up to 1m \(--lock-timeout\)/);
    expect(waited.stderr).toMatch(/Still waiting for the state lock of stack "app" .*\.\.\. \[10s elapsed\]/);
    expect(waited.stdout).toMatch(/Apply complete! Resources: 1 added/);
  }, 60_000);
});

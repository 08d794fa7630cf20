import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Controller, ControllerMetrics, createLogger, type ControllerOptions } from "../../src/controller";
import { FileStateStore } from "../../src/engine";
import { emulatorWith, type TestEmulator } from "../helpers/harness";

export const fast = { retryBaseMs: 1, maxRetryWaitMs: 5, maxRetries: 1 };

/** A controller on the in-process emulator whose JSON log lines are collected in `lines`. */
export function testController(
  t: Pick<TestEmulator, "apiKey" | "env">,
  opts: Partial<ControllerOptions> & Pick<ControllerOptions, "outdir" | "store">,
) {
  const { logger, lines, raw } = collectingLogger([t.apiKey]);
  const controller = new Controller({
    env: t.env,
    clientOptions: fast,
    logger,
    metrics: new ControllerMetrics({ defaultMetrics: false }),
    ...opts,
  });
  return { controller, lines, raw };
}

/** A debug-level JSON logger whose lines are collected, parsed, in `lines` (and as text in `raw`). */
export function collectingLogger(secrets: string[] = []) {
  const lines: Record<string, any>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n").filter(Boolean)) {
        raw.push(l);
        lines.push(JSON.parse(l));
      }
      cb();
    },
  });
  const logger = createLogger({ level: "debug", destination, secrets });
  return { logger, lines, raw };
}

export function tempDir(prefix: string) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    outdir: path.join(dir, "cdktf.out"),
    stateDir: path.join(dir, "state"),
    store: () => new FileStateStore(path.join(dir, "state")),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export type TempDir = ReturnType<typeof tempDir>;

/**
 * The prelude of a controller test file: one emulator for the file (acme/prod, reseeded before each
 * test) and a temporary directory per test, both handed to `use` before each test.
 */
export function emulatorAndDir(prefix: string, use: (t: TestEmulator, w: TempDir) => void): void {
  const f = emulatorWith(
    ["prod"],
    () => tempDir(prefix),
    (w) => w.cleanup(),
  );
  beforeEach(() => use(f.t, f.work));
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * The value of one Prometheus sample, e.g. metric(text, 'reposmith_drift_found_total{kind="EntitlementToken",policy="report"}').
 * A sample that is not there is an error, not 0: a misspelt name or label, or a series the
 * controller does not export, must fail the test rather than read as "nothing happened".
 */
export function metric(text: string, sample: string): number {
  const line = text.split("\n").find((l) => l.startsWith(sample + " "));
  if (line) return Number(line.slice(sample.length + 1));
  const name = sample.replace(/\{.*$/, "");
  const family = text.split("\n").filter((l) => l.startsWith(name + "{") || l.startsWith(name + " "));
  const declared = text.split("\n").some((l) => l.startsWith(`# TYPE ${name} `));
  throw new Error(
    `no sample ${sample} in the metrics; ${family.length ? `${name} has: ${family.join(", ")}` : declared ? `${name} has no samples` : `nothing named ${name}`}`,
  );
}

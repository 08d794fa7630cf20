/**
 * The set-up behind row (a) and bench/profile-plan.ts: an emulator process seeded with N tokens over
 * M repositories, a synthesized app declaring them, and a state that already holds them (adopted by
 * their tags, as after a first apply). Each plan against it is then a full read with nothing to do.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RateLimiter } from "../src/api/cloudsmith";
import { applyAll, FileStateStore, hasChanges, planAll, type RunOptions } from "../src/engine";
import { startEmulatorProcess, tokenSeed, writeTokenApp, type EmulatorProcess } from "./support";

export interface TokenPlanSetup {
  emu: EmulatorProcess;
  dir: string;
  /** The state file of the stack ("bench"). */
  stateFile: string;
  options(concurrency: number, extra?: Partial<RunOptions>): RunOptions;
  /** One plan; throws when it is not empty (the set-up is broken). */
  plan(concurrency: number): Promise<void>;
  close(): Promise<void>;
}

export async function setUpTokenPlan(
  repos: number,
  perRepo: number,
  latencyMs: number,
  concurrency: number,
): Promise<TokenPlanSetup> {
  const emu = await startEmulatorProcess(latencyMs);
  const dir = mkdtempSync(path.join(tmpdir(), "reposmith-bench-a-"));
  const options = (c: number, extra: Partial<RunOptions> = {}): RunOptions => ({
    outdir: path.join(dir, "out"),
    store: new FileStateStore(path.join(dir, "state")),
    env: { CLOUDSMITH_API_URL: `${emu.url}/v1`, CLOUDSMITH_API_KEY: emu.apiKey },
    parallelism: c,
    clientOptions: { limiter: new RateLimiter({ concurrency: c }) },
    ...extra,
  });
  const close = async () => {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await emu.admin("POST", "/seed", tokenSeed("bench", repos, perRepo));
    writeTokenApp(path.join(dir, "out"), "bench", repos, perRepo);
    // Adopt every token into state (found by tag; no API writes), as after a first apply.
    const adopt = await applyAll(options(concurrency));
    if (adopt.results.some((r) => r.failed.length)) throw new Error("bench set-up: adoption failed");
  } catch (err) {
    await close();
    throw err;
  }
  return {
    emu,
    dir,
    stateFile: path.join(dir, "state", "bench.json"),
    options,
    plan: async (c) => {
      const run = await planAll(options(c));
      if (hasChanges(run.plan)) throw new Error("bench: plan is not empty");
    },
    close,
  };
}

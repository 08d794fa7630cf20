/**
 * State writes during a large apply: N tokens created over R repositories against the emulator (no
 * latency), counting the state file's writes and the process CPU of the apply. Usage:
 *   npx tsx bench/apply-writes.ts [--tokens N] [--repos R]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RateLimiter } from "../src/api/cloudsmith";
import { applyAll, FileStateStore } from "../src/engine";
import { startEmulatorProcess, writeTokenApp } from "./support";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i >= 0 ? process.argv[i + 1] : dflt);
};

async function main(): Promise<void> {
  const tokens = arg("tokens", "3000");
  const repos = arg("repos", "10");
  const emu = await startEmulatorProcess(0);
  const dir = mkdtempSync(path.join(tmpdir(), "reposmith-bench-writes-"));
  try {
    await emu.admin("POST", "/seed", {
      repositories: Array.from({ length: repos }, (_, r) => ({ owner: "acme", slug: `repo${r}` })),
      tokens: [],
    });
    writeTokenApp(path.join(dir, "out"), "bench", repos, Math.ceil(tokens / repos));
    const store = new FileStateStore(path.join(dir, "state"));
    let writes = 0;
    let writeMs = 0;
    const write = store.write.bind(store);
    store.write = async (s) => {
      writes++;
      const t = performance.now();
      try {
        return await write(s);
      } finally {
        writeMs += performance.now() - t;
      }
    };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const run = await applyAll({
      outdir: path.join(dir, "out"),
      store,
      env: { CLOUDSMITH_API_URL: `${emu.url}/v1`, CLOUDSMITH_API_KEY: emu.apiKey },
      parallelism: 10,
      clientOptions: { limiter: new RateLimiter({ concurrency: 10 }) },
    });
    const c = process.cpuUsage(c0);
    const failed = run.results.reduce((n, r) => n + r.failed.length, 0);
    const created = run.results.reduce((n, r) => n + r.done.length, 0);
    process.stdout.write(
      `${created} created, ${failed} failed in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `client CPU ${((c.user + c.system) / 1000).toFixed(0)} ms; state writes ${writes}, ${(writeMs / 1000).toFixed(1)} s spent writing\n`,
    );
  } finally {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();

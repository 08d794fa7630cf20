/**
 * `npm run bench` (full, minutes) and `npm run bench -- --smoke` (seconds): every row is measured
 * side by side with its baseline in the same run; results go to bench/results.json.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { observeScenario, rateLimitScenario, syncPollScenario, synthScenario } from "./scenarios";
import { terraformPathScenario } from "./terraform-path";
import type { Row } from "./support";

export const FULL = {
  observe: { repos: 100, perRepo: 100, latencyMs: 150, concurrency: 10, runs: 5, fastLatencyMs: 20, rss: true },
  limit: { repos: 10, perRepo: 100, limit: 400, windowSeconds: 10, latencyMs: 5 },
  syncs: { packages: 100, minMs: 1_000, maxMs: 30_000, latencyMs: 5, linearStepMs: 5_000, fastLinearStepMs: 1_000 },
  synth: 1000,
  terraform: { sizes: [100, 1000], perRepo: 100, latencyMs: 20 },
};
export type FullConfig = typeof FULL;
export const SMOKE: FullConfig = {
  observe: { repos: 5, perRepo: 100, latencyMs: 10, concurrency: 10, runs: 3, fastLatencyMs: 2, rss: false },
  limit: { repos: 2, perRepo: 25, limit: 30, windowSeconds: 1, latencyMs: 1 },
  syncs: { packages: 5, minMs: 500, maxMs: 3_000, latencyMs: 1, linearStepMs: 1_000, fastLinearStepMs: 500 },
  synth: 30,
  terraform: { sizes: [10], perRepo: 10, latencyMs: 2 },
};

const SCENARIOS = {
  a: (cfg: FullConfig) => observeScenario(cfg.observe),
  b: (cfg: FullConfig) => rateLimitScenario(cfg.limit),
  c: (cfg: FullConfig) => syncPollScenario(cfg.syncs),
  d: (cfg: FullConfig) => synthScenario(cfg.synth),
  f: (cfg: FullConfig) => terraformPathScenario(cfg.terraform),
};

/** Every row, or only those of the scenarios named (`--only a,d`: row a's and row d's). */
export async function runBench(cfg: FullConfig, only?: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [name, scenario] of Object.entries(SCENARIOS))
    if (!only?.length || only.includes(name)) rows.push(...(await scenario(cfg)));
  return rows;
}

export function table(rows: Row[]): string {
  const head = ["row", "value", "baseline", "floor", "target (≤)", "unit", "ok"];
  const body = rows.map((r) => [
    r.name,
    String(r.value),
    String(r.baseline),
    r.floor === null ? "-" : String(r.floor),
    String(r.target),
    r.unit,
    r.ok ? "yes" : "NO",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const notes = rows.filter((r) => r.note).map((r) => `  note on "${r.name.slice(0, 40)}...": ${r.note}`);
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line), ...notes].join("\n");
}

if (require.main === module) {
  const smoke = process.argv.includes("--smoke");
  const at = process.argv.indexOf("--only");
  const only = at >= 0 ? process.argv[at + 1].split(",") : undefined;
  const unknown = only?.filter((o) => !(o in SCENARIOS));
  if (unknown?.length) {
    process.stderr.write(
      `bench: no scenario ${unknown.join(", ")}; choose among ${Object.keys(SCENARIOS).join(", ")}\n`,
    );
    process.exit(2);
  }
  runBench(smoke ? SMOKE : FULL, only)
    .then((rows) => {
      process.stdout.write(`${table(rows)}\n`);
      // A partial run does not replace the full run's results.
      const file = path.join(
        __dirname,
        smoke ? "results.smoke.json" : only ? `results.${only.join("")}.json` : "results.json",
      );
      writeFileSync(
        file,
        JSON.stringify({ mode: smoke ? "smoke" : "full", measuredAt: new Date().toISOString(), rows }, null, 2) + "\n",
      );
      process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
      process.exit(rows.every((r) => r.ok) ? 0 : 1);
    })
    .catch((err) => {
      process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
      process.exit(1);
    });
}

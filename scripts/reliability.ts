/**
 * `npm run test:reliability`: the long version of the reliability and security suite (issue S8)
 * against the emulator — ≥ 20 kill -9s of a 200-resource apply, fault storms on 200 resources,
 * corrupted state and locks through the CLI, ≥ 10,000 fuzz cases, secret scanning, bad CLI input —
 * then a table of the figures every test recorded. `npm test` runs the short version of the same
 * files. Extra arguments go to jest (e.g. a file name to run one part); RELIABILITY_SEED replays a run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(__dirname, "..");
const figuresDir = mkdtempSync(path.join(tmpdir(), "reposmith-reliability-"));
const started = Date.now();
const jest = spawnSync(
  process.execPath,
  [path.join(root, "node_modules/jest/bin/jest.js"), "--runInBand", "--roots", "<rootDir>/test/reliability", ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit", env: { ...process.env, RELIABILITY_LONG: "1", RELIABILITY_FIGURES_DIR: figuresDir } },
);

type Row = Record<string, unknown> & { test: string };
const file = path.join(figuresDir, "figures.jsonl");
const rows: Row[] = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Row) : [];
rmSync(figuresDir, { recursive: true, force: true });

const sum = (key: string) => rows.reduce((n, r) => n + (typeof r[key] === "number" ? (r[key] as number) : 0), 0);
const figures: [string, number, string][] = [
  ["kills (kill -9 mid-apply)", sum("kills"), "≥ 20"],
  ["reruns after a kill", sum("reruns"), ""],
  ["duplicates", sum("duplicates"), "0"],
  ["orphans", sum("orphans"), "0"],
  ["lost resources", sum("lost"), "0"],
  ["invalid states", sum("invalidStates"), "0"],
  ["half-recorded state entries", sum("halfRecorded"), "0"],
  ["faults injected", sum("faultsInjected"), ""],
  ["errors surfaced (typed)", sum("errorsSurfaced") - sum("untypedErrors"), ""],
  ["untyped errors", sum("untypedErrors"), "0"],
  ["corrupt states refused", sum("corruptionsRefused"), ""],
  ["concurrent applies refused", sum("concurrentRefused"), ""],
  ["stale locks recovered", sum("staleLocksRecovered"), ""],
  ["fuzz cases", sum("fuzzCases"), "≥ 10,000"],
  ["fuzz crashes / invalid synths", sum("fuzzCrashes") + sum("invalidSynths"), "0"],
  ["bad CLI inputs (one line, exit 1)", sum("cases"), ""],
  ["outputs and files scanned", sum("filesScanned"), ""],
  ["secret hits", sum("secretHits"), "0"],
  ["state files not 0600", sum("badModes"), "0"],
];
const width = Math.max(...figures.map(([k]) => k.length));
const lines = [
  "",
  `Reliability suite (long run), ${((Date.now() - started) / 1000).toFixed(0)} s, jest exit ${jest.status}`,
  ...rows.filter((r) => r.seed !== undefined).map((r) => `  seed of ${r.test}: ${String(r.seed)}`),
  "",
  `  ${"figure".padEnd(width)}  value     target`,
  `  ${"-".repeat(width)}  --------  --------`,
  ...figures.map(([k, v, target]) => `  ${k.padEnd(width)}  ${String(v).padStart(8)}  ${target}`),
  "",
];
process.stdout.write(lines.join("\n"));
process.exit(jest.status ?? 1);

/**
 * `npm run test:mutation`: StrykerJS (stryker.config.json) over the folders of docs/testing.md, one
 * run per folder, then the summary per folder. Incremental: each run reuses what
 * test/mutation/stryker-incremental.json (committed) already knows and only tests mutants whose code
 * or covering tests changed; results for files a run does not mutate are kept, so partial runs add up.
 *
 *   npm run test:mutation                          every folder, one after the other
 *   npm run test:mutation -- --mutate FILE         one file (or glob); any other stryker option too
 *   npm run test:mutation -- --summary             only print the summary of the incremental file
 *   npm run test:mutation -- --survivors           list the mutants left alive (survived, no coverage)
 *
 * Not part of `npm test` or .ci/run: a full run takes hours on two cores.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "..");
const stryker = path.join(root, "node_modules/@stryker-mutator/core/bin/stryker.js");
const incremental = path.join(root, "test/mutation/stryker-incremental.json");

/** The folders (and files) whose score docs/testing.md records, in the order they are run. */
export const FOLDERS = [
  "src/api/http/errors.ts",
  "src/api/http/retry.ts",
  "src/controller",
  "src/resources",
  "src/engine",
] as const;

const glob = (folder: string) => (folder.endsWith(".ts") ? folder : `${folder}/**/*.ts`);

function run(args: string[]): number {
  const r = spawnSync(process.execPath, [stryker, "run", ...args], { cwd: root, stdio: "inherit" });
  return r.status ?? 1;
}

interface Mutant {
  status: string;
  mutatorName: string;
  replacement?: string;
  location: { start: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

const COUNTED = ["Killed", "Timeout", "Survived", "NoCoverage"] as const;

/** Per folder: the count of each status and the score, (killed + timeout) / (those + survived + no coverage). */
export function summary(report: Report): string {
  const rows = FOLDERS.map((folder) => {
    const counts: Record<string, number> = {};
    for (const [file, { mutants }] of Object.entries(report.files)) {
      const rel = path.relative(root, path.resolve(root, file)).split(path.sep).join("/");
      if (rel !== folder && !rel.startsWith(`${folder}/`)) continue;
      for (const m of mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
    }
    const n = (s: string) => counts[s] ?? 0;
    const detected = n("Killed") + n("Timeout");
    const valid = COUNTED.reduce((s, k) => s + n(k), 0);
    const score = valid === 0 ? "-" : `${((100 * detected) / valid).toFixed(2)} %`;
    return [folder, ...COUNTED.map((k) => String(n(k))), String(n("CompileError")), String(n("RuntimeError")), score];
  });
  // Compile and runtime errors (a mutant that does not type-check, or crashes the test run) are not counted.
  const head = ["folder", "killed", "timeout", "survived", "no coverage", "compile error", "runtime error", "score"];
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

const readReport = () => JSON.parse(readFileSync(incremental, "utf8")) as Report;

function printSummary(): void {
  console.log(summary(readReport()));
}

/** One line per mutant left alive in the folders above: where, which mutator, what it became, the line it changed. */
export function survivors(report: Report): string[] {
  const out: string[] = [];
  for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rel = path.relative(root, path.resolve(root, file)).split(path.sep).join("/");
    if (!FOLDERS.some((f) => rel === f || rel.startsWith(`${f}/`))) continue;
    const lines = source.split("\n");
    const alive = mutants
      .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
      .sort(
        (a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column,
      );
    for (const m of alive) {
      const { line, column } = m.location.start;
      const becomes = (m.replacement ?? "").replace(/\s+/g, " ").slice(0, 60);
      out.push(
        `${m.status === "Survived" ? "survived" : "no coverage"} ${rel}:${line}:${column} ${m.mutatorName} -> ${becomes}` +
          `  | ${(lines[line - 1] ?? "").trim().slice(0, 100)}`,
      );
    }
  }
  return out;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  let code = 0;
  if (args.includes("--summary")) {
    printSummary();
  } else if (args.includes("--survivors")) {
    console.log(survivors(readReport()).join("\n"));
  } else if (args.length > 0) {
    code = run(args);
    printSummary();
  } else {
    const times: string[] = [];
    for (const folder of FOLDERS) {
      const started = Date.now();
      code ||= run(["--mutate", glob(folder)]);
      times.push(`${folder}: ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    }
    printSummary();
    console.log(`wall time: ${times.join(", ")}`);
  }
  process.exit(code);
}

/**
 * `npm run test:reliability`: the long version of the reliability and security suite (issue S8)
 * against the emulator — ≥ 20 kill -9s of a 200-resource apply, fault storms on 200 resources,
 * corrupted state and locks through the CLI, ≥ 10,000 fuzz cases, secret scanning, bad CLI input —
 * then a table of the figures every test recorded. `npm test` runs the short version of the same
 * files. Extra arguments go to jest (e.g. a file name to run one part); RELIABILITY_SEED replays a run.
 *
 * The exit code is the table's verdict: 0 exactly when every figure with a target meets it. Failed
 * tests, test files that never recorded the figures they announced, and jest's own exit status are
 * figures too, so a run cannot print every figure at target and still fail, or fail without a figure
 * saying why. Time limits are hang guards scaled by RELIABILITY_TIME_SCALE (default 5): the suite
 * counts what it checks, and a loaded machine only makes it slower.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(__dirname, "..");
const figuresDir = mkdtempSync(path.join(tmpdir(), "reposmith-reliability-"));
const jestJson = path.join(figuresDir, "jest.json");
const timeScale = Number(process.env.RELIABILITY_TIME_SCALE || 5);
const started = Date.now();
const jest = spawnSync(
  process.execPath,
  [
    path.join(root, "node_modules/jest/bin/jest.js"),
    "--runInBand",
    "--roots",
    "<rootDir>/test/reliability",
    // Tests without a limit of their own (jest.config.js: 60 s) get the same scale as those with one.
    `--testTimeout=${60_000 * timeScale}`,
    "--json",
    `--outputFile=${jestJson}`,
    ...process.argv.slice(2),
  ],
  {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      RELIABILITY_LONG: "1",
      RELIABILITY_FIGURES_DIR: figuresDir,
      RELIABILITY_TIME_SCALE: String(timeScale),
    },
  },
);

type Row = Record<string, unknown> & { test: string };
const file = path.join(figuresDir, "figures.jsonl");
const rows: Row[] = existsSync(file)
  ? readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row)
  : [];
const failedTests = jestFailures();
rmSync(figuresDir, { recursive: true, force: true });

/** The tests jest reports failed (and test files that failed outside any test); undefined when jest wrote no report. */
function jestFailures(): string[] | undefined {
  if (!existsSync(jestJson)) return undefined;
  const report = JSON.parse(readFileSync(jestJson, "utf8")) as {
    testResults: {
      name: string;
      status: string;
      message?: string;
      assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
    }[];
  };
  return report.testResults.flatMap((suite) => {
    const file = path.relative(root, suite.name);
    const failed = suite.assertionResults.filter((a) => a.status === "failed");
    const firstLine = (text: string | undefined) =>
      (text ?? "")
        .split("\n")
        .map((l) => l.trim())
        .find((l) => l && !l.startsWith("●")) ?? "";
    if (failed.length)
      return failed.map((a) => `${file}: ${a.fullName}: ${firstLine(a.failureMessages[0]).slice(0, 160)}`);
    return suite.status === "failed"
      ? [`${file}: ${firstLine(suite.message).slice(0, 160) || "failed outside its tests"}`]
      : [];
  });
}

const sum = (key: string) => rows.reduce((n, r) => n + (typeof r[key] === "number" ? (r[key] as number) : 0), 0);
const recorded = new Set(rows.filter((r) => r.announced !== true).map((r) => r.test));
const unrecorded = [...new Set(rows.filter((r) => r.announced === true).map((r) => r.test))].filter(
  (t) => !recorded.has(t),
);
const ran = (test: string) => rows.some((r) => r.test === test);

/** [label, value, target]: "= N", "≥ N" or "" (reported only). A figure whose tests did not run shows "-" and is not checked. */
type Figure = [string, number | undefined, string];
const figures: Figure[] = [
  ["tests failed", failedTests?.length, "= 0"],
  ["test files that never recorded their figures", unrecorded.length, "= 0"],
  ["kills (kill -9 mid-apply)", ran("crash (kill -9)") ? sum("kills") : undefined, "≥ 20"],
  ["reruns after a kill", sum("reruns"), ""],
  ["duplicates", sum("duplicates"), "= 0"],
  ["orphans", sum("orphans"), "= 0"],
  ["lost resources", sum("lost"), "= 0"],
  ["invalid states", sum("invalidStates"), "= 0"],
  ["half-recorded state entries", sum("halfRecorded"), "= 0"],
  [
    "removed resources whose lost DELETE answer left a state entry (forgotten next plan)",
    sum("deletionsUnconfirmed"),
    "",
  ],
  ...faultFigures(),
  ["errors surfaced (typed)", sum("errorsSurfaced") - sum("untypedErrors"), ""],
  ["untyped errors", sum("untypedErrors"), "= 0"],
  ["corrupt states refused", sum("corruptionsRefused"), ""],
  ["concurrent applies refused", sum("concurrentRefused"), ""],
  ["stale locks recovered", sum("staleLocksRecovered"), ""],
  ["fuzz cases", ran("fuzz (fast-check)") ? sum("fuzzCases") : undefined, "≥ 10000"],
  ["fuzz crashes / invalid synths", sum("fuzzCrashes") + sum("invalidSynths"), "= 0"],
  ["validation errors not naming the field", sum("misnamedFields"), "= 0"],
  ["bad CLI inputs (one line, exit 1)", sum("cases"), ""],
  ["outputs and files scanned", sum("filesScanned"), ""],
  ["secret hits", sum("secretHits"), "= 0"],
  ["state files not 0600", sum("badModes"), "= 0"],
  ["jest exit status", jest.status ?? undefined, "= 0"],
];

/** Faults the storms injected, in all and by kind, each against the floor its storms had to reach. */
function faultFigures(): Figure[] {
  const byKind: Record<string, { fired: number; floor: number }> = {};
  for (const r of rows) {
    for (const [kind, k] of Object.entries(
      (r.faultsByKind ?? {}) as Record<string, { fired: number; floor: number }>,
    )) {
      const t = (byKind[kind] ??= { fired: 0, floor: 0 });
      t.fired += k.fired;
      t.floor += k.floor;
    }
  }
  const all = byKind["all kinds"];
  if (!all) return [["faults injected", ran("fault storms") ? 0 : undefined, ran("fault storms") ? "≥ 1" : ""]];
  return [
    ["faults injected (all kinds)", all.fired, `≥ ${Math.max(1, all.floor)}`],
    ...Object.entries(byKind)
      .filter(([kind]) => kind !== "all kinds")
      .map(([kind, k]): Figure => [`  ${kind}`, k.fired, `≥ ${k.floor}`]),
  ];
}

function meets(value: number | undefined, target: string): boolean {
  const m = /^(=|≥) (\d+)$/.exec(target);
  if (!m) return true;
  if (value === undefined) return false;
  return m[1] === "=" ? value === Number(m[2]) : value >= Number(m[2]);
}

/** Tests not run leave their figures unchecked; tests that failed to report are figures of their own. */
const notRun = (label: string, value: number | undefined) =>
  value === undefined && label !== "tests failed" && label !== "jest exit status";
const verdicts = figures.map(([label, value, target]) => ({
  label,
  value,
  target,
  ok: notRun(label, value) || meets(value, target),
}));
const width = Math.max(...figures.map(([k]) => k.length));
const lines = [
  "",
  `Reliability suite (long run), ${((Date.now() - started) / 1000).toFixed(0)} s, jest exit ${jest.status ?? `signal ${jest.signal}`}, time limits x${timeScale}`,
  ...rows.filter((r) => r.seed !== undefined).map((r) => `  seed of ${r.test}: ${String(r.seed)}`),
  "",
  `  ${"figure".padEnd(width)}  value     target`,
  `  ${"-".repeat(width)}  --------  --------`,
  ...verdicts.map(
    (v) =>
      `  ${v.label.padEnd(width)}  ${(v.value === undefined ? "-" : String(v.value)).padStart(8)}  ${v.target}${v.ok ? "" : "   <- NOT MET"}`,
  ),
  ...(failedTests ?? ["(jest wrote no report: it did not finish)"]).map((t) => `  failed: ${t}`),
  ...unrecorded.map((t) => `  no figures from: ${t} (it stopped before recording them)`),
  "",
];
process.stdout.write(lines.join("\n"));
process.exit(verdicts.every((v) => v.ok) ? 0 : 1);

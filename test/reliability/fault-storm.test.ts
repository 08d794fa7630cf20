/**
 * S8.2: fault storms. Under 30 % 429 (Retry-After) + 10 % 5xx + latency spikes, malformed JSON,
 * truncated bodies and connection resets — before and after the server acted — every apply either
 * completes or stops with typed errors, and at every stop nothing is duplicated or half-recorded
 * (each state entry is a real token under the id the state names). Once the storm stops, one more
 * apply converges completely. Every storm also shows it stormed: the faults of each kind the emulator
 * counted are at or above a floor worked out from the requests it served (fault-floors.ts).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken, PackageCopy } from "../../src";
import { ApiError } from "../../src/api/http";
import { applyAll, FileStateStore, hasChanges, planAll, PlanError, type StackState } from "../../src/engine";
import { reposmith, ROOT, startTestEmulator, type TestEmulator } from "../helpers/harness";
import {
  addTallies,
  ALL_KINDS,
  assertRulesMatchRoutes,
  counters,
  describeTallies,
  ruleProblems,
  ruleTallies,
  tally,
  type ArmedRule,
  type EmulatorCounters,
} from "./fault-floors";
import {
  announceFigures,
  checkTokens,
  Evidence,
  hangGuard,
  LONG,
  recordFigures,
  rng,
  seedFor,
  taggedTokens,
} from "./helpers";

announceFigures("fault storms");

/**
 * Sizes: the short run's storms are just big enough that the faults they must have injected (all
 * kinds together) have a floor above zero, even counted over the requests of a storm whose faults never fire.
 */
const RESOURCES = LONG ? 200 : 80;
const MAX_ATTEMPTS = 12;
const REPOS: [string, string][] = [
  ["acme", "prod"],
  ["acme", "staging"],
];
const FOREVER = 1e9;

let t: TestEmulator;
let root: string;
const evidence = new Evidence();
const totals = {
  faultsInjected: 0,
  errorsSurfaced: 0,
  untypedErrors: 0,
  applies: 0,
  completedUnderStorm: 0,
  duplicates: 0,
  halfRecorded: 0,
  deletionsUnconfirmed: 0,
  orphans: 0,
  lost: 0,
};
/** Faults injected and their floors, by kind, over every storm of the file. */
const faultsByKind: Record<string, { fired: number; floor: number }> = {};
let seed = 0;
let rand: () => number;

beforeAll(async () => {
  t = await startTestEmulator(REPOS);
  evidence.addSecret("CLOUDSMITH_API_KEY", t.apiKey);
  mkdirSync(path.join(ROOT, ".test-work"), { recursive: true });
  root = mkdtempSync(path.join(ROOT, ".test-work", "storm-"));
  evidence.addDir(root);
  seed = seedFor("fault storms");
  rand = rng(seed);
});
beforeEach(async () => {
  await t.reseed({ repositories: REPOS.map(([owner, slug]) => ({ owner, slug })) });
});
afterAll(async () => {
  const scan = evidence.scan();
  recordFigures("fault storms", {
    seed,
    resources: RESOURCES,
    ...totals,
    faultsByKind,
    secretHits: scan.hits.length,
    filesScanned: scan.scanned,
    badModes: scan.badModes.length,
  });
  await t.close();
  rmSync(root, { recursive: true, force: true });
  expect(scan.hits).toEqual([]);
  expect(scan.badModes).toEqual([]);
});

interface Decl {
  idx: number;
  repo: string;
  downloads: number;
}

class Project {
  readonly dir = mkdtempSync(path.join(root, "p-"));
  readonly outdir = path.join(this.dir, "cdktf.out");
  readonly store = new FileStateStore(path.join(this.dir, "state"));
  decls: Decl[] = [];
  private next = 0;

  declareFresh(n: number): void {
    this.decls = [];
    while (this.decls.length < n)
      this.decls.push({
        idx: this.next++,
        repo: rand() < 0.5 ? "prod" : "staging",
        downloads: Math.floor(rand() * 1000),
      });
    this.synth();
  }

  /**
   * Drops ~30 %, edits ~60 % of the rest, adds as many new ones: enough PATCHes, DELETEs and POSTs
   * that every rule an edit/delete storm configures has a floor of at least 1.
   */
  churn(): void {
    const n = this.decls.length;
    this.decls = this.decls
      .filter(() => rand() >= 0.3)
      .map((d) => (rand() < 0.6 ? { ...d, downloads: d.downloads + 7 } : d));
    while (this.decls.length < n)
      this.decls.push({
        idx: this.next++,
        repo: rand() < 0.5 ? "prod" : "staging",
        downloads: Math.floor(rand() * 1000),
      });
    this.synth();
  }

  private synth(): void {
    const app = new App({ outdir: this.outdir });
    const stack = new TerraformStack(app, "app");
    for (const d of this.decls)
      new EntitlementToken(stack, `t${d.idx}`, {
        owner: "acme",
        repository: d.repo,
        name: `t${d.idx}`,
        limits: { numDownloads: d.downloads },
      });
    app.synth();
  }

  get declared(): Set<string> {
    return new Set(this.decls.map((d) => `app/t${d.idx}`));
  }
}

/** Short runs cap the server-requested waits so a storm takes seconds; the long run honours Retry-After in full. */
const clientOptions = LONG ? { retryBaseMs: 20 } : { retryBaseMs: 5, maxRetryWaitMs: 60 };

/** Each error an apply surfaced, flattened (a failed plan carries one per resource). */
function surfaced(err: unknown): unknown[] {
  if (err instanceof PlanError) return err.failures.map((f) => f.error);
  return [err];
}

/**
 * What the state says must be exactly what exists: every entry of a declared resource a live token
 * carrying its key, under that id. An entry of a removed resource may name a token already gone: a
 * DELETE that landed but whose answer was lost (a 504 after the server acted, then retries used up
 * on 429/503) fails the apply, and the next plan finds the token gone and forgets it (checked once
 * the storm is over: the calm apply converges). Such entries are counted, not failed.
 */
async function halfRecorded(state: StackState, declared: Set<string>): Promise<string[]> {
  const byKey = await taggedTokens(t, REPOS);
  const missing = Object.entries(state.resources).filter(
    ([key, rs]) => !(byKey.get(key) ?? []).some((x) => rs.id === `${x.owner}.${x.repo}.${x.slug_perm}`),
  );
  totals.deletionsUnconfirmed += missing.filter(([key]) => !declared.has(key)).length;
  return missing
    .filter(([key]) => declared.has(key))
    .map(([key, rs]) => `${key} recorded as ${rs.id}, which does not exist under that key`);
}

/** Replaces the emulator's fault rules with `rules` (each armed "forever"); the counters from before. */
async function arm(rules: Record<string, unknown>[]): Promise<{ rules: ArmedRule[]; before: EmulatorCounters }> {
  await t.admin("DELETE", "/faults");
  const before = await counters(t);
  const armed = await t.admin("POST", "/faults", { rules: rules.map((r) => ({ times: FOREVER, ...r })) });
  assertRulesMatchRoutes(armed.rules);
  return { rules: armed.rules as ArmedRule[], before };
}

/**
 * Ends a storm: every rule fired at least once and at or above its floor, and a floor of 0 (a storm
 * too small to show a rule fires) is a problem too; the faults of each kind the emulator injected
 * since `arm`, each at or above its floor, added to the figures; then the rules are cleared.
 */
async function disarm(name: string, armed: { rules: ArmedRule[]; before: EmulatorCounters }): Promise<string[]> {
  const after = await counters(t);
  const now = (await t.admin("GET", "/faults")).rules as ArmedRule[];
  const tallies = tally(armed.rules, armed.before, after);
  const rules = ruleTallies(armed.rules, now, armed.before, after);
  await t.admin("DELETE", "/faults");
  addTallies(faultsByKind, tallies);
  totals.faultsInjected += tallies.find((k) => k.kind === ALL_KINDS)!.fired;
  process.stdout.write(`[reliability] ${name}: faults injected: ${describeTallies(tallies)}\n`);
  process.stdout.write(
    `[reliability] ${name}: by rule: ${rules.map((r) => `${r.rule}: ${r.fired} fired, floor ${r.floor} (expected ${r.expected.toFixed(1)})`).join("; ")}\n`,
  );
  return [
    ...ruleProblems(name, rules),
    ...tallies
      .filter((k) => k.fired < k.floor)
      .map(
        (k) =>
          `${name}: only ${k.fired} faults of kind "${k.kind}" injected, below the floor of ${k.floor} (expected ${k.expected.toFixed(1)})`,
      ),
  ];
}

/**
 * Applies under `rules` until an apply completes (at most MAX_ATTEMPTS), checking after every stop
 * that errors are typed and nothing is duplicated or half-recorded; then stops the storm and checks
 * that one more apply converges.
 */
async function storm(
  p: Project,
  name: string,
  rules: Record<string, unknown>[],
): Promise<{ completedAfter: number | undefined; errors: string[] }> {
  const armed = await arm(rules);
  const problems: string[] = [];
  const errors: string[] = [];
  let completedAfter: number | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && completedAfter === undefined; attempt++) {
    totals.applies++;
    let failures: unknown[] = [];
    try {
      const run = await applyAll({ outdir: p.outdir, store: p.store, env: t.env, clientOptions });
      failures = run.results.flatMap((r) => r.failed.map((f) => f.error));
    } catch (err) {
      failures = surfaced(err);
    }
    for (const e of failures) {
      totals.errorsSurfaced++;
      errors.push(`${(e as Error)?.name}: ${(e as Error)?.message}`);
      if (!(e instanceof ApiError)) {
        totals.untypedErrors++;
        problems.push(`${name}: untyped error ${(e as Error)?.name}: ${(e as Error)?.message}`);
      }
    }
    const state = await p.store.read("app");
    const half = await halfRecorded(state, p.declared);
    totals.halfRecorded += half.length;
    problems.push(...half.map((h) => `${name}, attempt ${attempt}: ${h}`));
    const dup = [...(await taggedTokens(t, REPOS)).entries()].filter(([, l]) => l.length > 1);
    totals.duplicates += dup.reduce((n, [, l]) => n + l.length - 1, 0);
    problems.push(...dup.map(([k, l]) => `${name}, attempt ${attempt}: ${l.length} tokens tagged ${k}`));
    if (failures.length === 0) completedAfter = attempt;
  }
  if (completedAfter !== undefined) totals.completedUnderStorm++;
  problems.push(...(await disarm(name, armed)));

  // The storm is over: one apply converges, and nothing is left to do.
  const calm = await applyAll({ outdir: p.outdir, store: p.store, env: t.env, clientOptions });
  const calmFailures = calm.results.flatMap((r) => r.failed);
  problems.push(...calmFailures.map((f) => `${name}: calm apply failed ${f.key}: ${(f.error as Error).message}`));
  const conv = await checkTokens(t, REPOS, await p.store.read("app"), p.declared);
  totals.duplicates += conv.duplicates;
  totals.orphans += conv.orphans;
  totals.lost += conv.lost;
  problems.push(...conv.problems.map((x) => `${name}: ${x}`));
  const { plan } = await planAll({ outdir: p.outdir, store: p.store, env: t.env, clientOptions });
  if (hasChanges(plan)) problems.push(`${name}: not converged after the storm`);
  await evidence.addTokenValues(t, REPOS);
  for (const e of errors) evidence.addText(`${name}: error message`, e);
  process.stdout.write(
    `[reliability] ${name}: ${completedAfter ? `completed on attempt ${completedAfter}` : `still failing after ${MAX_ATTEMPTS} attempts`}, ${errors.length} typed errors surfaced\n`,
  );
  expect(problems).toEqual([]);
  return { completedAfter, errors };
}

const CREATE = "^/v1/entitlements/[^/]+/[^/]+/?$";

describe("fault storms", () => {
  const timeout = hangGuard((LONG ? 30 : 4) * 60_000);

  it(
    "30 % 429 with Retry-After, 20 % 5xx, writes failing after the server acted, latency spikes: creates, then edits and deletes",
    async () => {
      const p = new Project();
      // Each storm arms only rules its requests can meet (no PATCH or DELETE while creating), each
      // likely enough to show that it fired. Writes failing after the server acted come first.
      const storms = [
        { status: 429, retryAfter: 1, probability: 0.3 },
        // 20 % of all calls overall: the 429 rule above has already taken 30 %.
        { status: 503, retryAfter: 0, probability: 0.2 / 0.7 },
        { pass: true, delayMs: 150, probability: 0.3 },
      ];
      p.declareFresh(RESOURCES);
      await storm(p, "429/5xx storm (create)", [
        { method: "POST", path: CREATE, status: 502, afterHandler: true, probability: 0.3 },
        ...storms,
      ]);
      p.churn();
      await storm(p, "429/5xx storm (edit/delete)", [
        { method: "PATCH", status: 500, afterHandler: true, probability: 0.5 },
        { method: "DELETE", status: 504, afterHandler: true, probability: 0.5 },
        ...storms,
      ]);
    },
    timeout,
  );

  it(
    "malformed JSON bodies, before and after the server acted",
    async () => {
      const p = new Project();
      const server = { status: 500, body: "{not json", probability: 0.3 };
      p.declareFresh(RESOURCES);
      await storm(p, "malformed JSON (create)", [
        { method: "POST", path: CREATE, status: 201, body: '{"slug_perm": ', afterHandler: true, probability: 0.3 },
        // Reads are mostly the plan's list pages: only the create storm has enough of them.
        { method: "GET", status: 200, body: '[{"slug_perm": "abc', probability: 0.4 },
        server,
      ]);
      p.churn();
      await storm(p, "malformed JSON (edit/delete)", [
        {
          method: "PATCH",
          status: 200,
          body: "<html>Bad Gateway</html>",
          contentType: "text/html",
          afterHandler: true,
          probability: 0.8,
        },
        server,
      ]);
    },
    timeout,
  );

  it(
    "truncated bodies (full Content-Length, connection dropped mid-body)",
    async () => {
      const p = new Project();
      const rules = [
        { truncateAt: 15, afterHandler: true, probability: 0.2 },
        { truncateAt: 5, probability: 0.25 },
      ];
      p.declareFresh(RESOURCES);
      await storm(p, "truncated bodies (create)", rules);
      p.churn();
      await storm(p, "truncated bodies (edit/delete)", rules);
    },
    timeout,
  );

  it(
    "connection resets, before and after the server acted",
    async () => {
      const p = new Project();
      const rules = [
        { reset: true, probability: 0.25 },
        { reset: true, afterHandler: true, probability: 0.3 },
      ];
      p.declareFresh(RESOURCES);
      await storm(p, "connection resets (create)", rules);
      p.churn();
      await storm(p, "connection resets (edit/delete)", rules);
    },
    timeout,
  );

  it(
    "package copies under 429/5xx, copy POSTs failing after the server acted and malformed status replies: none copied twice",
    async () => {
      // Enough copies that each rule below is sure to fire (a floor of at least 1).
      const names = Array.from({ length: LONG ? 60 : 40 }, (_, i) => `pkg-${i}`);
      await t.admin("POST", "/seed", {
        repositories: [{ owner: "acme", slug: "pkgsrc" }],
        packageSync: { durationMs: 150 },
        packages: names.map((name) => ({ owner: "acme", repository: "pkgsrc", format: "npm", name, version: "1.0.0" })),
      });
      const dir = mkdtempSync(path.join(root, "p-"));
      const outdir = path.join(dir, "cdktf.out");
      const store = new FileStateStore(path.join(dir, "state"));
      const app = new App({ outdir });
      const stack = new TerraformStack(app, "app");
      for (const name of names)
        new PackageCopy(stack, name, {
          source: { owner: "acme", repository: "pkgsrc", package: { format: "npm", name, version: "1.0.0" } },
          destination: "prod",
          waitForSync: { timeout: "60s" },
        });
      app.synth();
      const rules = [
        { method: "POST", path: "/copy/?$", status: 502, afterHandler: true, probability: 0.6 },
        { method: "GET", path: "/status/?$", status: 200, body: '{"is_sync_completed": tru', probability: 0.65 },
        { status: 429, retryAfter: 1, probability: 0.3 },
        { status: 503, probability: 0.2 / 0.7 },
      ];
      const armed = await arm(rules);
      const prod = async () =>
        ((await t.admin("GET", "/state")).packages as any[]).filter(
          (x) => x.owner === "acme" && x.repository === "prod",
        );
      const problems: string[] = [];
      let completed = false;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS && !completed; attempt++) {
        totals.applies++;
        let failures: unknown[];
        try {
          failures = (await applyAll({ outdir, store, env: t.env, clientOptions })).results.flatMap((r) =>
            r.failed.map((f) => f.error),
          );
        } catch (err) {
          failures = surfaced(err);
        }
        totals.errorsSurfaced += failures.length;
        for (const e of failures) {
          // A sync that does not finish in time is the handler's own (typed by message) error; anything else must be an API error.
          if (!(e instanceof ApiError)) {
            totals.untypedErrors++;
            problems.push(`attempt ${attempt}: untyped ${(e as Error)?.name}: ${(e as Error)?.message}`);
          }
        }
        const copies = await prod();
        const dup = names.filter((n) => copies.filter((c) => c.name === n).length > 1);
        totals.duplicates += dup.length;
        problems.push(...dup.map((n) => `attempt ${attempt}: ${n} copied twice`));
        for (const [key, rs] of Object.entries((await store.read("app")).resources)) {
          if (!copies.some((c) => rs.id === `acme.prod.${c.slug_perm}`)) {
            totals.halfRecorded++;
            problems.push(`attempt ${attempt}: ${key} recorded as ${rs.id}, which is not in acme/prod`);
          }
        }
        completed = failures.length === 0;
      }
      if (completed) totals.completedUnderStorm++;
      problems.push(...(await disarm("package copy storm", armed)));
      const calm = await applyAll({ outdir, store, env: t.env, clientOptions });
      problems.push(
        ...calm.results.flatMap((r) => r.failed.map((f) => `calm apply: ${f.key}: ${(f.error as Error).message}`)),
      );
      const copies = await prod();
      const state = await store.read("app");
      for (const name of names) {
        const mine = copies.filter((c) => c.name === name);
        const rs = state.resources[`app/${name}`];
        if (
          mine.length !== 1 ||
          !rs ||
          rs.id !== `acme.prod.${mine[0].slug_perm}` ||
          rs.observed.sync !== "completed"
        ) {
          totals.lost++;
          problems.push(
            `${name}: ${mine.length} copies, state ${rs ? `${rs.id} ${String(rs.observed.sync)}` : "none"}`,
          );
        }
      }
      process.stdout.write(
        `[reliability] package copy storm: ${completed ? "completed" : `still failing after ${MAX_ATTEMPTS} attempts`} (${totals.applies} applies in this file so far)\n`,
      );
      expect(problems).toEqual([]);
    },
    timeout,
  );

  it(
    "everything at once, through the real CLI: exit 0 or one typed error line per failed resource, then converges",
    async () => {
      const p = new Project();
      p.declareFresh(LONG ? 120 : 60);
      // The rarer faults first, each likely enough to be sure to fire (a floor of at least 1).
      const rules = [
        { method: "POST", path: CREATE, status: 201, body: '{"slug', afterHandler: true, probability: 0.4 },
        { reset: true, afterHandler: true, probability: 0.15 },
        { truncateAt: 10, afterHandler: true, probability: 0.2 },
        { pass: true, delayMs: 100, probability: 0.2 },
        { status: 429, retryAfter: 1, probability: 0.3 },
        { status: 503, probability: 0.4 },
      ];
      const armed = await arm(rules);
      const args = [
        "apply",
        "--auto-approve",
        "--skip-synth",
        "--output",
        p.outdir,
        "--state",
        path.join(p.dir, "state"),
      ];
      const problems: string[] = [];
      let completed = false;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS && !completed; attempt++) {
        totals.applies++;
        const r = await reposmith(args, { cwd: p.dir, env: t.env, timeoutMs: hangGuard(300_000) });
        evidence.addOutput(`CLI storm attempt ${attempt}`, r);
        if (r.code === 0) completed = true;
        else if (r.code !== 1) problems.push(`attempt ${attempt}: exit ${r.code}`);
        const lines = r.stderr.split("\n").filter(Boolean);
        totals.errorsSurfaced += lines.filter((l) => l.startsWith("Error:")).length;
        // Each error is one line naming the resource, the operation and the HTTP outcome (a failed plan
        // lists one line per resource under its "Error:" line); never a stack trace or a TypeError.
        for (const l of lines) {
          if (!/^((Error|Warning): |app\/t\d+: )/.test(l) || /TypeError|ReferenceError|\bat .+:\d+:\d+/.test(l)) {
            totals.untypedErrors++;
            problems.push(`attempt ${attempt}: unexpected stderr line: ${l}`);
          }
        }
        const half = await halfRecorded(await p.store.read("app"), p.declared);
        totals.halfRecorded += half.length;
        problems.push(...half);
      }
      process.stdout.write(
        `[reliability] CLI storm: ${completed ? "completed" : "still failing"} after ${totals.applies} applies so far\n`,
      );
      if (completed) totals.completedUnderStorm++;
      problems.push(...(await disarm("CLI storm", armed)));
      const calm = await reposmith(args, { cwd: p.dir, env: t.env });
      evidence.addOutput("CLI storm: calm rerun", calm);
      expect(calm.code).toBe(0);
      const conv = await checkTokens(t, REPOS, await p.store.read("app"), p.declared);
      totals.duplicates += conv.duplicates;
      totals.orphans += conv.orphans;
      totals.lost += conv.lost;
      await evidence.addTokenValues(t, REPOS);
      expect([...problems, ...conv.problems]).toEqual([]);
    },
    timeout,
  );
});

/**
 * S8.1: kill -9 of a real `reposmith apply` at random points of a large apply, each followed by a
 * rerun that must converge: no duplicate, no orphan, nothing lost, state valid (parses, serial
 * grows, same lineage), and a plan with nothing left to do.
 *
 * Each round changes the declared set (creates, PATCHes and deletes) so kills land in every kind of
 * operation; the kill point is a random fraction of the round's expected writes plus a random delay,
 * so it falls anywhere from the first list call to the last state write. The lock a killed apply
 * leaves behind must be taken over by the rerun (dead holder on this machine).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken, PackageCopy } from "../../src";
import { FileStateStore, hasChanges, planAll, type StackState } from "../../src/engine";
import { reposmith, ROOT, startTestEmulator, type TestEmulator } from "../helpers/harness";
import {
  announceFigures,
  checkTokens,
  Evidence,
  hangGuard,
  LONG,
  readStateFile,
  recordFigures,
  rng,
  seedFor,
  sleep,
  startReposmith,
} from "./helpers";

announceFigures("crash (kill -9)");

const RESOURCES = Number(process.env.RELIABILITY_RESOURCES ?? (LONG ? 200 : 40));
const KILLS = Number(process.env.RELIABILITY_KILLS ?? (LONG ? 20 : 3));
const REPOS: [string, string][] = [
  ["acme", "prod"],
  ["acme", "staging"],
];
/** One resource in ten is a PackageCopy from acme/pkgsrc into acme/prod, out of a pool of packages. */
const COPIES = Math.round(RESOURCES / 10);
const PACKAGES = Array.from({ length: Math.max(COPIES * 2, 4) }, (_, i) => `pkg-${i}`);

let t: TestEmulator;
let dir: string;
const evidence = new Evidence();

beforeAll(async () => {
  t = await startTestEmulator(REPOS);
  await t.admin("POST", "/seed", {
    repositories: [{ owner: "acme", slug: "pkgsrc" }],
    // Copies take a moment to synchronise: kills land while an apply waits for them too.
    packageSync: { durationMs: 400 },
    packages: PACKAGES.map((name) => ({ owner: "acme", repository: "pkgsrc", format: "npm", name, version: "1.0.0" })),
  });
  evidence.addSecret("CLOUDSMITH_API_KEY", t.apiKey);
  mkdirSync(path.join(ROOT, ".test-work"), { recursive: true });
  dir = mkdtempSync(path.join(ROOT, ".test-work", "crash-"));
  evidence.addDir(dir);
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Decl {
  idx: number;
  repo: string;
  downloads: number;
}

function synth(outdir: string, decls: Decl[], copies: string[]): void {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "app");
  for (const d of decls)
    new EntitlementToken(stack, `t${d.idx}`, {
      owner: "acme",
      repository: d.repo,
      name: `t${d.idx}`,
      limits: { numDownloads: d.downloads },
    });
  for (const name of copies) {
    new PackageCopy(stack, `c-${name}`, {
      source: { owner: "acme", repository: "pkgsrc", package: { format: "npm", name, version: "1.0.0" } },
      destination: "prod",
      waitForSync: { timeout: "60s" },
    });
  }
  app.synth();
}

/** Copies: one package per format/name/version in prod, each one declared and recorded under its id, fully synchronised. */
async function checkCopies(
  state: StackState,
  declared: string[],
): Promise<{ duplicates: number; orphans: number; lost: number; problems: string[] }> {
  const out = { duplicates: 0, orphans: 0, lost: 0, problems: [] as string[] };
  const prod = ((await t.admin("GET", "/state")).packages as any[]).filter(
    (p) => p.owner === "acme" && p.repository === "prod",
  );
  const byName = new Map<string, any[]>();
  for (const p of prod) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const want = new Set(declared);
  for (const [name, list] of byName) {
    if (list.length > 1) {
      out.duplicates += list.length - 1;
      out.problems.push(`duplicate: ${list.length} copies of ${name} in acme/prod`);
    }
    if (!want.has(name) || !state.resources[`app/c-${name}`]) {
      out.orphans += list.length;
      out.problems.push(`orphan: copy of ${name} in acme/prod (${want.has(name) ? "not in state" : "not declared"})`);
    }
  }
  for (const name of declared) {
    const rs = state.resources[`app/c-${name}`];
    const list = byName.get(name) ?? [];
    if (!rs || !list.some((p) => rs.id === `acme.prod.${p.slug_perm}`) || rs.observed.sync !== "completed") {
      out.lost++;
      out.problems.push(
        `lost: copy of ${name} (in prod ${list.length}, state ${rs ? `${rs.id} ${String(rs.observed.sync)}` : "none"})`,
      );
    }
  }
  return out;
}

const writeCount = () =>
  Object.entries(t.emu.stats().requests.byRoute)
    .filter(([route]) => /^(POST|PATCH|PUT|DELETE) /.test(route))
    .reduce((n, [, c]) => n + c, 0);
const requestCount = () => t.emu.stats().requests.total;

describe("kill -9 of reposmith apply", () => {
  it(
    `converges after ${KILLS} kills at random points of a ${RESOURCES}-resource apply (${RESOURCES - COPIES} tokens, ${COPIES} package copies)`,
    async () => {
      const seed = seedFor("crash");
      const rand = rng(seed);
      const outdir = path.join(dir, "cdktf.out");
      const stateDir = path.join(dir, "state");
      const stateFile = path.join(stateDir, "app.json");
      const store = new FileStateStore(stateDir);
      const env = { ...t.env, CI: "1" };
      // 5 ms on every call, plus 10 ms on about half of them: kills land while requests are in flight.
      await t.admin("POST", "/faults", {
        latencyMs: 5,
        rules: [{ pass: true, delayMs: 10, probability: 0.5, times: 1e9 }],
      });

      const figures = {
        kills: 0,
        missedKills: 0,
        reruns: 0,
        duplicates: 0,
        orphans: 0,
        lost: 0,
        invalidStates: 0,
        killPoints: [] as string[],
      };
      const problems: string[] = [];
      let decls: Decl[] = [];
      let copies: string[] = [];
      let next = 0;
      let lastSerial = 0;
      let lineage: string | undefined;

      // Rounds go on until KILLS kills landed mid-apply (an apply that finished first does not count).
      // After a round whose apply finished first, the next kill is aimed early (before its last write,
      // no long delay), so a run of unlucky draws on a fast machine cannot starve the test of kills.
      let missedLast = false;
      for (let round = 0; figures.kills < KILLS && round < KILLS * 4; round++) {
        // Change the declared set: drop ~15 %, edit ~20 %, top up with new ones.
        const before = new Map(decls.map((d) => [d.idx, d]));
        decls = decls
          .filter(() => rand() >= 0.15)
          .map((d) => (rand() < 0.2 ? { ...d, downloads: d.downloads + 1 + Math.floor(rand() * 100) } : d));
        const copiesBefore = new Set(copies);
        copies = copies.filter(() => rand() >= 0.3);
        for (const name of [...PACKAGES].sort(() => rand() - 0.5))
          if (copies.length < COPIES && !copies.includes(name)) copies.push(name);
        while (decls.length < RESOURCES - COPIES)
          decls.push({ idx: next++, repo: rand() < 0.5 ? "prod" : "staging", downloads: Math.floor(rand() * 1000) });
        const kept = new Set(decls.map((d) => d.idx));
        const expectedWrites =
          decls.filter((d) => !before.has(d.idx) || before.get(d.idx)!.downloads !== d.downloads).length +
          [...before.keys()].filter((i) => !kept.has(i)).length +
          copies.filter((c) => !copiesBefore.has(c)).length +
          [...copiesBefore].filter((c) => !copies.includes(c)).length;
        synth(outdir, decls, copies);

        // Apply, and kill it at a random point: after a random share of its writes, plus up to 20 ms.
        const share = rand();
        const lastTarget = missedLast ? Math.max(1, expectedWrites - 1) : expectedWrites;
        const target = Math.max(1, Math.min(lastTarget, Math.ceil(share * expectedWrites)));
        // Mostly within 20 ms of that write; one kill in four up to 1.5 s later (copies being waited on, state writes).
        const long = rand() < 0.25 && !missedLast;
        const extraMs = Math.floor(rand() * (long ? 1500 : 20));
        const writes0 = writeCount();
        const requests0 = requestCount();
        const started = Date.now();
        const run = startReposmith(
          ["apply", "--auto-approve", "--skip-synth", "--output", outdir, "--state", stateDir],
          { cwd: dir, env },
        );
        let exited = false;
        void run.done.then(() => (exited = true));
        let firstRequestAt: number | undefined;
        while (!exited && writeCount() - writes0 < target) {
          if (firstRequestAt === undefined && requestCount() > requests0) firstRequestAt = Date.now();
          await sleep(1);
        }
        await sleep(extraMs);
        const killedAfterWrites = writeCount() - writes0;
        const killedAt = Date.now();
        const killed = !exited && run.child.kill("SIGKILL");
        const result = await run.done;
        evidence.addOutput(`round ${round}: killed apply`, result);
        if (killed) {
          figures.kills++;
          figures.killPoints.push(
            `${killedAfterWrites}/${expectedWrites} writes, ${killedAt - (firstRequestAt ?? started)} ms after the first request`,
          );
        } else {
          figures.missedKills++;
        }
        missedLast = !killed;

        // Whatever the moment of the kill, the state on disk is a whole, valid document.
        let crashed;
        try {
          crashed = readStateFile(stateFile);
        } catch (err) {
          figures.invalidStates++;
          problems.push(`round ${round}: state after kill: ${(err as Error).message}`);
        }
        if (crashed) {
          if (crashed.serial < lastSerial)
            problems.push(`round ${round}: serial went back from ${lastSerial} to ${crashed.serial}`);
          if (lineage && crashed.lineage !== lineage) problems.push(`round ${round}: lineage changed`);
        }

        // The rerun takes over the dead holder's lock and converges.
        const rerun = await reposmith(
          ["apply", "--auto-approve", "--skip-synth", "--output", outdir, "--state", stateDir],
          { cwd: dir, env, timeoutMs: hangGuard(240_000) },
        );
        figures.reruns++;
        evidence.addOutput(`round ${round}: rerun`, rerun);
        if (rerun.code !== 0) problems.push(`round ${round}: rerun exited ${rerun.code}: ${rerun.stderr.trim()}`);

        const state = readStateFile(stateFile);
        if (!state) {
          figures.invalidStates++;
          problems.push(`round ${round}: no state after the rerun`);
          continue;
        }
        if (state.serial <= lastSerial)
          problems.push(`round ${round}: serial did not increase (${lastSerial} -> ${state.serial})`);
        lastSerial = state.serial;
        lineage ??= state.lineage;
        if (state.lineage !== lineage) problems.push(`round ${round}: lineage changed`);

        const declared = new Set(decls.map((d) => `app/t${d.idx}`));
        const keysInState = Object.keys(state.resources).filter(
          (k) => !declared.has(k) && !copies.includes(k.replace("app/c-", "")),
        );
        if (keysInState.length)
          problems.push(`round ${round}: state keeps undeclared ${keysInState.slice(0, 3).join(", ")}`);
        for (const conv of [await checkTokens(t, REPOS, state, declared), await checkCopies(state, copies)]) {
          figures.duplicates += conv.duplicates;
          figures.orphans += conv.orphans;
          figures.lost += conv.lost;
          problems.push(...conv.problems.map((p) => `round ${round}: ${p}`));
        }

        // Converged means nothing left to do: every field as declared.
        const { plan } = await planAll({ outdir, store, env, clientOptions: { retryBaseMs: 5 } });
        if (hasChanges(plan)) {
          const pending = plan.stacks.flatMap((s) =>
            s.resources.filter((r) => r.action !== "noop").map((r) => `${r.action} ${r.key}`),
          );
          problems.push(`round ${round}: not converged: ${pending.slice(0, 5).join(", ")}`);
        }
        await evidence.addTokenValues(t, REPOS);
        process.stdout.write(
          `[reliability] crash round ${round + 1}, kill ${figures.kills}/${KILLS}: ${killed ? `killed after ${killedAfterWrites}/${expectedWrites} writes` : "apply finished before the kill"}; rerun ${rerun.code === 0 ? "converged" : `exit ${rerun.code}`} (${Date.now() - started} ms)\n`,
        );
      }

      const scan = evidence.scan();
      recordFigures("crash (kill -9)", {
        seed,
        resources: RESOURCES,
        copies: COPIES,
        kills: figures.kills,
        missedKills: figures.missedKills,
        reruns: figures.reruns,
        duplicates: figures.duplicates,
        orphans: figures.orphans,
        lost: figures.lost,
        invalidStates: figures.invalidStates,
        secretHits: scan.hits.length,
        filesScanned: scan.scanned,
        badModes: scan.badModes.length,
        killPoints: figures.killPoints,
      });
      expect(problems).toEqual([]);
      expect(figures.kills).toBe(KILLS);
      expect(scan.hits).toEqual([]);
      expect(scan.badModes).toEqual([]);
    },
    hangGuard((LONG ? 60 : 20) * 60_000),
  );
});

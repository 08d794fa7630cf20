import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, DataResource, TerraformStack } from "cdktf";
import { RateLimiter } from "../src/api/cloudsmith";
import { EntitlementToken } from "../src";
import { applyAll, FileStateStore, type RunOptions } from "../src/engine";
import type { SyncPolling } from "../src/resources/types";
import { rng } from "../test/helpers/random";
import {
  row,
  startEmulatorProcess,
  timed,
  writeCopyApp,
  writeTokenApp,
  type EmulatorProcess,
  type Row,
} from "./support";

export { observeScenario, type ObserveConfig } from "./observe";

function runOptions(
  emu: EmulatorProcess,
  dir: string,
  concurrency: number,
  extra: Partial<RunOptions> = {},
): RunOptions {
  return {
    outdir: path.join(dir, "out"),
    store: new FileStateStore(path.join(dir, "state")),
    env: { CLOUDSMITH_API_URL: `${emu.url}/v1`, CLOUDSMITH_API_KEY: emu.apiKey },
    parallelism: concurrency,
    clientOptions: { limiter: new RateLimiter({ concurrency }) },
    ...extra,
  };
}

export interface LimitConfig {
  repos: number;
  perRepo: number;
  limit: number;
  windowSeconds: number;
  latencyMs: number;
}

/** (b) many creates under an emulated rate limit: our limiter vs the same client reacting to 429s only. */
export async function rateLimitScenario(cfg: LimitConfig): Promise<Row[]> {
  const emu = await startEmulatorProcess(cfg.latencyMs);
  try {
    const run = async (lowWatermark: number | undefined) => {
      const dir = mkdtempSync(path.join(tmpdir(), "reposmith-bench-b-"));
      try {
        await emu.admin("POST", "/reset");
        await emu.admin("POST", "/seed", {
          repositories: Array.from({ length: cfg.repos }, (_, r) => ({ owner: "acme", slug: `repo${r}` })),
        });
        writeTokenApp(path.join(dir, "out"), "bench", cfg.repos, cfg.perRepo);
        // The emulator's windows end on whole seconds, so the first one (starting now) is up to a
        // second short: the floor is measured from its actual end, not assumed to be N windows.
        const window = (await emu.admin("POST", "/ratelimit", {
          limit: cfg.limit,
          windowSeconds: cfg.windowSeconds,
        })) as { reset: number };
        const opts = runOptions(emu, dir, 10, {
          clientOptions: { limiter: new RateLimiter({ concurrency: 10, lowWatermark }) },
        });
        const t0 = Date.now();
        const windows = Math.ceil((cfg.repos * cfg.perRepo + cfg.repos) / cfg.limit); // one create each + one list per repository
        if (windows < 2)
          throw new Error(
            `bench b: ${cfg.repos * cfg.perRepo} creates fit in one window of ${cfg.limit} requests: nothing to schedule`,
          );
        const floorMs = window.reset * 1000 - t0 + (windows - 2) * cfg.windowSeconds * 1000;
        const { ms, value } = await timed(() => applyAll(opts));
        const failures = value.results.reduce((n, r) => n + r.failed.length, 0);
        const throttled = value.ctx.clients.all().reduce((n, c) => n + c.stats.throttled, 0);
        const created = value.results.reduce((n, r) => n + r.done.length, 0);
        return { ms, failures, throttled, created, floorMs };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const ours = await run(undefined);
    const reactive = await run(0);
    const creates = cfg.repos * cfg.perRepo;
    // Failures are the row's value; only a run that neither created everything nor failed is broken.
    if (ours.failures === 0 && ours.created !== creates)
      throw new Error(`bench b: created ${ours.created} of ${creates} without a failure`);
    return [
      row(
        `b. ${creates} creates under ${cfg.limit} req/${cfg.windowSeconds}s: failures surfaced (baseline: 429-reactive only)`,
        ours.failures,
        reactive.failures,
        0,
        0,
        "errors",
      ),
      {
        ...row(
          `b. ${creates} creates: 429s received (baseline: 429-reactive only)`,
          ours.throttled,
          reactive.throttled,
          0,
          reactive.throttled,
          "429s",
        ),
        note: "informational; target = the baseline's",
      },
      row(
        `b. ${creates} creates: wall vs the limit's floor`,
        ours.ms,
        reactive.ms,
        ours.floorMs,
        ours.floorMs * 1.1,
        "ms",
        `floor: the start of the last window the requests need, from the start of the apply (the baseline's run: ${Math.round(reactive.floorMs)} ms)`,
      ),
    ];
  } finally {
    await emu.stop();
  }
}

export interface SyncPollConfig {
  packages: number;
  /** Sync durations are drawn log-uniformly from [minMs, maxMs] (a fixed seed: the same spread every run). */
  minMs: number;
  maxMs: number;
  latencyMs: number;
  /** The baseline's step: the Cloudsmith CLI's wait loop grows its wait by this much each round (its --wait-interval, 5 s by default). */
  linearStepMs: number;
  /** A second, informational run of the linear wait at this step (1 s: the smallest the CLI accepts). */
  fastLinearStepMs: number;
}

/**
 * (c) Copies of packages whose syncs take a spread of durations, all waited on at once: status polls
 * per package beyond the one that sees the sync complete, adaptive vs the CLI's linear wait. How
 * late each strategy notices the end is reported alongside, so fewer polls cannot hide longer waits.
 */
export async function syncPollScenario(cfg: SyncPollConfig): Promise<Row[]> {
  const emu = await startEmulatorProcess(cfg.latencyMs);
  const random = rng(20261126); // a fixed seed: the same spread of durations on every run
  const durations = Array.from({ length: cfg.packages }, () =>
    Math.round(cfg.minMs * (cfg.maxMs / cfg.minMs) ** random()),
  );
  try {
    const run = async (syncPolling: SyncPolling) => {
      const dir = mkdtempSync(path.join(tmpdir(), "reposmith-bench-c-"));
      try {
        await emu.admin("POST", "/reset");
        await emu.admin("POST", "/seed", {
          repositories: [
            { owner: "acme", slug: "staging" },
            { owner: "acme", slug: "prod" },
          ],
          // Copies inherit their source's sync settings.
          packages: durations.map((durationMs, i) => ({
            owner: "acme",
            repository: "staging",
            format: "npm",
            name: `pkg-${i}`,
            version: "1.0.0",
            sync: { durationMs },
          })),
        });
        writeCopyApp(path.join(dir, "out"), "bench", cfg.packages);
        const doneAt = new Map<string, number>();
        const opts = runOptions(emu, dir, cfg.packages, { syncPolling });
        const { ms, value } = await timed(() =>
          applyAll({
            ...opts,
            onEvent: (e) => e.phase === "done" && e.id && doneAt.set(e.id.split(".")[2], Date.now()),
          }),
        );
        const failures = value.results.reduce((n, r) => n + r.failed.length, 0);
        if (failures || doneAt.size !== cfg.packages)
          throw new Error(`bench c: ${failures} failures, ${doneAt.size} of ${cfg.packages} copies done`);
        const state = (await emu.admin("GET", "/state")) as {
          packages: { repository: string; slug_perm: string; status_reads: number }[];
        };
        const copies = state.packages.filter((p) => p.repository === "prod");
        const extra = copies.map((p) => p.status_reads - 1).sort((a, b) => a - b);
        // How late the end was noticed: our "done" vs the sync's own end (sync_finished_at).
        const late: number[] = [];
        for (const p of copies) {
          const st = (await (
            await fetch(`${emu.url}/v1/packages/acme/prod/${p.slug_perm}/status/`, {
              headers: { "X-Api-Key": emu.apiKey },
            })
          ).json()) as { sync_finished_at: string };
          late.push(doneAt.get(p.slug_perm)! - Date.parse(st.sync_finished_at));
        }
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        return {
          ms,
          extraMean: mean(extra),
          extraMax: extra[extra.length - 1],
          lateMean: mean(late),
          lateMax: Math.max(...late),
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const ours = await run("adaptive");
    const linear = await run({ linearStepMs: cfg.linearStepMs });
    // The same linear wait at its smallest step polls far more often and notices ends sooner.
    const fast = await run({ linearStepMs: cfg.fastLinearStepMs });
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const late = (r: typeof ours) => `end noticed ${s(r.lateMean)} late on average (max ${s(r.lateMax)})`;
    return [
      row(
        `c. ${cfg.packages} copies, syncs of ${s(cfg.minMs)}-${s(cfg.maxMs)}: extra status polls per package (baseline: the CLI's linear wait at its default, +${s(cfg.linearStepMs)} a round)`,
        ours.extraMean,
        linear.extraMean,
        0,
        2,
        "polls",
        `mean shown; max ${ours.extraMax} vs ${linear.extraMax}; ours: ${late(ours)}, apply wall ${s(ours.ms)}; baseline: ${late(linear)}, apply wall ${s(linear.ms)}; ` +
          `the linear wait at +${s(cfg.fastLinearStepMs)} a round: ${fast.extraMean.toFixed(2)} extra polls (max ${fast.extraMax}), ${late(fast)}, apply wall ${s(fast.ms)}`,
      ),
    ].map((r) => ({
      ...r,
      counts: {
        copies: cfg.packages,
        extraMax: ours.extraMax,
        linearExtraMean: linear.extraMean,
        fastLinearExtraMean: fast.extraMean,
        fastLinearExtraMax: fast.extraMax,
      },
    }));
  } finally {
    await emu.stop();
  }
}

/** (d) synth of N EntitlementToken constructs vs N bare terraform_data resources. */
export async function synthScenario(n: number): Promise<Row[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "reposmith-bench-d-"));
  try {
    const synth = (make: (stack: TerraformStack, i: number) => unknown) =>
      timed(async () => {
        const app = new App({ outdir: path.join(dir, String(Math.random())) });
        const stack = new TerraformStack(app, "s");
        for (let i = 0; i < n; i++) make(stack, i);
        app.synth();
      });
    await synth(
      (s, i) => i < 50 && new EntitlementToken(s, `w${i}`, { owner: "acme", repository: "warm", name: `w${i}` }),
    ); // load and JIT once
    const bare = await synth((s, i) => new DataResource(s, `r${i}`, { input: { i: String(i) } }));
    const ours = await synth(
      (s, i) =>
        new EntitlementToken(s, `t${i}`, {
          owner: "acme",
          repository: `repo${i % 100}`,
          name: `t${i}`,
          limits: { numDownloads: i },
        }),
    );
    return [
      row(
        `d. synth of ${n} EntitlementToken constructs (baseline: ${n} cdktf DataResource)`,
        ours.ms,
        bare.ms,
        null,
        3000,
        "ms",
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Row (a): a plan of many tokens (10,000 over 100 repositories in the full run) with nothing to do.
 * - API calls: the list-based observe against one GET per resource (a mode of the same engine).
 * - (a1) wall at a realistic list latency (150 ms), against the network-bound floor measured beside
 *   it: the same pages, fetched at the same concurrency from a server that does no work.
 * - (a2) the client's CPU per plan (user + system, all of its process's threads), against the cost
 *   of only parsing the same bytes (the list pages and the state file) as JSON; and the same plans
 *   when every page changed since the plan before (nothing parsed before given again).
 * The client plans in a process of its own (bench/plan-child.ts), holding what a client holds, not
 * this harness; the floors are measured in another (bench/floor-child.ts), so their garbage is not the client's.
 * - (e) peak RSS of that plan, in a child process.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import type { FloorReply, FloorRequest } from "./floor-child";
import { startChild, type BenchChild } from "./ipc";
import type { PlanReply, PlanRequest } from "./plan-child";
import { ROOT, row, type Row } from "./support";
import { setUpTokenPlan, type TokenPlanSetup } from "./token-plan";

export interface ObserveConfig {
  repos: number;
  perRepo: number;
  /** Latency of every request (row a1's), in ms. */
  latencyMs: number;
  concurrency: number;
  /** Plans measured (a1 and a2 take the median), each beside one measurement of each floor. */
  runs: number;
  /** Also plan at this latency, where the client's CPU shows rather than hides behind the network (a1's note). */
  fastLatencyMs?: number;
  /** Also measure the peak RSS of a plan in a child process (row e). */
  rss: boolean;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const list = (xs: number[]) => xs.map((x) => Math.round(x)).join(", ");

interface PlanFigures {
  wallMs: number;
  /** The client's process alone (bench/plan-child.ts; the emulator, the floors and the fixed server run in their own). */
  clientCpuMs: number;
  emulatorCpuMs: number | undefined;
  calls: number;
}

type Client = BenchChild<PlanRequest, PlanReply>;

/** Plans the client makes before any is measured (their CPU is in a2's note). */
const WARM_UP_PLANS = 3;

/** One plan of the client (bench/plan-child.ts, its own process), with the emulator's side of it. */
async function measurePlan(
  setup: TokenPlanSetup,
  client: Client,
  concurrency: number,
  readMode: "list" | "get" = "list",
  /** As if every page had changed since the last plan: nothing parsed before is given again (api/http/reused-bodies.ts). */
  changedPages = false,
): Promise<PlanFigures> {
  const { emu } = setup;
  const before = (await emu.stats()).total;
  const emuCpu = emu.cpuMs();
  const reply = await client.ask({
    outdir: path.join(setup.dir, "out"),
    stateDir: path.dirname(setup.stateFile),
    apiUrl: `${emu.url}/v1`,
    apiKey: emu.apiKey,
    concurrency,
    readMode,
    changedPages,
  });
  const emuAfter = emu.cpuMs();
  return {
    wallMs: reply.wallMs,
    clientCpuMs: reply.cpuMs,
    emulatorCpuMs: emuCpu === undefined || emuAfter === undefined ? undefined : emuAfter - emuCpu,
    calls: (await emu.stats()).total - before,
  };
}

/** bench/floor-child.ts's answer to `m`, of the type its command says. */
async function askFloors<R extends FloorReply["cmd"]>(
  floors: BenchChild<FloorRequest, FloorReply>,
  m: FloorRequest & { cmd: R },
): Promise<Extract<FloorReply, { cmd: R }>> {
  return (await floors.ask(m)) as Extract<FloorReply, { cmd: R }>;
}

export async function observeScenario(cfg: ObserveConfig): Promise<Row[]> {
  const setup = await setUpTokenPlan(cfg.repos, cfg.perRepo, cfg.latencyMs, cfg.concurrency);
  const { emu } = setup;
  let fixed: FixedServer | undefined;
  // The floors are measured in a child process: their garbage (24 MB of JSON parsed, 14 MB fetched)
  // is not this process's, so the client's plans do not pay to collect it.
  const floors = startChild<FloorRequest, FloorReply>("floor-child.ts");
  // The client plans in its own process too, holding only what a client holds (bench/plan-child.ts).
  const client = startChild<PlanRequest, PlanReply>("plan-child.ts");
  const work = mkdtempSync(path.join(tmpdir(), "reposmith-bench-fixed-"));
  try {
    const bodiesFile = path.join(work, "bodies.json");
    const { pageBytes } = await askFloors(floors, {
      cmd: "capture",
      emulatorUrl: emu.url,
      apiKey: emu.apiKey,
      repos: cfg.repos,
      concurrency: cfg.concurrency,
      bodiesFile,
    });
    fixed = await startFixedServer(bodiesFile, cfg.latencyMs);
    const fixedUrl = fixed.url;
    const floorWall = async () =>
      (await askFloors(floors, { cmd: "wall", url: fixedUrl, repos: cfg.repos, concurrency: cfg.concurrency })).ms;

    // Warm up, as a controller's later passes are: the client process is new, and its first plans
    // still load and compile code and grow its heap (measured: 301, 216, 200 ms, then 170).
    const warmUp: PlanFigures[] = [];
    for (let i = 0; i < WARM_UP_PLANS; i++) warmUp.push(await measurePlan(setup, client, cfg.concurrency));
    await floorWall();
    // Each plan beside one measurement of each floor, so that load on the machine weighs on both alike.
    const plans: PlanFigures[] = [];
    const walls: number[] = [];
    const parses: { pages: number; state: number; stateBytes: number }[] = [];
    for (let i = 0; i < cfg.runs; i++) {
      plans.push(await measurePlan(setup, client, cfg.concurrency));
      walls.push(await floorWall());
      const parsed = await askFloors(floors, { cmd: "parse", stateFile: setup.stateFile });
      parses.push({ pages: parsed.pagesMs, state: parsed.stateMs, stateBytes: parsed.stateBytes });
    }
    // The same plans when every page changed since the last one (each token's download counted, say): all parsed afresh.
    const changed: PlanFigures[] = [];
    for (let i = 0; i < cfg.runs; i++) changed.push(await measurePlan(setup, client, cfg.concurrency, "list", true));
    const load = loadavg();
    const get = await measurePlan(setup, client, cfg.concurrency, "get");
    let fast: { plans: PlanFigures[] } | undefined;
    if (cfg.fastLatencyMs !== undefined) {
      await emu.admin("POST", "/faults", { latencyMs: cfg.fastLatencyMs });
      const runs = [
        await measurePlan(setup, client, cfg.concurrency),
        await measurePlan(setup, client, cfg.concurrency),
        await measurePlan(setup, client, cfg.concurrency),
      ];
      await emu.admin("DELETE", "/faults");
      fast = { plans: runs };
    }

    const tokens = cfg.repos * cfg.perRepo;
    // +1: every repository also holds its default token.
    const floorCalls = cfg.repos * Math.ceil((cfg.perRepo + 1) / 500);
    // The least any client could take: the pages' round trips, `concurrency` at a time, one after another.
    const roundTrips = (latency: number) => Math.ceil(floorCalls / cfg.concurrency) * latency;
    const wall = median(plans.map((p) => p.wallMs));
    const floor = median(walls);
    const cpu = median(plans.map((p) => p.clientCpuMs));
    const changedCpu = median(changed.map((p) => p.clientCpuMs));
    const parseFloor = median(parses.map((p) => p.pages + p.state));
    const emuCpu = plans.every((p) => p.emulatorCpuMs !== undefined)
      ? median(plans.map((p) => p.emulatorCpuMs!))
      : undefined;
    const machine = `${availableParallelism()} cores, load average ${load.map((x) => x.toFixed(2)).join(" ")} (1, 5, 15 min) at the end of the runs`;
    const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    const stateBytes = parses[parses.length - 1].stateBytes;

    const rows: Row[] = [
      {
        ...row(
          `a. plan ${tokens} tokens / ${cfg.repos} repos: API calls (list vs GET each)`,
          plans[0].calls,
          get.calls,
          floorCalls,
          get.calls / 50,
          "calls",
        ),
        counts: {
          repos: cfg.repos,
          perRepo: cfg.perRepo,
          runs: cfg.runs,
          listCallsMax: Math.max(...plans.map((p) => p.calls)),
        },
      },
      {
        ...row(
          `a1. plan ${tokens} tokens / ${cfg.repos} repos: wall at concurrency ${cfg.concurrency}, ${cfg.latencyMs} ms latency (baseline: GET each)`,
          wall,
          get.wallMs,
          floor,
          floor * 1.2,
          "ms",
          `median of ${cfg.runs} plans (${list(plans.map((p) => p.wallMs))} ms); floor: the same ${floorCalls} pages fetched at concurrency ${cfg.concurrency} from a server that answers ` +
            `the emulator's bytes after the same latency and does no work, measured beside each plan (${list(walls)} ms), median; ` +
            `no client can go below ${roundTrips(cfg.latencyMs)} ms (ceil(${floorCalls} pages / ${cfg.concurrency}) round trips of ${cfg.latencyMs} ms): ${(wall / roundTrips(cfg.latencyMs)).toFixed(2)}x that` +
            (fast
              ? `; at ${cfg.fastLatencyMs} ms latency: ${list(fast.plans.map((p) => p.wallMs))} ms against ${roundTrips(cfg.fastLatencyMs!)} ms of round trips ` +
                `(client CPU ${list(fast.plans.map((p) => p.clientCpuMs))} ms)`
              : "") +
            `; ${machine}`,
        ),
        counts: { runs: plans.length, roundTripsMs: roundTrips(cfg.latencyMs) },
      },
      {
        ...row(
          `a2. plan ${tokens} tokens / ${cfg.repos} repos: client CPU per plan, all threads (baseline: GET each)`,
          cpu,
          get.clientCpuMs,
          parseFloor,
          250,
          "ms",
          `median of the same ${cfg.runs} plans (${list(plans.map((p) => p.clientCpuMs))} ms, user + system of the client's own process, bench/plan-child.ts, after ${WARM_UP_PLANS} plans not counted: ${list(warmUp.map((p) => p.clientCpuMs))} ms), ` +
            `whose pages came back as the plan before read them, so what they parsed to was given again (api/http/reused-bodies.ts); ` +
            `when every page changed since the plan before (all parsed afresh): ${list(changed.map((p) => p.clientCpuMs))} ms, median ${Math.round(changedCpu)} ms; ` +
            `floor: JSON.parse of the same bytes, decoding included, measured beside each plan (median ${Math.round(parseFloor)} ms: the ${floorCalls} list pages, ${MB(pageBytes)}, ` +
            `${Math.round(median(parses.map((p) => p.pages)))} ms; the state file, ${MB(stateBytes)} (${Math.round(stateBytes / tokens)} bytes per token), ${Math.round(median(parses.map((p) => p.state)))} ms)` +
            (emuCpu === undefined ? "" : `; the emulator's own CPU per plan: ${Math.round(emuCpu)} ms`) +
            `; ${machine}`,
        ),
        counts: {
          runs: plans.length,
          changedPagesCpuMs: changedCpu,
          pageBytes,
          stateBytes,
          pagesParseMs: median(parses.map((p) => p.pages)),
          stateParseMs: median(parses.map((p) => p.state)),
        },
      },
    ];
    if (cfg.rss) {
      const ours = await childRss([
        "plan",
        path.join(setup.dir, "out"),
        path.join(setup.dir, "state"),
        emu.url,
        emu.apiKey,
      ]);
      const idle = await childRss(["idle"]);
      rows.push(
        row(
          `e. peak RSS of a plan over ${tokens} resources (baseline: the same process, idle)`,
          ours,
          idle,
          null,
          500,
          "MB",
        ),
      );
    }
    return rows;
  } finally {
    await fixed?.stop();
    await floors.stop();
    await client.stop();
    rmSync(work, { recursive: true, force: true });
    await setup.close();
  }
}

interface FixedServer {
  url: string;
  stop(): Promise<void>;
}

/** bench/fixed-server.ts in its own process, serving the bodies of `file` (at /p/<i>) after `latencyMs`. */
async function startFixedServer(file: string, latencyMs: number): Promise<FixedServer> {
  const child = spawn(
    process.execPath,
    ["-e", `require("tsx/cjs/api").register(); require(${JSON.stringify(path.join(ROOT, "bench/fixed-server.ts"))});`],
    {
      env: { ...process.env, REPOSMITH_FIXED_BODIES: file, REPOSMITH_FIXED_LATENCY: String(latencyMs) },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.once("data", (d) => resolve(String(d).trim()));
      child.once("exit", (code) => reject(new Error(`fixed server exited ${code}`)));
    });
    return { url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function childRss(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-e", `require("tsx/cjs/api").register(); require(${JSON.stringify(path.join(ROOT, "bench/rss-child.ts"))});`],
      {
        cwd: ROOT,
        env: { ...process.env, REPOSMITH_RSS_ARGS: JSON.stringify(args) },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`rss child exited ${code}`));
      const r = JSON.parse(out) as { maxRssMB: number; resources: number };
      if (args[0] === "plan" && r.resources === 0) return reject(new Error("rss child planned nothing"));
      resolve(r.maxRssMB);
    });
  });
}

// Child process of the benchmark's row (a): the client whose plans are measured, holding only what
// a client holds (the engine and its API clients), as `reposmith plan` or the controller does. The
// benchmark's own harness (every scenario, the emulator's server code, the floors) weighs 9 MB more
// of heap and code: planned in its process, a plan's CPU was 150-180 ms in some plans and
// 290-420 ms in others, as V8 marked that larger heap (measured, docs/performance.md).
// Requests (bench/ipc.ts): one plan each.
import { RateLimiter } from "../src/api/cloudsmith";
import { reusedBodies } from "../src/api/http/reused-bodies";
import { FileStateStore, hasChanges, planAll, type RunOptions } from "../src/engine";
import { planGetEach } from "./get-each";
import { answerRequests } from "./ipc";

export interface PlanRequest {
  outdir: string;
  stateDir: string;
  apiUrl: string;
  apiKey: string;
  concurrency: number;
  /** "list": the engine's plan; "get": the baseline, one GET per token (bench/get-each.ts). */
  readMode: "list" | "get";
  /** As if every page had changed since the last plan: nothing parsed before is given again. */
  changedPages: boolean;
}

export interface PlanReply {
  wallMs: number;
  cpuMs: number;
}

async function plan(m: PlanRequest): Promise<PlanReply> {
  if (m.changedPages) reusedBodies.clear();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const opts: RunOptions = {
    outdir: m.outdir,
    store: new FileStateStore(m.stateDir),
    env: { CLOUDSMITH_API_URL: m.apiUrl, CLOUDSMITH_API_KEY: m.apiKey },
    parallelism: m.concurrency,
    clientOptions: { limiter: new RateLimiter({ concurrency: m.concurrency }) },
  };
  const empty =
    m.readMode === "get" ? (await planGetEach(opts)).changed === 0 : !hasChanges((await planAll(opts)).plan);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (!empty) throw new Error(`bench: ${m.readMode} plan is not empty`);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

answerRequests(plan);

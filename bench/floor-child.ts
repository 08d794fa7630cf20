// Child process of the benchmark's row (a): measures the floors that row (a1) and row (a2) are judged
// against, away from the client's process. Fetching 14 MB of pages and parsing 24 MB of JSON in the
// client's own heap left garbage that the client's next plan paid to collect (measured: a plan's CPU
// 145-153 ms alone, 170-209 ms with the parse floor run between plans in the same process).
// Requests (bench/ipc.ts): capture, wall, parse.
import { readFileSync, writeFileSync } from "node:fs";
import { settleAll } from "../src/util/pool";
import { answerRequests } from "./ipc";

export type FloorRequest =
  | { cmd: "capture"; emulatorUrl: string; apiKey: string; repos: number; concurrency: number; bodiesFile: string }
  | { cmd: "wall"; url: string; repos: number; concurrency: number }
  | { cmd: "parse"; stateFile: string };

export type FloorReply =
  | { cmd: "capture"; pageBytes: number }
  | { cmd: "wall"; ms: number }
  | { cmd: "parse"; pagesMs: number; stateMs: number; stateBytes: number };

let pages: Buffer[] = [];

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function fetchAll(repos: number, concurrency: number, url: (r: number) => string, apiKey?: string) {
  const results = await settleAll(
    Array.from({ length: repos }, (_, r) => r),
    concurrency,
    async (r) =>
      Buffer.from(await (await fetch(url(r), { headers: apiKey ? { "X-Api-Key": apiKey } : {} })).arrayBuffer()),
  );
  return results.map((p) => {
    if (p.status !== "fulfilled") throw p.reason;
    return p.value;
  });
}

/** CPU of parsing these bytes as JSON (decoding included: the client receives bytes too), and nothing else. */
function parseCpuMs(bodies: Buffer[]): number {
  const cpu = process.cpuUsage();
  let items = 0;
  for (const b of bodies) {
    const v = JSON.parse(b.toString("utf8")) as unknown;
    items += Array.isArray(v) ? v.length : 1;
  }
  if (!items) throw new Error("bench: nothing parsed");
  return cpuMs(process.cpuUsage(cpu));
}

async function handle(m: FloorRequest): Promise<FloorReply> {
  switch (m.cmd) {
    case "capture": {
      // The bytes a plan reads: every repository's list page, as the emulator serves them.
      pages = await fetchAll(
        m.repos,
        m.concurrency,
        (r) => `${m.emulatorUrl}/v1/entitlements/acme/repo${r}/?page_size=500`,
        m.apiKey,
      );
      writeFileSync(m.bodiesFile, JSON.stringify(pages.map((b) => b.toString("utf8"))));
      return { cmd: "capture", pageBytes: pages.reduce((n, p) => n + p.length, 0) };
    }
    case "wall": {
      const started = performance.now();
      await fetchAll(m.repos, m.concurrency, (r) => `${m.url}/p/${r}`);
      return { cmd: "wall", ms: performance.now() - started };
    }
    case "parse": {
      const state = readFileSync(m.stateFile);
      return { cmd: "parse", pagesMs: parseCpuMs(pages), stateMs: parseCpuMs([state]), stateBytes: state.length };
    }
  }
}

answerRequests(handle);

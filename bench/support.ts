import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { makePayload } from "../src/resources/payload";
import { EntitlementTokenSpecSchema } from "../src/resources/entitlement-token";
import { PACKAGE_COPY_KIND, PackageCopySpecSchema } from "../src/resources/package-copy";
import { emulatorAdmin } from "../test/helpers/emulator-admin";

export const ROOT = path.resolve(__dirname, "..");

export interface EmulatorProcess {
  url: string;
  apiKey: string;
  admin(method: string, route: string, body?: unknown): Promise<any>;
  stats(): Promise<{ total: number; byRoute: Record<string, number> }>;
  /** CPU time the emulator process has used so far (user + system, all threads), where the OS tells (Linux /proc). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** CPU time of another process so far, in ms, from /proc/PID/stat (utime + stime, in clock ticks of 10 ms); undefined elsewhere. */
function procCpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The emulator in its own process, as users run it, so its work does not share our event loop. */
export async function startEmulatorProcess(latencyMs: number): Promise<EmulatorProcess> {
  const apiKey = `bench-${Math.random().toString(36).slice(2)}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(ROOT, "bin/reposmith.js"),
      "emulator",
      "--port",
      "0",
      "--api-key",
      apiKey,
      "--latency",
      String(latencyMs),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (m) resolve(m[0]);
    });
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  const admin = (method: string, route: string, body?: unknown) => emulatorAdmin(url, method, route, body);
  return {
    url,
    apiKey,
    admin,
    stats: async () => (await admin("GET", "/stats")).requests,
    cpuMs: () => procCpuMs(child.pid),
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Writes a synthesized-app directory (manifest + one stack) with `count` tokens over `repos` repositories. */
export function writeTokenApp(
  outdir: string,
  stack: string,
  repos: number,
  perRepo: number,
): { key: (r: number, i: number) => string } {
  const key = (r: number, i: number) => `${stack}/r${r}/t${i}`;
  const resources: Record<string, unknown> = {};
  for (let r = 0; r < repos; r++) {
    for (let i = 0; i < perRepo; i++) {
      const spec = EntitlementTokenSpecSchema.parse({
        owner: "acme",
        repository: `repo${r}`,
        name: `t${i}`,
        limits: { numDownloads: 100 + i },
      });
      resources[`r${r}_t${i}`] = { input: makePayload("EntitlementToken", key(r, i), spec, undefined) };
    }
  }
  writeStack(outdir, stack, resources);
  return { key };
}

/** Writes a synthesized-app directory with one PackageCopy of npm `pkg-{i}` 1.0.0 from acme/staging to acme/prod per package. */
export function writeCopyApp(outdir: string, stack: string, count: number, timeout = "10m"): void {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const spec = PackageCopySpecSchema.parse({
      source: { owner: "acme", repository: "staging", package: { format: "npm", name: `pkg-${i}`, version: "1.0.0" } },
      destination: "prod",
      waitForSync: { timeout },
    });
    resources[`c${i}`] = { input: makePayload(PACKAGE_COPY_KIND, `${stack}/c${i}`, spec, undefined) };
  }
  writeStack(outdir, stack, resources);
}

function writeStack(outdir: string, stack: string, resources: Record<string, unknown>): void {
  mkdirSync(path.join(outdir, "stacks", stack), { recursive: true });
  writeFileSync(
    path.join(outdir, "stacks", stack, "cdk.tf.json"),
    JSON.stringify({ resource: { terraform_data: resources } }),
  );
  writeFileSync(
    path.join(outdir, "manifest.json"),
    JSON.stringify({ version: "0.21.0", stacks: { [stack]: { synthesizedStackPath: `stacks/${stack}/cdk.tf.json` } } }),
  );
}

/** Seed document: the tokens of writeTokenApp already existing remotely, tagged as reposmith made them. */
export function tokenSeed(stack: string, repos: number, perRepo: number): unknown {
  const tokens = [];
  for (let r = 0; r < repos; r++) {
    for (let i = 0; i < perRepo; i++) {
      tokens.push({
        owner: "acme",
        repository: `repo${r}`,
        name: `t${i}`,
        limit_num_downloads: 100 + i,
        metadata: { "managed-by": "reposmith", key: `${stack}/r${r}/t${i}` },
      });
    }
  }
  return { repositories: Array.from({ length: repos }, (_, r) => ({ owner: "acme", slug: `repo${r}` })), tokens };
}

export interface Row {
  name: string;
  value: number;
  baseline: number;
  floor: number | null;
  target: number;
  unit: string;
  ok: boolean;
  /** How `target` reads: the value must be at most it. */
  note?: string;
  /** Counts behind the note, for tests to assert on (e.g. the baselines' polls per copy). */
  counts?: Record<string, number>;
}

export function row(
  name: string,
  value: number,
  baseline: number,
  floor: number | null,
  target: number,
  unit: string,
  note?: string,
): Row {
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    name,
    value: round(value),
    baseline: round(baseline),
    floor: floor === null ? null : round(floor),
    target: round(target),
    unit,
    ok: value <= target,
    note,
  };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

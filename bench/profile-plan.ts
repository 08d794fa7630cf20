/**
 * Profiles plans of row (a)'s set-up (10,000 tokens over 100 repositories by default) with V8's CPU
 * profiler, around the plans only (not the set-up), and prints each plan's client CPU and the
 * profile's top frames. Usage:
 *   npx tsx bench/profile-plan.ts [--out DIR] [--plans N] [--latency MS] [--repos R] [--per-repo T] [--interval US] [--alloc | --no-profile]
 * --interval: the CPU profiler's sampling interval in µs (default 250; 1000 distorts the figures less).
 * --no-profile measures the plans only (CPU and page faults per plan), with no profiler running.
 * --alloc samples allocations instead (V8's sampling heap profiler): bytes allocated per function.
 * Under `node --cpu-prof -r tsx/cjs bench/profile-plan.ts ...` it leaves the profiling to node and
 * prints the plans' time window, for `bench/profile-summary.ts FILE TOP FROM_US TO_US`.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import path from "node:path";
import { summarize, summarizeAllocations, type AllocationProfile } from "./profile-summary";
import { setUpTokenPlan } from "./token-plan";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};

async function main(): Promise<void> {
  const out = arg("out", process.cwd());
  const plans = Number(arg("plans", "5"));
  const setup = await setUpTokenPlan(
    Number(arg("repos", "100")),
    Number(arg("per-repo", "100")),
    Number(arg("latency", "20")),
    10,
  );
  const underCpuProf = process.execArgv.some((a) => a.startsWith("--cpu-prof"));
  const alloc = process.argv.includes("--alloc");
  // --no-profile: the plans' CPU and page faults only, without a profiler's own cost in them.
  const bare = process.argv.includes("--no-profile");
  const session = new Session();
  try {
    // Warm up: load and JIT once, as a controller's later passes are. This first plan is what a
    // one-off `reposmith plan` pays (after the set-up's own apply, so code is loaded but nothing is cached for it).
    const coldBefore = process.cpuUsage();
    await setup.plan(10);
    const coldUsed = process.cpuUsage(coldBefore);
    const cold = (coldUsed.user + coldUsed.system) / 1000;
    if (alloc) {
      session.connect();
      // Objects collected before the end are kept in the profile: what a plan allocates, not what survives it.
      await session.post("HeapProfiler.startSampling", {
        samplingInterval: 16 * 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      } as never);
    } else if (!underCpuProf && !bare) {
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.setSamplingInterval", { interval: Number(arg("interval", "250")) });
      await session.post("Profiler.start");
    }
    const from = process.hrtime.bigint() / 1000n;
    const cpu: number[] = [];
    const faults: number[] = [];
    const gc: number[] = [];
    let gcMs = 0;
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcMs += e.duration;
    });
    observer.observe({ entryTypes: ["gc"] });
    for (let i = 0; i < plans; i++) {
      const before = process.cpuUsage();
      const faultsBefore = process.resourceUsage().minorPageFault;
      gcMs = 0;
      await setup.plan(10);
      await new Promise((resolve) => setImmediate(resolve)); // the observer's entries of this plan
      gc.push(gcMs);
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
      faults.push(process.resourceUsage().minorPageFault - faultsBefore);
    }
    const to = process.hrtime.bigint() / 1000n;
    observer.disconnect();
    const sorted = [...cpu].sort((a, b) => a - b);
    process.stdout.write(
      `load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}\n` +
        `client CPU per plan (user+system, all threads): ${cpu.map((c) => c.toFixed(0)).join(", ")} ms; median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms\n` +
        `page faults per plan (minor: memory the process touched for the first time): ${faults.join(", ")}\n` +
        `garbage collection per plan (pauses on the main thread): ${gc.map((g) => g.toFixed(0)).join(", ")} ms\n` +
        `the warm-up plan (the first after the set-up): ${cold.toFixed(0)} ms\n`,
    );
    if (alloc) {
      const { profile } = await session.post("HeapProfiler.stopSampling");
      process.stdout.write(summarizeAllocations(profile as unknown as AllocationProfile, plans, 25) + "\n");
      return;
    }
    if (bare) return;
    if (underCpuProf) {
      process.stdout.write(`plans' window (µs, for profile-summary): ${from} ${to}\n`);
      return;
    }
    const { profile } = await session.post("Profiler.stop");
    const file = path.join(out, `plan-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    process.stdout.write(`profile of ${plans} plans: ${file}\n${summarize(profile as never, 12)}\n`);
  } finally {
    if (alloc || !(underCpuProf || bare)) session.disconnect();
    await setup.close();
  }
}

void main();

/**
 * Reads a V8 .cpuprofile (node --cpu-prof, or the inspector's Profiler) and lists the frames with the
 * most self time and the most inclusive time (a frame counted once per sample however often it
 * recurs on the stack). Usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [TOP [FROM_US TO_US]]
 * (FROM_US TO_US: the window bench/profile-plan.ts prints when run under node --cpu-prof).
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const frameName = (n: Node) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/(node_modules\/)/, "$1")
    .replace(/^.*\/(src|bench|test)\//, "$1/");
  return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
};

/** `window`: only the samples taken between these times (µs on the profile's clock, CLOCK_MONOTONIC as process.hrtime's). */
export function summarize(profile: Profile, top = 15, window?: { from: number; to: number }): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    if (window && (at < window.from || at > window.to)) return;
    // The delta after a sample is the time it stands for (the first is relative to startTime).
    const us = profile.timeDeltas[i + 1] ?? 0;
    total += us;
    const leaf = byId.get(id)!;
    self.set(frameName(leaf), (self.get(frameName(leaf)) ?? 0) + us);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const name = frameName(byId.get(n)!);
      if (seen.has(name)) continue;
      seen.add(name);
      incl.set(name, (incl.get(name) ?? 0) + us);
    }
  });
  const ms = (us: number) => `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, skip: (k: string) => boolean) =>
    [...m]
      .filter(([k]) => !skip(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${ms(v)}  ${k}`);
  const structural = (k: string) => /^\((root|program|idle)\)/.test(k);
  return [
    `sampled ${(total / 1000).toFixed(0)} ms`,
    "top self time:",
    ...list(self, (k) => k.startsWith("(idle)")),
    "top inclusive time (frames that only call others left out: (root), (program)):",
    ...list(incl, structural),
  ].join("\n");
}

export interface AllocationProfile {
  head: AllocationNode;
}
interface AllocationNode {
  callFrame: Node["callFrame"];
  selfSize: number;
  children: AllocationNode[];
}

/** Bytes allocated per function (self: allocated in it; inclusive: in it or what it called), per plan. */
export function summarizeAllocations(profile: AllocationProfile, plans: number, top = 20): string {
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  const walk = (n: AllocationNode, stack: string[]): number => {
    const name = frameName({ id: 0, callFrame: n.callFrame });
    const sub = n.selfSize + n.children.reduce((s, c) => s + walk(c, [...stack, name]), 0);
    self.set(name, (self.get(name) ?? 0) + n.selfSize);
    total += n.selfSize;
    if (!stack.includes(name)) incl.set(name, (incl.get(name) ?? 0) + sub);
    return sub;
  };
  walk(profile.head, []);
  const mb = (b: number) =>
    `${(b / plans / 1e6).toFixed(1).padStart(7)} MB ${((100 * b) / total).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>) =>
    [...m]
      .filter(([k]) => !/^\((root|program)\)/.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${mb(v)}  ${k}`);
  return [
    `allocated ${(total / plans / 1e6).toFixed(1)} MB per plan (sampled)`,
    "top self:",
    ...list(self),
    "top inclusive:",
    ...list(incl),
  ].join("\n");
}

if (require.main === module) {
  const [file, top, from, to] = process.argv.slice(2);
  const window = from && to ? { from: Number(from), to: Number(to) } : undefined;
  process.stdout.write(summarize(JSON.parse(readFileSync(file, "utf8")) as Profile, Number(top ?? 15), window) + "\n");
}

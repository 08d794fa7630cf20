/**
 * Did the storm storm? The faults of each kind the emulator says it injected (its own counters,
 * `GET /_emulator/stats`) against a floor worked out from the requests it served (counted by route):
 * each armed rule could fire on the requests to the routes it matches, with its probability, when no
 * earlier rule fired first. The floor is the count a working emulator falls below with a chance under
 * one in a million (the exact lower tail of those independent trials), so a storm whose faults did
 * not fire (fault injection off, a rule that never matches) fails, and a real one does not.
 *
 * Each rule is held to its own floor too (`ruleTallies`, fired counted from the rule's `remaining`),
 * and a floor of 0 is itself a failure: a storm too small to show that one of its rules fired proves
 * nothing about that rule, so every rule a storm configures must be expected to fire often enough
 * that its floor is at least 1, and must then fire. A rule whose method and path match no route of
 * the API at all is an error as soon as it is armed (`assertRulesMatchRoutes`).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { TestEmulator } from "../helpers/harness";

/** An armed rule as `GET /_emulator/faults` lists it. */
export interface ArmedRule {
  method?: string;
  path?: string;
  probability: number;
  kind: string;
  /** Firings left (`times` when armed). */
  remaining: number;
}

export interface EmulatorCounters {
  requests: Record<string, number>;
  faults: Record<string, number>;
}

export interface KindTally {
  kind: string;
  /** Injected, by the emulator's count. */
  fired: number;
  /** Expected count, from the requests the rules of this kind could fire on. */
  expected: number;
  floor: number;
}

/** Chance below which a working storm may fall short of its floor. */
const EPSILON = 1e-6;

export async function counters(t: TestEmulator): Promise<EmulatorCounters> {
  const stats = await t.admin("GET", "/stats");
  return { requests: { ...stats.requests.byRoute }, faults: { ...stats.faults.byKind } };
}

const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));

/** Whether a rule's method and path match a request counted as "METHOD /route/template/". */
function matches(rule: ArmedRule, route: string): boolean {
  const [method, template] = route.split(" ");
  if (!template?.startsWith("/")) return false; // "(unmatched)": never reaches the fault rules
  if (rule.method !== undefined && rule.method !== method) return false;
  if (rule.path === undefined) return true;
  const path = new RegExp(rule.path);
  return path.test(template) || path.test(`/v1${template}`);
}

/** P(X = 0..max) of a Binomial(n, p), computed in log space (tiny values underflow to 0, harmlessly). */
function binomialHead(n: number, p: number, max: number): number[] {
  const out = new Array<number>(max + 1).fill(0);
  if (p >= 1) {
    if (n <= max) out[n] = 1;
    return out;
  }
  let log = n * Math.log1p(-p);
  const odds = Math.log(p) - Math.log1p(-p);
  for (let k = 0; k <= Math.min(n, max); k++) {
    out[k] = Math.exp(log);
    log += Math.log((n - k) / (k + 1)) + odds;
  }
  return out;
}

/** The largest k with P(sum of the Binomial(n_i, p_i) < k) ≤ EPSILON. */
export function lowerFloor(trials: { n: number; p: number }[]): number {
  const mean = trials.reduce((s, x) => s + x.n * x.p, 0);
  const max = Math.floor(mean) + 1;
  let dist = [1, ...new Array<number>(max).fill(0)];
  for (const { n, p } of trials) {
    if (n === 0) continue;
    const b = binomialHead(n, p, max);
    const next = new Array<number>(max + 1).fill(0);
    for (let i = 0; i <= max; i++) if (dist[i]) for (let j = 0; i + j <= max; j++) next[i + j] += dist[i] * b[j];
    dist = next;
  }
  let below = 0;
  for (let k = 0; k <= max; k++) {
    below += dist[k];
    if (below > EPSILON) return k;
  }
  return max;
}

/**
 * Tallies each kind of the armed `rules` over the emulator's counters between `before` and `after`,
 * plus "all kinds" together. Rules are tried in order, each rolling its own chance: on a request to a
 * route, rule i fires with probability p_i times (1 - p_j) for every earlier rule j matching that
 * route, independently of other requests; so each route contributes Binomial(requests, that chance).
 */
export function tally(rules: ArmedRule[], before: EmulatorCounters, after: EmulatorCounters): KindTally[] {
  const requests = Object.entries(delta(after.requests, before.requests)).filter(([, n]) => n > 0);
  const fired = delta(after.faults, before.faults);
  const trials = new Map<string, { n: number; p: number }[]>();
  const any: { n: number; p: number }[] = [];
  for (const [route, n] of requests) {
    let untouched = 1; // chance that no earlier rule fired on a request to this route
    for (const rule of rules) {
      if (!matches(rule, route)) continue;
      trials.set(rule.kind, [...(trials.get(rule.kind) ?? []), { n, p: untouched * rule.probability }]);
      untouched *= 1 - rule.probability;
    }
    any.push({ n, p: 1 - untouched });
  }
  const kinds = [...new Set(rules.map((r) => r.kind))];
  const row = (kind: string, count: number, ts: { n: number; p: number }[]): KindTally => ({
    kind,
    fired: count,
    expected: ts.reduce((s, x) => s + x.n * x.p, 0),
    floor: lowerFloor(ts),
  });
  return [
    ...kinds.map((kind) => row(kind, fired[kind] ?? 0, trials.get(kind) ?? [])),
    row(
      ALL_KINDS,
      kinds.reduce((s, k) => s + (fired[k] ?? 0), 0),
      any,
    ),
  ];
}

/** The tally of every kind together: on its own, it can prove a small storm stormed where single kinds cannot. */
export const ALL_KINDS = "all kinds";

/** One line per kind, e.g. `status 429: 41 fired, floor 19 (expected 42.3)`. */
export function describeTallies(tallies: KindTally[]): string {
  return tallies
    .map((k) => `${k.kind}: ${k.fired} fired, floor ${k.floor} (expected ${k.expected.toFixed(1)})`)
    .join("; ");
}

/** Adds a storm's tallies to a test file's running totals by kind, for the figures table. */
export function addTallies(totals: Record<string, { fired: number; floor: number }>, tallies: KindTally[]): void {
  for (const k of tallies) {
    const t = (totals[k.kind] ??= { fired: 0, floor: 0 });
    t.fired += k.fired;
    t.floor += k.floor;
  }
}

let routes: string[] | undefined;

/** Every `METHOD /template/` the published API description has (the emulator's routes are a subset). */
function apiRoutes(): string[] {
  if (routes) return routes;
  const spec = JSON.parse(readFileSync(path.resolve(__dirname, "../../spec/cloudsmith-openapi.json"), "utf8")) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return (routes = Object.entries(spec.paths).flatMap(([template, ops]) =>
    Object.keys(ops)
      .filter((m) => ["get", "put", "post", "patch", "delete"].includes(m))
      .map((m) => `${m.toUpperCase()} ${template}`),
  ));
}

/** Throws, naming the rule, when a rule's method and path match no route of the API: it could never fire. */
export function assertRulesMatchRoutes(rules: ArmedRule[], routes: string[] = apiRoutes()): void {
  const dead = rules.filter((r) => !routes.some((route) => matches(r, route)));
  if (dead.length)
    throw new Error(
      `fault rule(s) matching no API route, which could never fire: ${dead
        .map((r) => `${r.method ?? "any method"} ${r.path ?? "any path"} (${r.kind})`)
        .join("; ")}; fix the rule's method or path`,
    );
}

export interface RuleTally {
  /** e.g. `#3 PATCH any path: status 500 (after handler)`. */
  rule: string;
  fired: number;
  expected: number;
  floor: number;
}

/**
 * Each armed rule on its own: fired (its `remaining` when armed less what `GET /_emulator/faults`
 * lists now; rules armed "forever" are never used up), expected and floor from the requests it could
 * fire on, as in `tally`. `now` must list the same rules, in order, and none of them used up.
 */
export function ruleTallies(
  armed: ArmedRule[],
  now: ArmedRule[],
  before: EmulatorCounters,
  after: EmulatorCounters,
): RuleTally[] {
  if (now.length !== armed.length) throw new Error(`${armed.length} rules armed but ${now.length} listed now`);
  const requests = Object.entries(delta(after.requests, before.requests)).filter(([, n]) => n > 0);
  const trials = armed.map(() => [] as { n: number; p: number }[]);
  for (const [route, n] of requests) {
    let untouched = 1;
    armed.forEach((rule, i) => {
      if (!matches(rule, route)) return;
      trials[i].push({ n, p: untouched * rule.probability });
      untouched *= 1 - rule.probability;
    });
  }
  return armed.map((rule, i) => ({
    rule: `#${i + 1} ${rule.method ?? "any method"} ${rule.path ?? "any path"}: ${rule.kind}`,
    fired: rule.remaining - now[i].remaining,
    expected: trials[i].reduce((s, x) => s + x.n * x.p, 0),
    floor: lowerFloor(trials[i]),
  }));
}

/** The problems of a storm's rules: a floor of 0 (too small a storm to show the rule fires), or fewer fired than the floor. */
export function ruleProblems(storm: string, tallies: RuleTally[]): string[] {
  return tallies.flatMap((r) =>
    r.floor < 1
      ? [
          `${storm}: rule ${r.rule} has a floor of 0 (expected ${r.expected.toFixed(1)} firings, ${r.fired} fired): ` +
            "the storm makes too few requests it matches to show that it fires",
        ]
      : r.fired < r.floor
        ? [
            `${storm}: rule ${r.rule} fired ${r.fired} times, below its floor of ${r.floor} (expected ${r.expected.toFixed(1)})`,
          ]
        : [],
  );
}

import { runBench, SMOKE, table } from "../../bench/run";

// The seconds-long version of `npm run bench`: the same scenarios at small sizes. Wall-clock rows
// are reported but not asserted here (they depend on machine load); what is asserted are counts:
// API calls per plan, failures under the rate limit, status polls per copy, and that each row's
// `ok` is its value against its target.
describe("benchmark smoke run", () => {
  it("measures every row beside its baseline; a plan makes one list call per repository; no failures under the limit; at most 2 extra status polls per copy", async () => {
    const rows = await runBench(SMOKE);
    process.stdout.write(table(rows) + "\n");
    const find = (prefix: string, text: string) => {
      const r = rows.find((x) => x.name.startsWith(prefix) && x.name.includes(text));
      if (!r) throw new Error(`no row "${prefix}...${text}" in:\n${rows.map((x) => x.name).join("\n")}`);
      return r;
    };
    for (const r of rows) {
      expect(Number.isFinite(r.value)).toBe(true);
      expect(Number.isFinite(r.baseline)).toBe(true);
    }

    // (a) API calls per plan: one list page per repository (each holds 101 tokens, under a page of
    // 500), against one GET per token for the baseline.
    const { repos, perRepo } = SMOKE.observe;
    const calls = find("a.", "API calls");
    expect(calls.value).toBe(repos);
    expect(calls.floor).toBe(repos);
    expect(calls.baseline).toBeGreaterThanOrEqual(repos * perRepo);
    expect(calls.value).toBeLessThanOrEqual(calls.baseline / 50);
    expect(calls.counts?.listCallsMax).toBe(repos);

    // (a1) wall and (a2) CPU: each the median of the configured plans, beside floors measured in the
    // same run; `ok` says whether the value is within the target, whatever the machine's load.
    const wall = find("a1.", "wall");
    expect(wall.counts?.runs).toBe(SMOKE.observe.runs);
    // The floor is the pages fetched from a server doing no work: never below their round trips.
    expect(wall.floor).toBeGreaterThanOrEqual(wall.counts!.roundTripsMs);
    expect(wall.target).toBeCloseTo(wall.floor! * 1.2, 1);
    const cpu = find("a2.", "CPU");
    expect(cpu.counts?.runs).toBe(SMOKE.observe.runs);
    expect(cpu.target).toBe(250);
    // Beside the plans whose pages came back unchanged, the same plans with every page parsed afresh.
    expect(cpu.counts?.changedPagesCpuMs).toBeGreaterThan(0);
    // The client's first plans (code loaded and compiled, heap grown) are reported, not counted.
    expect(cpu.note).toMatch(/after 3 plans not counted: \d+, \d+, \d+ ms/);
    expect(cpu.note).toMatch(
      /when every page changed since the plan before \(all parsed afresh\): [\d, ]+ ms, median \d+ ms/,
    );
    expect(cpu.counts!.pageBytes).toBeGreaterThan(repos * perRepo * 100);
    expect(cpu.counts!.stateBytes).toBeGreaterThan(repos * perRepo * 100);
    expect(cpu.floor).toBeGreaterThan(0);
    for (const r of rows) expect(r.ok).toBe(r.value <= r.target);

    // (b) Every create made it through the emulated limit.
    expect(find("b.", "failures surfaced").value).toBe(0);

    // (c) Status polls per copy beyond the one that sees the sync complete: every copy was waited on
    // (the scenario throws otherwise), none took more than 3 extra polls and the mean is at most 2,
    // no more than the linear wait polls at its smallest step.
    const polls = find("c.", "extra status polls per package");
    expect(polls.counts?.copies).toBe(SMOKE.syncs.packages);
    expect(polls.value).toBeLessThanOrEqual(polls.target);
    expect(polls.target).toBe(2);
    expect(polls.counts!.extraMax).toBeLessThanOrEqual(3);
    expect(polls.value).toBeLessThanOrEqual(polls.counts!.fastLinearExtraMean);
  }, 120_000);
});

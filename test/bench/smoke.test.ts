import { runBench, SMOKE, table } from "../../bench/run";

// The seconds-long version of `npm run bench`: the same scenarios at small sizes. Wall-clock rows
// are reported but not asserted here (they depend on machine load); call counts and failures are.
describe("benchmark smoke run", () => {
  it("measures every row side by side with its baseline; list-based observe needs 1/50 of the calls; no failures under the limit", async () => {
    const rows = await runBench(SMOKE);
    process.stdout.write(table(rows) + "\n");
    for (const r of rows) {
      expect(Number.isFinite(r.value)).toBe(true);
      expect(Number.isFinite(r.baseline)).toBe(true);
    }
    const calls = rows.find((r) => r.name.includes("API calls"))!;
    expect(calls.value).toBe(calls.floor);
    expect(calls.value).toBeLessThanOrEqual(calls.baseline / 50);
    expect(rows.find((r) => r.name.includes("failures surfaced"))!.value).toBe(0);
    expect(rows.find((r) => r.name.startsWith("d."))!.value).toBeLessThan(30_000);
    // Row (c) ran both polling strategies to completion (it throws unless every copy finished).
    expect(rows.find((r) => r.name.startsWith("c."))!.note).toMatch(/end noticed .* late/);
  }, 120_000);
});

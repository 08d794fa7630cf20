/** The controller's Prometheus metrics before anything happened: every series known in advance is there, at 0. */
import { APIS, ControllerMetrics } from "../../src/controller/metrics";
import { DRIFT_POLICIES } from "../../src/resources/lifecycle";
import { kinds } from "../../src/resources/registry";
import { metric } from "./helpers";

describe("controller metrics", () => {
  it("exports pass results, API counters and drift series for every kind at 0 before the first pass", async () => {
    const text = await new ControllerMetrics({ defaultMetrics: false }).text();
    for (const result of ["success", "error"])
      expect(metric(text, `reposmith_reconcile_passes_total{result="${result}"}`)).toBe(0);
    for (const api of APIS) {
      for (const name of ["requests", "errors", "throttled", "retries"])
        expect(metric(text, `reposmith_api_${name}_total{api="${api}"}`)).toBe(0);
    }
    expect(kinds()).toEqual(
      expect.arrayContaining([
        "EntitlementToken",
        "EntitlementSync",
        "PackageCopy",
        "PackageMirror",
        "RepositoryMirror",
      ]),
    );
    for (const kind of kinds()) {
      for (const policy of DRIFT_POLICIES)
        expect(metric(text, `reposmith_drift_found_total{kind="${kind}",policy="${policy}"}`)).toBe(0);
      expect(metric(text, `reposmith_drift_corrected_total{kind="${kind}"}`)).toBe(0);
      expect(metric(text, `reposmith_drift_outstanding{kind="${kind}"}`)).toBe(0);
      expect(metric(text, `reposmith_resource_failures_total{kind="${kind}"}`)).toBe(0);
    }
  });

  it("the tests' metric() fails on a sample that is not there instead of reading it as 0", async () => {
    const text = await new ControllerMetrics({ defaultMetrics: false }).text();
    expect(() => metric(text, 'reposmith_drift_corected_total{kind="EntitlementToken"}')).toThrow(
      /nothing named reposmith_drift_corected_total/,
    );
    expect(() => metric(text, 'reposmith_drift_corrected_total{kind="EntitlmentToken"}')).toThrow(
      /reposmith_drift_corrected_total has: .*kind="EntitlementToken"/,
    );
    expect(() => metric(text, 'reposmith_stack_failures_total{stack="app",reason="Error"}')).toThrow(
      /reposmith_stack_failures_total has no samples/,
    );
  });
});

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

  it("buckets pass durations from 50 ms to 2 minutes", async () => {
    const m = new ControllerMetrics({ defaultMetrics: false });
    m.reconcileDuration.observe(3);
    m.reconcileDuration.observe(0.04);
    const text = await m.text();
    const bucket = (le: string) => metric(text, `reposmith_reconcile_duration_seconds_bucket{le="${le}"}`);
    const les = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "120", "+Inf"];
    expect(les.map(bucket)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    expect(text.match(/reposmith_reconcile_duration_seconds_bucket\{/g)).toHaveLength(les.length);
    expect(metric(text, "reposmith_reconcile_duration_seconds_count")).toBe(2);
  });

  it("adds only what a client's running totals gained since it was last seen", async () => {
    const m = new ControllerMetrics({ defaultMetrics: false });
    const stats = { requests: 10, retries: 2, throttled: 1, errors: 0 };
    m.addClientStats("cloudsmith", stats);
    stats.requests = 15;
    stats.errors = 3;
    m.addClientStats("cloudsmith", stats);
    m.addClientStats("cloudsmith", stats); // nothing new
    Object.assign(stats, { requests: 16, errors: 5, throttled: 4, retries: 3 }); // each grows from a non-zero total
    m.addClientStats("cloudsmith", stats);
    m.addClientStats("codearts", { requests: 4 }); // another client, optional totals absent
    const text = await m.text();
    const c = (name: string, api: string) => metric(text, `reposmith_api_${name}_total{api="${api}"}`);
    expect([
      c("requests", "cloudsmith"),
      c("retries", "cloudsmith"),
      c("throttled", "cloudsmith"),
      c("errors", "cloudsmith"),
    ]).toEqual([16, 3, 4, 5]);
    expect([
      c("requests", "codearts"),
      c("retries", "codearts"),
      c("throttled", "codearts"),
      c("errors", "codearts"),
    ]).toEqual([4, 0, 0, 0]);
  });

  it("counts managed resources per stack and kind; a kind gone from a stack reads 0, a stack gone disappears", async () => {
    const m = new ControllerMetrics({ defaultMetrics: false });
    m.setManaged("app", { EntitlementToken: 3, PackageCopy: 1 });
    m.setManaged("other", { EntitlementToken: 2 });
    m.setManaged("app", { EntitlementToken: 4 });
    m.forgetStacksExcept(["app"]);
    const text = await m.text();
    expect(metric(text, 'reposmith_resources_managed{stack="app",kind="EntitlementToken"}')).toBe(4);
    expect(metric(text, 'reposmith_resources_managed{stack="app",kind="PackageCopy"}')).toBe(0);
    expect(text).not.toContain('stack="other"');
    m.setManaged("other", { PackageMirror: 1 });
    expect(await m.text()).not.toContain('stack="other",kind="EntitlementToken"');
  });

  it("includes the process metrics (prefixed) unless told not to, and says its content type", async () => {
    expect(await new ControllerMetrics().text()).toMatch(/^reposmith_process_cpu_user_seconds_total /m);
    expect(await new ControllerMetrics({ defaultMetrics: false }).text()).not.toMatch(/reposmith_process_/);
    expect(new ControllerMetrics({ defaultMetrics: false }).contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

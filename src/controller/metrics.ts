import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ClientTraffic } from "../engine";
import { DRIFT_POLICIES } from "../resources/lifecycle";
import { kinds as resourceKinds } from "../resources/registry";

/** The APIs the controller talks to: the values of the `api` label. */
export const APIS = ["cloudsmith", "codearts"] as const satisfies readonly ClientTraffic["api"][];

/** What an API client reports about its traffic (CloudsmithClient.stats and alike): running totals. */
export interface ClientStats {
  requests: number;
  retries?: number;
  throttled?: number;
  errors?: number;
}

/**
 * The controller's Prometheus metrics, in a registry of its own (two controllers in one process,
 * as in tests, do not share counters).
 */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconcileDuration = new Histogram({
    name: "reposmith_reconcile_duration_seconds",
    help: "Duration of one reconcile pass over every stack",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly passes = new Counter({
    name: "reposmith_reconcile_passes_total",
    help: "Reconcile passes, by result",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly driftFound = new Counter({
    name: "reposmith_drift_found_total",
    help: "Out-of-band changes found (counted on every pass that sees them), by kind and policy",
    labelNames: ["kind", "policy"],
    registers: [this.registry],
  });
  readonly driftCorrected = new Counter({
    name: "reposmith_drift_corrected_total",
    help: "Out-of-band changes corrected, by kind",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly driftOutstanding = new Gauge({
    name: "reposmith_drift_outstanding",
    help: "Resources whose drift is left uncorrected (report/ignore) after the last pass",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly changesApplied = new Counter({
    name: "reposmith_changes_applied_total",
    help: "Resource operations carried out, by kind and action",
    labelNames: ["kind", "action"],
    registers: [this.registry],
  });
  readonly resourceFailures = new Counter({
    name: "reposmith_resource_failures_total",
    help: "Resource observations or operations that failed, by kind",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly stackFailures = new Counter({
    name: "reposmith_stack_failures_total",
    help: "Stacks whose pass failed as a whole (synth, state, lock)",
    labelNames: ["stack", "reason"],
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: "reposmith_api_requests_total",
    help: "HTTP requests to the APIs, retries included",
    labelNames: ["api"],
    registers: [this.registry],
  });
  readonly apiErrors = new Counter({
    name: "reposmith_api_errors_total",
    help: "API calls that ended in an error",
    labelNames: ["api"],
    registers: [this.registry],
  });
  readonly apiThrottled = new Counter({
    name: "reposmith_api_throttled_total",
    help: "429 responses received",
    labelNames: ["api"],
    registers: [this.registry],
  });
  readonly apiRetries = new Counter({
    name: "reposmith_api_retries_total",
    help: "Requests retried",
    labelNames: ["api"],
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: "reposmith_last_successful_reconcile_timestamp_seconds",
    help: "Unix time of the end of the last pass without errors",
    registers: [this.registry],
  });
  readonly managed = new Gauge({
    name: "reposmith_resources_managed",
    help: "Resources in state, by stack and kind",
    labelNames: ["stack", "kind"],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: "reposmith_controller_leader",
    help: "1 while this controller is the one reconciling, 0 on standby",
    registers: [this.registry],
  });
  readonly backingOff = new Gauge({
    name: "reposmith_resources_backing_off",
    help: "Resources waiting out a failure backoff",
    registers: [this.registry],
  });

  readonly gitRevision = new Gauge({
    name: "reposmith_git_revision_info",
    help: "1 for the git revision (commit sha) the controller reconciles, with the ref it follows (--git)",
    labelNames: ["revision", "ref"],
    registers: [this.registry],
  });
  readonly gitFetchFailures = new Counter({
    name: "reposmith_git_fetch_failures_total",
    help: "Fetches of the git repository that failed (the last good revision is reconciled meanwhile)",
    registers: [this.registry],
  });

  private revisionLabels: { revision: string; ref: string } | undefined;

  /** The revision reconciled now: one series at 1, the previous one removed. */
  setRevision(revision: string, ref: string): void {
    if (this.revisionLabels?.revision === revision && this.revisionLabels.ref === ref) return;
    if (this.revisionLabels) this.gitRevision.remove(this.revisionLabels);
    this.revisionLabels = { revision, ref };
    this.gitRevision.set(this.revisionLabels, 1);
  }

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "reposmith_" });
    // Every series whose labels are known in advance is exported from the start, at 0: one that only
    // appears once something happens cannot be told from one that is not collected, and breaks
    // rate() and absence alerts (https://prometheus.io/docs/practices/instrumentation/#avoid-missing-metrics).
    for (const result of ["success", "error"]) this.passes.inc({ result }, 0);
    for (const api of APIS)
      for (const c of [this.apiRequests, this.apiErrors, this.apiThrottled, this.apiRetries]) c.inc({ api }, 0);
    for (const kind of resourceKinds()) {
      for (const policy of DRIFT_POLICIES) this.driftFound.inc({ kind, policy }, 0);
      this.driftCorrected.inc({ kind }, 0);
      this.driftOutstanding.set({ kind }, 0);
      this.resourceFailures.inc({ kind }, 0);
    }
  }

  private readonly counted = new WeakMap<ClientStats, Required<ClientStats>>();

  /**
   * Brings the API counters up to a client's running totals. Clients live across passes, so the
   * same stats object comes back each pass: only what it gained since it was last seen is added.
   */
  addClientStats(api: string, stats: ClientStats): void {
    const seen = this.counted.get(stats) ?? { requests: 0, errors: 0, throttled: 0, retries: 0 };
    const now = {
      requests: stats.requests,
      errors: stats.errors ?? 0,
      throttled: stats.throttled ?? 0,
      retries: stats.retries ?? 0,
    };
    this.counted.set(stats, now);
    if (now.requests > seen.requests) this.apiRequests.inc({ api }, now.requests - seen.requests);
    if (now.errors > seen.errors) this.apiErrors.inc({ api }, now.errors - seen.errors);
    if (now.throttled > seen.throttled) this.apiThrottled.inc({ api }, now.throttled - seen.throttled);
    if (now.retries > seen.retries) this.apiRetries.inc({ api }, now.retries - seen.retries);
  }

  private readonly managedKinds = new Map<string, Set<string>>();

  setManaged(stack: string, byKind: Record<string, number>): void {
    const kinds = this.managedKinds.get(stack) ?? new Set<string>();
    for (const k of Object.keys(byKind)) kinds.add(k);
    this.managedKinds.set(stack, kinds);
    for (const kind of kinds) this.managed.set({ stack, kind }, byKind[kind] ?? 0);
  }

  /** Stacks the app no longer declares: their gauges go, so one object is not counted under two stacks. */
  forgetStacksExcept(declared: string[]): void {
    for (const [stack, kinds] of this.managedKinds) {
      if (declared.includes(stack)) continue;
      for (const kind of kinds) this.managed.remove({ stack, kind });
      this.managedKinds.delete(stack);
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

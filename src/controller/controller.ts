import { existsSync } from "node:fs";
import path from "node:path";
import {
  abandonedNotice,
  abandonedStacks,
  EngineClients,
  RunContext,
  StateLockedError,
  readDesired,
  resolveFromState,
  type DesiredStack,
  type EngineOptions,
  type StateLock,
  type StateStore,
} from "../engine";
import type { DriftPolicy } from "../resources/lifecycle";
import { Backoff, type BackoffOptions } from "./backoff";
import { healthBound, LoopHealth, PassBoard } from "./health";
import { errInfo, type Logger } from "./logger";
import { ControllerMetrics } from "./metrics";
import { reconcileStack, type StackOutcome } from "./reconcile-stack";
import type { ProbeSource } from "./server";
import { OutdirWatcher, fingerprint, manifestStacks } from "./watch";

export interface ControllerOptions extends EngineOptions {
  /** The synth output directory (manifest.json + stacks/). */
  outdir: string;
  store: StateStore;
  stacks?: string[];
  parallelism?: number;
  /** Default for resources without their own driftPolicy. @default "correct" */
  driftPolicy?: DriftPolicy;
  /** Time between the starts of two passes in watch mode. @default 60 s */
  intervalMs?: number;
  /** Re-synthesizes the app before each pass (when the controller was given --app). */
  refresh?: () => Promise<void>;
  logger: Logger;
  metrics?: ControllerMetrics;
  backoff?: Partial<BackoffOptions>;
  /** How often a standby controller tries to take over. @default 2 s */
  standbyPollMs?: number;
  /** How long shutdown waits for in-flight operations. @default 3 s */
  graceMs?: number;
  /**
   * Where the desired state comes from besides the output directory: a git repository
   * (GitSource), synced before each pass and before `refresh`.
   */
  source?: DesiredSource;
  /**
   * How long the watch loop may go without finishing a pass or a heartbeat (a pass's progress, an
   * API answer, a standby poll) before /healthz fails. @default healthBound(intervalMs)
   */
  healthBoundMs?: number;
  /** Called with each stack's desired state as a pass reads it (the CLI adds the secrets it names to log scrubbing). */
  onDesired?: (desired: DesiredStack) => void;
}

/** A source of the desired state that is synced before each pass (see GitSource). */
export interface DesiredSource {
  sync(): Promise<unknown>;
  revision(): { sha: string; ref: string } | undefined;
  lastFetch(): { ok: boolean } | undefined;
  status(): Record<string, unknown>;
}

export interface PassResult {
  stacks: StackOutcome[];
  stackErrors: { stack: string; error: unknown }[];
  /** Drift found and left alone because its policy is "report". */
  reportedDrift: number;
  corrected: number;
  failures: number;
  durationMs: number;
}

/** 1 on any error, 2 when drift was reported and not corrected, else 0 (plan --detailed-exitcode style). */
export function exitCodeOf(r: PassResult): number {
  if (r.stackErrors.length || r.failures) return 1;
  return r.reportedDrift ? 2 : 0;
}

/** A store that offers a controller-wide leader lock (PostgreSQL); others use a reserved lock name. */
type LeaderStore = StateStore & { lockLeader?(operation: string): Promise<StateLock & { lost?: Promise<unknown> }> };
const LEADER_LOCK_NAME = "reposmith-controller";

/**
 * The GitOps loop: each pass re-reads (or re-synthesizes) the desired state, then reconciles every
 * stack under its lock. In watch mode it first takes the leader lock, waiting as standby while
 * another controller holds it; it runs a pass every interval and when the synth output changes.
 */
export class Controller {
  readonly metrics: ControllerMetrics;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private phase: "starting" | "standby" | "leader" | "stopping" = "starting";
  private everReady = false;
  private leaderLock: StateLock | undefined;
  private stackLock: StateLock | undefined;
  private current: Promise<PassResult> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private changedDuringPass = false;
  private lastFingerprint = "";
  private stopped: Promise<void> | undefined;
  private watcher: OutdirWatcher | undefined;
  /** Whether the loop still moves (/healthz), and what the last pass did (/status). */
  private readonly loopHealth: LoopHealth;
  private readonly board = new PassBoard();
  /**
   * API clients for the controller's lifetime: an IAM token is reused until shortly before it
   * expires instead of logging in every pass. Memoised reads stay per pass (a new RunContext).
   */
  readonly clients: EngineClients;

  constructor(private readonly opts: ControllerOptions) {
    this.log = opts.logger;
    this.clients = new EngineClients(opts);
    this.metrics = opts.metrics ?? new ControllerMetrics();
    this.loopHealth = new LoopHealth(opts.healthBoundMs ?? healthBound(this.intervalMs));
    const interval = this.intervalMs;
    this.backoff = new Backoff({
      baseMs: Math.min(interval, 30_000),
      maxMs: Math.max(interval, Math.min(interval * 16, 3_600_000)),
      ...opts.backoff,
    });
  }

  private get intervalMs(): number {
    return this.opts.intervalMs ?? 60_000;
  }

  /** One pass over every stack; never throws (errors are in the result). */
  reconcileOnce(): Promise<PassResult> {
    const p = this.pass();
    this.current = p;
    return p.finally(() => this.current === p && (this.current = undefined));
  }

  /** Watch mode: runs until stop(), and returns only once stop() has released every lock. */
  async run(): Promise<void> {
    // A git source changes the output only through its own checkouts: nothing to watch then.
    if (!this.opts.source) this.watcher = new OutdirWatcher(this.opts.outdir, () => this.filesChanged());
    this.loopHealth.looping = true;
    this.beat();
    const loop = async () => {
      while (!this.stopping) {
        this.beat();
        if (!this.leaderLock && !(await this.tryLead())) {
          await this.sleep(this.opts.standbyPollMs ?? 2_000);
          continue;
        }
        this.watcher?.ensure();
        const started = Date.now();
        await this.reconcileOnce();
        if (this.stopping) break;
        if (this.changedDuringPass) {
          this.changedDuringPass = false;
          if (fingerprint(this.opts.outdir) !== this.lastFingerprint) continue;
        }
        await this.sleep(Math.max(0, this.intervalMs - (Date.now() - started)));
      }
    };
    // The loop ends as soon as stop() wakes it, before stop() has released the locks: wait for that too.
    await Promise.race([
      loop().then(() => this.stopped),
      new Promise<void>((resolve) => this.stoppedHook.push(resolve)),
    ]);
  }

  private readonly stoppedHook: (() => void)[] = [];
  private readonly interrupt = new AbortController();

  /** Stops starting work, waits up to graceMs for in-flight operations, releases every lock. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.interrupt.abort();
      this.phase = "stopping";
      this.wakeUp?.();
      this.watcher?.close();
      const grace = this.opts.graceMs ?? 3_000;
      if (this.current) {
        this.log.info({ graceMs: grace }, "stopping: starting no new work, waiting for in-flight operations");
        let timer: NodeJS.Timeout | undefined;
        const finished = await Promise.race([
          this.current.then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), grace))),
        ]);
        clearTimeout(timer);
        if (!finished) this.log.warn("abandoning in-flight operations: each is idempotent and the next run converges");
      }
      await this.stackLock?.release().catch(() => undefined);
      await this.leaderLock?.release().catch(() => undefined);
      this.leaderLock = undefined;
      this.metrics.leader.set(0);
      this.log.info("stopped; locks released");
      for (const f of this.stoppedHook) f();
    })();
    return this.stopped;
  }

  /** What /healthz, /readyz, /status and /metrics serve. */
  probes(): ProbeSource {
    return {
      healthy: () => this.health(),
      ready: () => this.readiness(),
      status: () => this.status(),
      metrics: async () => ({ contentType: this.metrics.contentType, body: await this.metrics.text() }),
    };
  }

  private beat(): void {
    this.loopHealth.beat();
  }

  /** /healthz: see LoopHealth. */
  health(): { healthy: boolean; reason: string } {
    if (this.phase === "stopping") return { healthy: true, reason: "ok" };
    return this.loopHealth.check(this.clients.traffic().reduce((n, t) => n + t.stats.requests, 0));
  }

  /** /status: the revision reconciled, the last pass, each stack's counts. */
  status(): Record<string, unknown> {
    return {
      phase: this.phase,
      ready: this.readiness().ready,
      healthy: this.health().healthy,
      source: this.opts.source ? this.opts.source.status() : { outdir: this.opts.outdir },
      revision: this.opts.source?.revision()?.sha ?? null,
      lastPass: this.board.lastPass ?? null,
      stacks: this.board.byStack(),
    };
  }

  readiness(): { ready: boolean; reason: string } {
    if (this.phase === "standby") return { ready: false, reason: "standby: another controller holds the leader lock" };
    if (this.phase === "stopping") return { ready: false, reason: "stopping" };
    if (!this.everReady) return { ready: false, reason: "waiting for the first successful reconcile" };
    return { ready: true, reason: "ready" };
  }

  private async tryLead(): Promise<boolean> {
    const store = this.opts.store as LeaderStore;
    const op = "reposmith reconcile --watch";
    try {
      const lock = store.lockLeader ? await store.lockLeader(op) : await store.lock(LEADER_LOCK_NAME, op);
      if (this.stopping) {
        await lock.release();
        return false;
      }
      this.leaderLock = lock;
      this.phase = "leader";
      this.metrics.leader.set(1);
      this.log.info({ state: store.location }, "leader: this controller reconciles");
      (lock as { lost?: Promise<unknown> }).lost?.then((err) => {
        if (this.leaderLock !== lock || this.stopping) return;
        this.log.error({ err: errInfo(err) }, "lost the leader lock (database session ended); going back to standby");
        this.leaderLock = undefined;
        this.phase = "standby";
        this.metrics.leader.set(0);
      });
      return true;
    } catch (err) {
      if (!(err instanceof StateLockedError)) {
        this.log.error({ err: errInfo(err) }, "could not take the leader lock; retrying");
        return false;
      }
      if (this.phase !== "standby")
        this.log.info(
          { holder: err.holder, state: store.location },
          "standby: another controller is reconciling; waiting to take over",
        );
      this.phase = "standby";
      this.metrics.leader.set(0);
      return false;
    }
  }

  private filesChanged(): void {
    if (this.current) {
      this.changedDuringPass = true;
      return;
    }
    const now = fingerprint(this.opts.outdir);
    // No manifest: a synth is writing (its manifest comes last); its finish is the change to act on.
    if (now === "" && !this.opts.refresh) return;
    if (now !== this.lastFingerprint) {
      this.log.info({ outdir: this.opts.outdir }, "desired state changed; reconciling now");
      this.wakeUp?.();
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async pass(): Promise<PassResult> {
    const started = Date.now();
    const result: PassResult = {
      stacks: [],
      stackErrors: [],
      reportedDrift: 0,
      corrected: 0,
      failures: 0,
      durationMs: 0,
    };
    const outstanding: Record<string, number> = {};
    // stop() aborts it: sync waits stop at their next poll and are recorded, no new operation starts.
    const ctx = new RunContext(
      {
        ...this.opts,
        signal: this.interrupt.signal,
        onNotice: (m) => this.log.warn({ notice: m }, m),
        onProgress: (key, u) => {
          this.beat();
          this.opts.onProgress?.(key, u);
        },
      },
      this.clients,
    );
    const fail = (stack: string, error: unknown) => {
      result.stackErrors.push({ stack, error });
      this.board.stackFailed(stack, error);
      this.metrics.stackFailures.inc({ stack, reason: (error as Error)?.name ?? "Error" });
      if (error instanceof StateLockedError) {
        // One line, naming who holds it (e.g. a running `reposmith apply`), as apply's own error does.
        this.log.warn(
          { stack, holder: error.holder, err: errInfo(error) },
          `stack ${stack} skipped this pass, retried next pass: ${error.message}`,
        );
      } else this.log.error({ stack, err: errInfo(error) }, `stack ${stack} failed this pass; the others go on`);
    };
    let stage: "fetch" | "synth" | "read" = "fetch";
    const startedAt = new Date(started).toISOString();
    try {
      if (this.opts.source) {
        const failedBefore = this.opts.source.lastFetch()?.ok === false;
        await this.opts.source.sync();
        if (this.opts.source.lastFetch()?.ok === false) this.metrics.gitFetchFailures.inc();
        else if (failedBefore) this.log.info("git fetch works again");
        const rev = this.opts.source.revision();
        if (rev) this.metrics.setRevision(rev.sha, rev.ref);
      }
      this.beat();
      stage = "synth";
      await this.opts.refresh?.();
      stage = "read";
      if (this.synthInProgress()) {
        this.log.info(
          { outdir: this.opts.outdir },
          "the synth output has no manifest.json yet (a synth is running?); skipping this pass",
        );
        result.durationMs = Date.now() - started;
        return result;
      }
      this.lastFingerprint = fingerprint(this.opts.outdir);
      const names = this.opts.stacks?.length ? this.opts.stacks : manifestStacks(this.opts.outdir);
      for (const name of names) {
        if (this.stopping) break;
        try {
          const read = readDesired(this.opts.outdir, [name]);
          this.opts.onDesired?.(read[0]);
          const [desired] = await resolveFromState(read, (s) => this.opts.store.read(s));
          const outcome = await reconcileStack({
            ctx,
            store: this.opts.store,
            desired,
            defaultPolicy: this.opts.driftPolicy ?? "correct",
            backoff: this.backoff,
            log: this.log,
            parallelism: this.opts.parallelism ?? 10,
            stopping: () => this.stopping,
            holding: (lock) => (this.stackLock = lock),
            unresolvedDrift: this.unresolvedDrift,
            outdir: this.opts.outdir,
          });
          this.record(outcome, result, outstanding);
        } catch (err) {
          fail(name, err);
        }
        this.beat();
      }
      // A stack removed from (or renamed in) the app keeps its resources, unmanaged: say so each pass.
      if (!this.opts.stacks?.length) {
        if (!this.stopping)
          for (const a of await abandonedStacks(this.opts.store, names)) ctx.notice(abandonedNotice(a));
        this.metrics.forgetStacksExcept(names);
        this.board.keepOnly(names);
      }
    } catch (err) {
      // Before any stack: the synth failed or its output is unreadable, so no stack was looked at.
      result.stackErrors.push({ stack: "*", error: err });
      this.metrics.stackFailures.inc({ stack: "*", reason: (err as Error)?.name ?? "Error" });
      if (stage === "fetch") this.metrics.gitFetchFailures.inc();
      const what =
        stage === "fetch"
          ? "the git repository could not be fetched"
          : stage === "synth" && this.opts.refresh
            ? "the app failed to synthesize"
            : `the synth output in ${this.opts.outdir} could not be read`;
      this.log.error(
        { outdir: this.opts.outdir, err: errInfo(err) },
        `${what}; nothing was applied this pass: ${(err as Error)?.message ?? String(err)}`,
      );
    }
    for (const { api, stats } of this.clients.traffic()) this.metrics.addClientStats(api, stats);
    result.durationMs = Date.now() - started;
    this.metrics.reconcileDuration.observe(result.durationMs / 1000);
    for (const kind of new Set([...this.driftKinds, ...Object.keys(outstanding)]))
      this.metrics.driftOutstanding.set({ kind }, outstanding[kind] ?? 0);
    for (const kind of Object.keys(outstanding)) this.driftKinds.add(kind);
    this.metrics.backingOff.set(result.stacks.reduce((n, s) => n + s.backingOff.length, 0));
    const clean = !result.stackErrors.length && !result.failures;
    this.metrics.passes.inc({ result: clean ? "success" : "error" });
    if (clean) this.metrics.lastSuccess.set(Date.now() / 1000);
    if (!result.stackErrors.length && !this.stopping) this.everReady = true;
    const applied = result.stacks.reduce((n, s) => n + s.applied.length, 0);
    const drift = result.stacks.reduce((n, s) => n + s.drift.length, 0);
    const revision = this.opts.source?.revision()?.sha;
    this.board.lastPass = {
      startedAt,
      finishedAt: new Date().toISOString(),
      durationMs: result.durationMs,
      result: clean ? "success" : "error",
      ...(this.opts.source ? { revision: revision ?? null } : {}),
      applied,
      drift,
      corrected: result.corrected,
      failures: result.failures,
      stackErrors: result.stackErrors.length,
    };
    this.beat();
    this.log.info(
      {
        ...(this.opts.source ? { revision: revision ?? null } : {}),
        durationMs: result.durationMs,
        stacks: result.stacks.length,
        applied,
        drift,
        corrected: result.corrected,
        reportedDrift: result.reportedDrift,
        failures: result.failures,
        stackErrors: result.stackErrors.length,
      },
      "reconcile pass done",
    );
    return result;
  }

  private manifestMissingSince: number | undefined;

  /**
   * True while someone else's synth has removed manifest.json and not yet written the new one
   * (`reposmith synth` and cdktf remove it first): a pass then waits instead of failing, unless it
   * stays missing for longer than an interval (a synth that failed), which is an error again.
   */
  private synthInProgress(): boolean {
    if (this.opts.refresh || existsSync(path.join(this.opts.outdir, "manifest.json"))) {
      this.manifestMissingSince = undefined;
      return false;
    }
    if (this.lastFingerprint === "") return false; // never had output: an error now
    this.manifestMissingSince ??= Date.now();
    return Date.now() - this.manifestMissingSince < Math.max(this.intervalMs, 5_000);
  }

  private readonly driftKinds = new Set<string>();
  private readonly unresolvedDrift = new Map<string, string>();

  private record(o: StackOutcome, result: PassResult, outstanding: Record<string, number>): void {
    result.stacks.push(o);
    this.board.stackDone(o);
    result.failures += o.failed.length;
    for (const d of o.drift) {
      this.metrics.driftFound.inc({ kind: d.kind, policy: d.policy });
      if (d.corrected) {
        this.metrics.driftCorrected.inc({ kind: d.kind });
        result.corrected++;
      } else outstanding[d.kind] = (outstanding[d.kind] ?? 0) + 1;
      if (d.policy === "report" && !d.corrected) result.reportedDrift++;
    }
    for (const kind of o.driftWhileBackingOff) outstanding[kind] = (outstanding[kind] ?? 0) + 1;
    for (const a of o.applied) this.metrics.changesApplied.inc({ kind: a.kind, action: a.action });
    for (const f of o.failed) this.metrics.resourceFailures.inc({ kind: f.kind });
    this.metrics.setManaged(o.stack, o.managed);
  }
}

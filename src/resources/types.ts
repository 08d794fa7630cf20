/** How one field differs between what is wanted and what exists. */
export interface FieldChange {
  /** Dotted field path as the API names it, e.g. `limit_num_downloads`. */
  path: string;
  old: unknown;
  new: unknown;
  /**
   * `update` = changed in place; `replace` = needs a new remote object; `rotate` = the secret is
   * refreshed (same identity, new value); `reset` = a one-shot action such as zeroing usage counters;
   * `delete` = a remote object inside this resource is deleted (a package a mirror prunes).
   */
  effect: "update" | "replace" | "rotate" | "reset" | "delete";
  /** For `delete`: the id (as state ids read) of the object that goes, so one another resource manages is spared. */
  objectId?: string;
  /**
   * The difference comes from upstream (a copy's source was re-uploaded), not from this object:
   * `old` is what was applied and `new` what upstream has now, so drift shows it as it is.
   */
  upstream?: boolean;
}

/** What the state remembers about one managed remote object (never secrets). */
export interface ResourceState {
  readonly kind: string;
  /** Stable remote identity, e.g. `acme.prod.Abc123` (owner.repo.slug_perm, as terraform-provider-cloudsmith). */
  readonly id: string;
  /** sha256 of the spec last applied. */
  readonly generation: string;
  /** The spec last applied (no secrets by construction). */
  readonly spec: unknown;
  /** Non-secret fields as last observed after apply. */
  readonly observed: Readonly<Record<string, unknown>>;
  /** How to reach the API again (URL and env var names only), so removed resources can be deleted. */
  readonly connection?: ConnectionRef;
  readonly appliedAt: string;
  /**
   * Recorded from an operation that failed after it changed something (a copy whose wait failed):
   * what was observed then may be stale, so the next apply records a fresh observation even when it
   * has nothing to change. @default false
   */
  readonly provisional?: true;
  /** Controller lifecycle as last declared, so a removed resource is still deleted or retained as asked. */
  readonly lifecycle?: import("./lifecycle").Lifecycle;
  /**
   * Props given as Terraform references: each expression as synthesized -> the value Terraform gave
   * it at the stack's last apply, so reposmith's own commands plan with the same values.
   */
  readonly refs?: Record<string, unknown>;
}

/** A small memo shared by every handler during one engine run (batched list reads, clients). */
export interface HandlerContext {
  /** Returns the cached promise for `key`, or runs `fn` once and caches it. */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Forget cached reads whose key starts with `prefix` (after a write that changed them). */
  invalidate(prefix: string): void;
  /** Clients by API family; the engine builds them from the resource's connection. */
  clients: ClientFactory;
  /** Notices for the user (not errors), e.g. "deprecated field". */
  notice(message: string): void;
  /** Progress of a long operation (a package sync, a mirror sync) for the progress display. */
  progress(key: string, update: ProgressUpdate): void;
  now(): Date;
  /** Sleeps (tests inject a fast clock); returns early once the run is interrupted. */
  sleep(ms: number): Promise<void>;
  /**
   * True once the user interrupted the run (Ctrl-C): a long wait stops at its next poll and throws
   * its timeout-like error carrying what exists (`recorded`), so state keeps it. @default never
   */
  interrupted?(): boolean;
  /** How package syncs are waited on; see SyncPolling. @default "adaptive" */
  readonly syncPolling?: SyncPolling;
  /**
   * How long a write may take to show in lists (resources/read-back.ts#LIST_LAG_MS): a write whose
   * answer was lost is looked for that long before it is sent again, and what a sync of ours left is
   * compared only once it shows. @default LIST_LAG_MS
   */
  readonly listLagMs?: number;
}

/**
 * "adaptive" (default): short first waits backing off ×1.5, then landing on the end estimated from
 * sync_progress (package-sync.ts). `{ linearStepMs }`: the Cloudsmith CLI's wait loop (the wait
 * grows by the step each round, capped at 300 s): the benchmark's baseline.
 */
export type SyncPolling = "adaptive" | { linearStepMs: number };

export interface ProgressUpdate {
  /** What is happening, e.g. "syncing left-pad 1.3.0". */
  message: string;
  /** 0..1 when known. */
  fraction?: number;
}

export interface ClientFactory {
  cloudsmith(connection: ConnectionRef | undefined): import("../api/cloudsmith").CloudsmithClient;
  /** Huawei Cloud CodeArts Repo, from `connection.codearts` and the HW_* environment. */
  codearts(connection: ConnectionRef | undefined): import("../api/codearts").CodeArtsClient;
}

/** How a resource reaches its API; names environment variables, never holds a secret value. */
export interface ConnectionRef {
  apiUrl?: string;
  apiKeyEnv?: string;
  /** CodeArts Repo (RepositoryMirror): region, endpoint URLs and the names of the HW_* variables. */
  codearts?: CodeArtsConnectionRef;
}

/** CodeArts values and variable names (never secret values); unset = the HW_* defaults. */
export type CodeArtsConnectionRef = import("../api/codearts").CodeArtsEnvRef & {
  /**
   * What `mirroring_enabled: true` means (see mirroring-enabled.ts). @default "true-means-off" (the update API's
   * documentation)
   */
  mirroringEnabledReading?: import("./mirroring-enabled").MirroringEnabledReading;
  /**
   * Deprecated (stacks synthesized before mirroringEnabledReading): true = "true-means-off", false = "true-means-on".
   */
  mirroringEnabledInverted?: boolean;
};

export interface Observed<O = Record<string, unknown>> {
  id: string;
  /** Non-secret observed fields, suitable for state and plans. */
  fields: O;
  /** True when found by its identity tag rather than through state (adoption). */
  adopted?: boolean;
  /** Facts for diff() that are not persisted, e.g. "rotation due: older than 90d". */
  hints?: Record<string, unknown>;
}

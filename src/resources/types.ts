import type { z } from "zod";

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
  kind: string;
  /** Stable remote identity, e.g. `acme.prod.Abc123` (owner.repo.slug_perm, as terraform-provider-cloudsmith). */
  id: string;
  /** sha256 of the spec last applied. */
  generation: string;
  /** The spec last applied (no secrets by construction). */
  spec: unknown;
  /** Non-secret fields as last observed after apply. */
  observed: Record<string, unknown>;
  /** How to reach the API again (URL and env var names only), so removed resources can be deleted. */
  connection?: ConnectionRef;
  appliedAt: string;
  /**
   * Recorded from an operation that failed after it changed something (a copy whose wait failed):
   * what was observed then may be stale, so the next apply records a fresh observation even when it
   * has nothing to change. @default false
   */
  provisional?: true;
  /** Controller lifecycle as last declared, so a removed resource is still deleted or retained as asked. */
  lifecycle?: import("./lifecycle").Lifecycle;
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
  /**
   * "list" (default): observe through list endpoints, one call per page per repository.
   * "get": one GET per resource known to state, as terraform-provider-cloudsmith does (the benchmark's baseline).
   */
  readonly readMode: "list" | "get";
  /** How package syncs are waited on; see SyncPolling. @default "adaptive" */
  readonly syncPolling?: SyncPolling;
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
  /** What `mirroring_enabled: true` means (see mirroring-enabled.ts). @default "true-means-off" (the update API's documentation) */
  mirroringEnabledReading?: import("./mirroring-enabled").MirroringEnabledReading;
  /** Deprecated (stacks synthesized before mirroringEnabledReading): true = "true-means-off", false = "true-means-on". */
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

/**
 * The whole lifecycle of one kind (Crossplane's managed reconciler shape):
 * observe never changes anything; create is idempotent (adopts before creating);
 * delete of something already gone succeeds.
 */
export interface ResourceHandler<Spec = unknown> {
  kind: string;
  spec: z.ZodType<Spec>;
  /**
   * Resources of a higher phase are applied after every lower one in the same stack and are
   * observed again just before, since the lower ones may have changed what they read. @default 0
   */
  phase?: number;
  /**
   * True when a change planned for `other` (a resource of a lower phase in the same stack) changes
   * what this one would produce, e.g. a token of a sync's source repository. Such a resource is
   * planned to run again after them, even if it looks up to date now. @default never
   */
  dependsOn?(spec: Spec, other: { kind: string; spec: unknown }): boolean;
  /** Human label for plans, e.g. `acme/prod "ci"`. */
  describe(spec: Spec): string;
  observe(ctx: HandlerContext, key: string, spec: Spec, conn: ConnectionRef | undefined, state?: ResourceState): Promise<Observed | undefined>;
  /**
   * Starts the batched reads a whole set of resources will need (one list per repository), so they
   * run side by side within the rate limiter instead of one repository after another. Must not
   * throw; a failed read surfaces again in observe.
   */
  prefetch?(ctx: HandlerContext, items: { spec: Spec; conn: ConnectionRef | undefined }[]): void;
  /** Field-level differences; empty when up to date. */
  diff(key: string, spec: Spec, observed: Observed, state?: ResourceState): FieldChange[];
  /**
   * The same differences as drift reports them, "was applied (state) -> is now (observed)", for a
   * kind whose plan speaks in verbs (a mirror's `"checksum …" -> "republish"`) that read backwards
   * when flipped. @default - diff() with old and new swapped (kept as they are for `upstream` changes)
   */
  driftChanges?(key: string, spec: Spec, observed: Observed, state: ResourceState): FieldChange[];
  /**
   * True when the id names what the resource reads rather than an object it alone manages (a
   * mirror's `source->destination` pair): the engine then does not refuse two declared resources of
   * this kind with the same id. @default false
   */
  sharedId?: boolean;
  /**
   * How plans say an object was found without state (adoption), e.g. "found by its reposmith tag".
   * @default "found by its identity"
   */
  foundBy?(spec: Spec): string;
  /**
   * How plans headline `count` objects inside this resource that an update deletes (FieldChange
   * effect "delete"), e.g. "will delete 2 copies it made whose source is gone".
   * @default "will delete N object(s) it manages"
   */
  describeDeletes?(count: number, spec: Spec): string;
  /** Fails the plan now when a create could not succeed (e.g. a copy's source does not exist), instead of at apply. */
  checkCreate?(ctx: HandlerContext, key: string, spec: Spec, conn: ConnectionRef | undefined): Promise<void>;
  /**
   * An existing remote object, not this resource's, that a create would collide with (a token of
   * the same name in the repository): its id and how to name it in messages. The plan orders the
   * create after that object's deletion when the same plan deletes it (a renamed construct), and
   * otherwise says the create will fail and how to import the object instead.
   */
  createBlocker?(ctx: HandlerContext, key: string, spec: Spec, conn: ConnectionRef | undefined): Promise<{ id: string; what: string } | undefined>;
  /** A side effect an update has beyond its field changes (e.g. "starts a sync"), shown in plans; `conn` is the one the update uses. */
  updateNotice?(spec: Spec, changes: FieldChange[], conn?: ConnectionRef): string | undefined;
  /** Fields shown for a create in the plan (no secrets). */
  planCreate(key: string, spec: Spec): Record<string, unknown>;
  create(ctx: HandlerContext, key: string, spec: Spec, conn: ConnectionRef | undefined): Promise<Observed>;
  update(ctx: HandlerContext, key: string, spec: Spec, conn: ConnectionRef | undefined, observed: Observed, changes: FieldChange[]): Promise<Observed>;
  /** Observe by state alone, for resources no longer declared. */
  observeState(ctx: HandlerContext, state: ResourceState, conn: ConnectionRef | undefined): Promise<Observed | undefined>;
  delete(ctx: HandlerContext, state: ResourceState, conn: ConnectionRef | undefined): Promise<void>;
  /**
   * When "delete" does not remove the remote object (no delete API, a repository's default token),
   * says what it does instead; shown in plans (for the old object of a replacement too) and apply
   * output. `conn` is the connection the delete will use.
   */
  deleteNotice?(state: ResourceState, conn?: ConnectionRef): string | undefined;
  /**
   * True when "delete" leaves every remote object exactly as it is (a repository's default token,
   * a sync, a mirror whose copies stay): the resource is then planned and counted as a forget,
   * with deleteNotice saying why, rather than as a destroy. @default false
   */
  deleteForgets?(state: ResourceState): boolean;
  /** The secret value of a managed object, read from the API only when a user asks for it. */
  readSecret?(ctx: HandlerContext, state: ResourceState, conn: ConnectionRef | undefined): Promise<string>;
  /** Adopt an existing object by its id (e.g. owner.repo.slug_perm) under `key`, tagging it if the kind uses tags. */
  import?(ctx: HandlerContext, key: string, spec: Spec, id: string, conn: ConnectionRef | undefined): Promise<Observed>;
}

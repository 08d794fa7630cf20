/**
 * The resource contract: what one kind implements so that the engine can plan, apply, destroy,
 * import and check it for drift. The lifecycle follows crossplane-runtime's ExternalClient
 * (Observe, then Create / Update / Delete;
 * https://github.com/crossplane/crossplane-runtime/blob/master/pkg/reconciler/managed/reconciler.go)
 * and the diff Pulumi's dynamic providers return
 * (https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/dynamic/index.ts): every field named with
 * what changing it does. See docs/architecture.md#the-resource-contract.
 */
import type { z } from "zod";
import { canonicalJson } from "../util/canonical";
import type { ConnectionRef, FieldChange, HandlerContext, Observed, ResourceState } from "./types";
import { FOUND_BY_IDENTITY, deletesObjects } from "./messages";

/**
 * One resource kind. Eight members are required; the optional groups below add capabilities
 * (`planning`, `commands`), say what a delete does (`deletion`) and hold all wording
 * (`presentation`). Behaviour is only ever decided by the required members, the `deletion`
 * predicates and the `planning` hooks, never by whether a piece of wording is there.
 */
export interface ResourceHandler<Spec = unknown> {
  /** The kind's name, as constructs write it into the hook payload and state records it, e.g. "EntitlementToken". */
  readonly kind: string;
  /** The desired state, validated: props when a construct is created, the payload again when a plan reads it. */
  readonly spec: z.ZodType<Spec>;

  /**
   * Observe the object `spec` declares under `key`: undefined when it does not exist. Looks up the
   * object `state` names first, then by the kind's identity (a token's reposmith tag, a package's
   * format/name/version, a repository id); an object found without state is marked `adopted`.
   * Never changes anything, and never throws "not found": absence is undefined.
   */
  observe(
    ctx: HandlerContext,
    key: string,
    spec: Spec,
    conn: ConnectionRef | undefined,
    state?: ResourceState,
  ): Promise<Observed | undefined>;

  /**
   * Observe by state alone: the object `state` names (its spec may no longer parse), for a resource
   * no longer declared, the old object of a replacement, or one an interrupted replacement left
   * behind. Undefined when it is gone, its repository included. Never changes anything.
   */
  observeState(
    ctx: HandlerContext,
    state: ResourceState,
    conn: ConnectionRef | undefined,
  ): Promise<Observed | undefined>;

  /**
   * Field-level differences between what `spec` wants and what was `observed`, as a plan shows them
   * (`old` = what exists, `new` = what is wanted); empty when up to date. Each change says what
   * applying it does (FieldChange.effect): a changed identity is an explicit `replace`, never an
   * implicit one. Pure: no API call. May throw when applying could not succeed (the plan fails now).
   */
  diff(key: string, spec: Spec, observed: Observed, state?: ResourceState): FieldChange[];

  /**
   * Create the object so that it matches `spec`. Idempotent: an object carrying this resource's
   * identity (left by a crash between the API call and the state write) is adopted, never created
   * twice; a write that may have landed is checked before it is sent again. A failure after
   * something was changed carries what exists as `recorded` (see recordedOf in engine/apply.ts).
   */
  create(ctx: HandlerContext, key: string, spec: Spec, conn: ConnectionRef | undefined): Promise<Observed>;

  /**
   * Apply `changes` (what diff returned, less any the plan spared, see FieldChange.objectId) to the
   * observed object; returns it as it is afterwards. Same rule for `recorded` as create.
   */
  update(
    ctx: HandlerContext,
    key: string,
    spec: Spec,
    conn: ConnectionRef | undefined,
    observed: Observed,
    changes: FieldChange[],
  ): Promise<Observed>;

  /**
   * Delete the object `state` names, or do what `deletion` says instead. An object already gone is
   * success; a failed delete means the object still exists (state keeps it).
   */
  delete(ctx: HandlerContext, state: ResourceState, conn: ConnectionRef | undefined): Promise<void>;

  /** What delete does to the remote object, which plans are built by. @default - delete removes it */
  readonly deletion?: DeletionBehaviour;
  /** Hooks that let a plan order, batch and check this kind. @default - none */
  readonly planning?: PlanningHooks<Spec>;
  /** What `reposmith import` and `reposmith output --show-secret` can do with this kind. @default - neither */
  readonly commands?: CommandHooks<Spec>;
  /** All wording of plans, drift reports and apply output for this kind. @default - see presentationOf */
  readonly presentation?: Presentation<Spec>;
}

/**
 * What delete does, as predicates the engine plans by (the wording is `presentation.deleteNotice`).
 * `forgets` implies not `removes`; a kind whose delete changes the object without removing it (a
 * CodeArts mirror is switched off) answers false to both.
 */
export interface DeletionBehaviour {
  /**
   * True when delete removes the remote object. When false, destroy leaves alone an object that
   * state never recorded, and an object an interrupted replacement left behind is not deleted.
   */
  removes(state: ResourceState): boolean;
  /**
   * True when delete leaves every remote object exactly as it is (a repository's default token, a
   * sync, a mirror whose copies stay): the resource is planned and counted as a forget, not a destroy.
   */
  forgets(state: ResourceState): boolean;
}

/** Optional hooks a plan uses; each defaults to doing nothing. */
export interface PlanningHooks<Spec> {
  /**
   * Resources of a higher phase are applied after every lower one in the same stack and are
   * observed again just before, since the lower ones may have changed what they read. @default 0
   */
  readonly phase?: number;
  /**
   * True when a change planned for `other` (a resource of a lower or the same phase in the same
   * stack) changes what this one would produce, e.g. a token of a sync's source repository. Such a
   * resource is planned to run again after them, even if it looks up to date now. @default never
   */
  dependsOn?(spec: Spec, other: { kind: string; spec: unknown }): boolean;
  /**
   * Starts the batched reads a whole set of resources will need (one list per repository), so they
   * run side by side within the rate limiter instead of one repository after another. Must not
   * throw; a failed read surfaces again in observe.
   */
  prefetch?(ctx: HandlerContext, items: { spec: Spec; conn: ConnectionRef | undefined }[]): void;
  /** Fails the plan now when a create could not succeed (e.g. a copy's source does not exist), instead of at apply. */
  checkCreate?(ctx: HandlerContext, key: string, spec: Spec, conn: ConnectionRef | undefined): Promise<void>;
  /**
   * An existing remote object, not this resource's, that a create would collide with (a token of
   * the same name in the repository): its id and how to name it in messages. The plan orders the
   * create after that object's deletion when the same plan deletes it (a renamed construct), and
   * otherwise says the create will fail and how to import the object instead.
   */
  createBlocker?(
    ctx: HandlerContext,
    key: string,
    spec: Spec,
    conn: ConnectionRef | undefined,
  ): Promise<{ id: string; what: string } | undefined>;
  /**
   * True when the id names what the resource reads rather than an object it alone manages (a
   * mirror's `source->destination` pair): two declared resources of this kind may then share an
   * id. @default false
   */
  readonly sharedId?: boolean;
}

/** Commands beyond plan and apply. */
export interface CommandHooks<Spec> {
  /** Adopt an existing object by its id (e.g. owner.repo.slug_perm) under `key`, tagging it if the kind uses tags. */
  import?(ctx: HandlerContext, key: string, spec: Spec, id: string, conn: ConnectionRef | undefined): Promise<Observed>;
  /** The secret value of a managed object, read from the API only when a user asks for it. */
  readSecret?(ctx: HandlerContext, state: ResourceState, conn: ConnectionRef | undefined): Promise<string>;
}

/** Wording only: nothing here changes what a plan does. */
export interface Presentation<Spec> {
  /** Human label for plans, e.g. `acme/prod "ci"`. @default - the spec as canonical JSON */
  describe?(spec: Spec): string;
  /** Fields shown for a create in the plan (never secrets). @default - the spec */
  createFields?(key: string, spec: Spec): Record<string, unknown>;
  /**
   * How plans say an object was found without state (adoption), e.g. "found by its reposmith tag". @default "found by
   * its identity"
   */
  foundBy?(spec: Spec): string;
  /**
   * How plans headline `count` objects inside this resource that an update deletes (FieldChange
   * effect "delete"), e.g. "will delete 2 copies it made whose source is gone".
   * @default "will delete N object(s) it manages"
   */
  describeDeletes?(count: number, spec: Spec): string;
  /**
   * A side effect an update has beyond its field changes (e.g. "starts a sync"), shown in plans; `conn` is the one the
   * update uses.
   */
  updateNotice?(spec: Spec, changes: FieldChange[], conn?: ConnectionRef): string | undefined;
  /**
   * What delete does when it does not remove the remote object (see DeletionBehaviour); shown in
   * plans (for the old object of a replacement too) and apply output. `conn` is the one the delete uses.
   */
  deleteNotice?(state: ResourceState, conn?: ConnectionRef): string | undefined;
  /**
   * The differences diff() finds, as drift reports them ("was applied (state) -> is now
   * (observed)"), for a kind whose plan speaks in verbs (a mirror's `"checksum …" -> "republish"`)
   * that read backwards when flipped. One entry per change diff() returns.
   * @default - diff() with old and new swapped (kept as they are for `upstream` changes)
   */
  driftChanges?(key: string, spec: Spec, observed: Observed, state: ResourceState): FieldChange[];
}

/** Every presentation member, the kind's own or the default. */
export function presentationOf<Spec>(h: ResourceHandler<Spec>): Required<Presentation<Spec>> {
  return new WithDefaults(h);
}

class WithDefaults<Spec> implements Required<Presentation<Spec>> {
  private readonly p: Presentation<Spec>;
  constructor(private readonly h: ResourceHandler<Spec>) {
    this.p = h.presentation ?? {};
  }
  describe(spec: Spec): string {
    return this.p.describe?.(spec) ?? canonicalJson(spec);
  }
  createFields(key: string, spec: Spec): Record<string, unknown> {
    return this.p.createFields?.(key, spec) ?? (spec as Record<string, unknown>);
  }
  foundBy(spec: Spec): string {
    return this.p.foundBy?.(spec) ?? FOUND_BY_IDENTITY;
  }
  describeDeletes(count: number, spec: Spec): string {
    return this.p.describeDeletes?.(count, spec) ?? deletesObjects(count);
  }
  updateNotice(spec: Spec, changes: FieldChange[], conn?: ConnectionRef): string | undefined {
    return this.p.updateNotice?.(spec, changes, conn);
  }
  deleteNotice(state: ResourceState, conn?: ConnectionRef): string | undefined {
    return this.p.deleteNotice?.(state, conn);
  }
  driftChanges(key: string, spec: Spec, observed: Observed, state: ResourceState): FieldChange[] {
    return (
      this.p.driftChanges?.(key, spec, observed, state) ??
      this.h.diff(key, spec, observed, state).map((c) => (c.upstream ? c : { ...c, old: c.new, new: c.old }))
    );
  }
}

/** Whether `h`'s delete removes the object `state` names (DeletionBehaviour.removes). */
export const deleteRemoves = (h: ResourceHandler, state: ResourceState): boolean => h.deletion?.removes(state) ?? true;

/** Whether `h`'s delete leaves every remote object as it is (DeletionBehaviour.forgets). */
export const deleteForgets = (h: ResourceHandler, state: ResourceState): boolean => h.deletion?.forgets(state) ?? false;

/** `h`'s apply phase (PlanningHooks.phase). */
export const phaseOf = (h: ResourceHandler): number => h.planning?.phase ?? 0;

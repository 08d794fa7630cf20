import { handlerFor, kinds } from "../resources/registry";
import { RunContext, type EngineOptions } from "./context";
import { readDesired, resolveFromState } from "./desired";
import { parseSpec } from "./plan";
import type { ResourceState } from "../resources/types";
import { StateEntryError, stackOfKey } from "./keys";
import type { StackState, StateStore } from "./state/types";
import { notInState } from "./messages";

/**
 * Brings an existing remote object under a declared key (like `terraform import`): the key must be
 * declared in the app, the object is read (and tagged, for kinds that adopt by tag) and recorded.
 */
export async function importResource(
  opts: EngineOptions & { outdir: string; store: StateStore },
  key: string,
  id: string,
): Promise<{ kind: string; id: string; notices: string[] }> {
  const stack = stackOfKey(key);
  const [declared] = await resolveFromState(readDesired(opts.outdir, [stack]), (s) => opts.store.read(s));
  const desired = declared.resources.find((r) => r.key === key);
  if (!desired)
    throw new StateEntryError(
      `${key} is not declared in stack "${stack}": add the construct first, synthesize, then import`,
    );
  const handler = handlerFor(desired.kind);
  const importer = handler.commands?.import;
  if (!importer) throw new StateEntryError(`${desired.kind} resources cannot be imported`);
  const lock = await opts.store.lock(stack, "reposmith import");
  try {
    const state = await opts.store.read(stack);
    if (state.resources[key])
      throw new StateEntryError(
        `${key} is already managed (id ${state.resources[key].id}); ` +
          `run "reposmith state rm ${key}" first to import another object`,
      );
    // Every stack's entries: keys carry their stack, and one object must not be managed from two stacks either.
    const everywhere = await allResources(opts.store, new Map([[stack, state]]));
    // Checked before the handler runs: importing tags the object
    // (a write), which would take it from the key that manages it.
    refuseIfManagedElsewhere(everywhere, key, desired.kind, id);
    const ctx = new RunContext(opts);
    const observed = await importer(ctx, key, parseSpec(handler, key, desired.spec), id, desired.connection);
    // Again with the id the API answered with, in case it is spelt differently from the one given.
    refuseIfManagedElsewhere(everywhere, key, desired.kind, observed.id);
    state.resources[key] = {
      kind: desired.kind,
      id: observed.id,
      generation: desired.generation,
      spec: desired.spec,
      observed: observed.fields,
      connection: desired.connection,
      ...(desired.refs?.values ? { refs: desired.refs.values } : {}),
      appliedAt: ctx.now().toISOString(),
    };
    await opts.store.write(state);
    return { kind: desired.kind, id: observed.id, notices: ctx.notices };
  } finally {
    await lock.release();
  }
}

/**
 * The state entries of every stack, by key (keys carry their stack), read without locking (only
 * looked at); stacks already read are given in `read` and not read again.
 */
export async function allResources(
  store: StateStore,
  read: Map<string, StackState> = new Map(),
): Promise<Record<string, ResourceState>> {
  const all: Record<string, ResourceState> = {};
  for (const stack of new Set([...(await store.stacks()), ...read.keys()]))
    Object.assign(all, (read.get(stack) ?? (await store.read(stack))).resources);
  return all;
}

/** The key other than `key` under which `resources` hold the object `kind` `id`, if any. */
export function managedBy(
  resources: Record<string, ResourceState>,
  key: string,
  kind: string,
  id: string,
): string | undefined {
  return Object.entries(resources).find(([k, rs]) => k !== key && rs.kind === kind && rs.id === id)?.[0];
}

/** One remote object, one key: two entries with the same id would manage (and delete) it twice. */
function refuseIfManagedElsewhere(
  resources: Record<string, ResourceState>,
  key: string,
  kind: string,
  id: string,
): void {
  const owner = managedBy(resources, key, kind, id);
  if (owner)
    throw new StateEntryError(
      `${id} is already managed by ${owner}; run "reposmith state rm ${owner}" first to import it under ${key}`,
    );
}

/** Whether objects of `kind` have a secret value (readSecret / `output --show-secret`), e.g. a token's. */
export function hasSecret(kind: string): boolean {
  return kinds().includes(kind) && !!handlerFor(kind).commands?.readSecret;
}

/** Reads a managed object's secret from the API (never from state, which holds none). */
export async function readSecret(opts: EngineOptions & { store: StateStore }, key: string): Promise<string> {
  const state = await opts.store.read(stackOfKey(key));
  const rs = state.resources[key];
  if (!rs) throw new StateEntryError(notInState(key));
  const handler = handlerFor(rs.kind);
  const read = handler.commands?.readSecret;
  if (!read) throw new StateEntryError(`${rs.kind} resources have no secret value`);
  return read(new RunContext(opts), rs, rs.connection);
}

/** Forgets a key without touching the remote object (like `terraform state rm`). */
export async function removeFromState(store: StateStore, key: string): Promise<string> {
  const stack = stackOfKey(key);
  const lock = await store.lock(stack, "reposmith state rm");
  try {
    const state = await store.read(stack);
    const rs = state.resources[key];
    if (!rs) throw new StateEntryError(notInState(key));
    delete state.resources[key];
    await store.write(state);
    return rs.id;
  } finally {
    await lock.release();
  }
}

/**
 * Moves a state entry to another key (like `terraform state mv`), within a stack or to another
 * one: after renaming or moving a construct, its remote object (and a token's secret) is kept
 * rather than deleted and created again. The next apply updates what carries the key (a token's
 * tag). Both stacks are locked, in name order so that two moves cannot deadlock.
 */
export async function moveInState(store: StateStore, from: string, to: string): Promise<string> {
  const fromStack = stackOfKey(from);
  const toStack = stackOfKey(to);
  if (from === to) throw new StateEntryError(`${from} and ${to} are the same key`);
  const stacks = [...new Set([fromStack, toStack])].sort();
  const locks = [];
  try {
    for (const s of stacks) locks.push(await store.lock(s, "reposmith state mv"));
    const source = await store.read(fromStack);
    const target = toStack === fromStack ? source : await store.read(toStack);
    const rs = source.resources[from];
    if (!rs) throw new StateEntryError(notInState(from));
    if (target.resources[to])
      throw new StateEntryError(
        `${to} is already in state (id ${target.resources[to].id}); ` +
          `run "reposmith state rm ${to}" first, or choose another key`,
      );
    delete source.resources[from];
    // The generation is the declaration's under the old key: cleared, the next run sees the new key's
    // differences (a token's tag) as a configuration change to apply, not as drift.
    target.resources[to] = { ...rs, generation: "" };
    // The target first: if the second write fails, the entry is in both places rather than in neither.
    if (target !== source) await store.write(target);
    await store.write(source);
    return rs.id;
  } finally {
    for (const l of locks.reverse()) await l.release();
  }
}

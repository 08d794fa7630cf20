import { randomUUID } from "node:crypto";
import { z } from "zod";
import { LifecycleSchema } from "../../resources/lifecycle";
import type { ResourceState } from "../../resources/types";

const STATE_VERSION = 1;

/** One stack's state: Terraform's serial/lineage discipline, resources by key. */
export interface StackState {
  version: number;
  stack: string;
  /** Random id fixed at the state's birth: two states with different lineages are not versions of one another. */
  lineage: string;
  /** Incremented on every write. */
  serial: number;
  resources: Record<string, ResourceState>;
}

/**
 * An object whose values are not looked into (`observed` holds the API's fields as they came): a
 * custom check keeps it as it is, where a record schema would copy every key of every entry.
 */
const OpaqueObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  { error: "expected an object" },
);

/**
 * A state entry's lifecycle. Unknown keys are dropped, as they are from the entry itself: state
 * written by a reposmith that knew more lifecycle settings stays readable (a change of meaning
 * comes with a new STATE_VERSION, which is refused instead).
 */
const StateLifecycleSchema = LifecycleSchema.strip();

const ResourceStateSchema = z.object({
  kind: z.string().min(1),
  id: z.string().min(1),
  generation: z.string(),
  spec: z.unknown(),
  observed: OpaqueObject,
  // Every part of a ConnectionRef (CodeArts' too): a key dropped here is dropped from state on the next write.
  connection: z
    .object({
      apiUrl: z.string().optional(),
      apiKeyEnv: z.string().optional(),
      codearts: OpaqueObject.optional(),
    })
    .optional(),
  appliedAt: z.string(),
  provisional: z.literal(true).optional(),
  lifecycle: StateLifecycleSchema.optional(),
  refs: OpaqueObject.optional(),
});

export const StackStateSchema = z.object({
  version: z.literal(STATE_VERSION),
  stack: z.string().min(1),
  lineage: z.string().min(1),
  serial: z.number().int().min(0),
  resources: z.record(z.string(), ResourceStateSchema),
});

/** A state document read back, validated; the stores report the first issue of one that is not valid. */
export function parseStackState(doc: unknown): z.ZodSafeParseResult<z.output<typeof StackStateSchema>> {
  return StackStateSchema.safeParse(doc);
}

/**
 * Refuses a state document written for a newer state format before anything else is checked, so
 * the user is told to upgrade rather than that the state is broken (and nothing overwrites it).
 */
export function checkStateVersion(doc: unknown, location: string): void {
  const version = doc !== null && typeof doc === "object" ? (doc as { version?: unknown }).version : undefined;
  if (typeof version === "number" && Number.isInteger(version) && version > STATE_VERSION)
    throw new StateTooNewError(location, version);
}

export class StateTooNewError extends Error {
  constructor(
    readonly location: string,
    readonly version: number,
  ) {
    super(
      `state ${location} was written by a newer reposmith ` +
        `(state format ${version}; this reposmith reads format ${STATE_VERSION}); ` +
        "upgrade reposmith to work with it. Nothing was changed.",
    );
    this.name = "StateTooNewError";
  }
}

export function emptyState(stack: string): StackState {
  return { version: STATE_VERSION, stack, lineage: randomUUID(), serial: 0, resources: {} };
}

/** Held while a stack's state may be written; release() is idempotent. */
export interface StateLock {
  release(): Promise<void>;
}

export interface StateStore {
  /** Human description, e.g. the directory or database. */
  readonly location: string;
  /**
   * The stack's state, the caller's own to change: its set of entries may be added to and taken
   * from. An entry is replaced, never changed in place (ResourceState is read-only): a store may
   * share entries between reads of an unchanged state.
   */
  read(stack: string): Promise<StackState>;
  /** Writes `state` with serial+1, keeping the previous version; returns the written state. */
  write(state: StackState): Promise<StackState>;
  /** Exclusive per-stack lock; throws StateLockedError naming the holder when someone else has it. */
  lock(stack: string, operation: string): Promise<StateLock>;
  stacks(): Promise<string[]>;
  close(): Promise<void>;
}

export interface LockHolder {
  pid: number;
  host: string;
  operation: string;
  since: string;
}

export class StateLockedError extends Error {
  constructor(
    readonly stackName: string,
    readonly holder: LockHolder | undefined,
    readonly location: string,
  ) {
    super(
      `state of stack "${stackName}" is locked by ${
        holder ? `${holder.operation} (pid ${holder.pid} on ${holder.host}, since ${holder.since})` : "another process"
      }; wait for it to finish, or if that process is dead remove ${location}`,
    );
    this.name = "StateLockedError";
  }
}

export class StateCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly backup: string | undefined,
  ) {
    super(
      `state file ${file} is unreadable (${reason}); refusing to continue. ` +
        (backup
          ? `Restore the previous version with: cp ${backup} ${file}`
          : "No readable previous version exists; remove it and re-run: " +
            "reposmith finds what it manages again (tokens by their reposmith tags, " +
            "copies and mirrors by their identity)."),
    );
    this.name = "StateCorruptError";
  }
}

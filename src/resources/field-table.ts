/**
 * A kind's field table: each managed field declared once (API name, prop, validation, how it is
 * compared, whether drift and syncs look at it, whether plans show it), and the spec's props, the
 * desired API fields, the state projection and the field-level diff derived from it. Everything is
 * derived when the table is built, at module load: the per-object paths are plain loops over arrays.
 * docs/architecture.md#adding-a-field walks through adding one.
 */
import { z } from "zod";
import { sameJson } from "../util/canonical";
import { sameInstant } from "./common";
import type { FieldChange } from "./types";

/**
 * How a wanted and an observed value are the same: `equal` (===), `instant` (the same instant
 * however written), `blank-null` ("" and null alike: an API clears a string to either), `json`
 * (JSON values, key order aside; unset is {}).
 */
export type Comparison = "equal" | "instant" | "blank-null" | "json";

/** Marks a field whose prop, when not given, leaves the API's value as it is (not managed then). */
export const UNMANAGED = Symbol("unmanaged");

export interface FieldDef {
  /** The API's name: what plans, drift, state and `ignoreChanges` call it. */
  readonly api: string;
  /** The prop's dotted path in the spec and the construct, e.g. `limits.numDownloads`. */
  readonly prop: string;
  /** The prop's validation, with its `.optional()` or `.default()`; messages name `prop`. */
  readonly schema: z.ZodType;
  /** What the API is sent when the prop is not given: null clears it; UNMANAGED leaves it alone. @default null */
  readonly unset?: unknown;
  /** The API value when it is not the prop's value as it is (tags added, a default token's rules). */
  readonly value?: (spec: never, key: string) => unknown;
  /** @default "equal" */
  readonly compare?: Comparison;
  /** This field means nothing while that one is null (a unit without an amount): never a difference then. */
  readonly meaningfulWith?: string;
  /**
   * true: compared with what the API shows, so a change made elsewhere is drift. false: compared
   * with what the last applied spec asked for (a value the API moves by itself, or cannot show).
   * @default true
   */
  readonly drift?: boolean;
  /** What an entitlements sync does with it: keys the comparison, carries it, or is not documented to. */
  readonly sync?: "key" | "carried" | "undocumented";
  /** Shown among a create's fields in a plan when set. @default true */
  readonly shown?: boolean;
}

/** A group of props (a nested object): how its strict object is finished (refined, defaulted, optional). */
export type GroupFinish = (o: z.ZodObject) => z.ZodType;

type Row = {
  readonly def: FieldDef;
  readonly get: (spec: unknown, key: string) => unknown;
  readonly same: (want: unknown, have: unknown, desired: Readonly<Record<string, unknown>>) => boolean;
  readonly normal: (record: Readonly<Record<string, unknown>>) => unknown;
};

/**
 * The value type a prop path gives: `limits.numDownloads` of `number | undefined` is `{ limits: { numDownloads?: number
 * } }`.
 */
type AtPath<P extends string, V, Group extends "required" | "optional"> = P extends `${infer H}.${infer T}`
  ? Group extends "required"
    ? { [K in H]: AtPath<T, V, Group> }
    : { [K in H]?: AtPath<T, V, Group> }
  : undefined extends V
    ? { [K in P]?: V }
    : { [K in P]: V };
type Intersect<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The spec's props as the table's schemas parse them (nested groups present: they default to {}). */
export type TableOutput<F extends readonly FieldDef[]> = Intersect<
  { [I in keyof F]: F[I] extends FieldDef ? AtPath<F[I]["prop"], z.output<F[I]["schema"]>, "required"> : never }[number]
>;
/** The props as a spec may give them. */
export type TableInput<F extends readonly FieldDef[]> = Intersect<
  { [I in keyof F]: F[I] extends FieldDef ? AtPath<F[I]["prop"], z.input<F[I]["schema"]>, "optional"> : never }[number]
>;

export interface FieldTable<A extends string> {
  /** The API names in table order: plan order, and the order state keeps them in. */
  readonly apiNames: readonly A[];
  /** The top-level props the table defines, each a zod schema (nested groups built). */
  readonly props: Readonly<Record<string, z.ZodType>>;
  /** The API fields a spec asks for: every managed field (null where unset), none that is left alone. */
  desired(spec: object, key: string): Partial<Record<A, unknown>>;
  /** `out[api] = record[api] ?? null` for every field: for a projection built as one object. */
  project(out: Record<string, unknown>, record: Readonly<Record<string, unknown>>): void;
  /**
   * The changes from `observed` to `desired` (fields `desired` leaves out and `ignored` ones aside);
   * a field not compared for drift is compared with what the last applied spec asked for (`applied`,
   * asked only when the table has such a field), else, with no applied spec, with what the API shows.
   */
  changes(
    desired: Readonly<Partial<Record<A, unknown>>>,
    observed: Readonly<Record<string, unknown>>,
    ignored: readonly string[],
    applied?: () => Readonly<Partial<Record<A, unknown>>> | undefined,
  ): FieldChange[];
  /** The fields a create's plan shows: the set ones, in table order. */
  shown(desired: Readonly<Partial<Record<A, unknown>>>, into: Record<string, unknown>): Record<string, unknown>;
  /** A field of `record` as two records compare it: instants as UTC strings, blank as null, meaningless as null. */
  normalized(api: string, record: Readonly<Record<string, unknown>>): unknown;
  /** The API names of the fields whose `sync` is `what`, in table order. */
  synced(what: NonNullable<FieldDef["sync"]>): A[];
}

function getter(prop: string): (spec: unknown) => unknown {
  const path = prop.split(".");
  if (path.length === 1) return (spec) => (spec as Record<string, unknown>)[prop];
  return (spec) => {
    let v = spec;
    for (const p of path) {
      if (v === undefined || v === null) return undefined;
      v = (v as Record<string, unknown>)[p];
    }
    return v;
  };
}

function sameOf(def: FieldDef): Row["same"] {
  const base: Row["same"] =
    def.compare === "instant"
      ? sameInstant
      : def.compare === "blank-null"
        ? (want, have) => (want || null) === (have || null)
        : def.compare === "json"
          ? (want, have) => sameJson(want ?? {}, have ?? {})
          : (want, have) => want === have;
  const other = def.meaningfulWith;
  return other === undefined ? base : (want, have, desired) => desired[other] == null || base(want, have, desired);
}

function normalOf(def: FieldDef): Row["normal"] {
  const { api, compare, meaningfulWith: other } = def;
  return (r) => {
    let v = r[api] ?? null;
    if (compare === "instant" && typeof v === "string") v = new Date(v).toISOString();
    if (compare === "blank-null" && v === "") v = null;
    if (other !== undefined && r[other] == null) v = null;
    return v;
  };
}

/** The nested zod objects of the props: `limits.bandwidth.amount` builds `limits` and `limits.bandwidth`. */
function buildProps(fields: readonly FieldDef[], groups: Record<string, GroupFinish>): Record<string, z.ZodType> {
  type Node = Map<string, Node | z.ZodType>;
  const root: Node = new Map();
  for (const f of fields) {
    const path = f.prop.split(".");
    let node = root;
    for (const p of path.slice(0, -1)) {
      let next = node.get(p);
      if (!(next instanceof Map)) node.set(p, (next = new Map()));
      node = next;
    }
    node.set(path[path.length - 1], f.schema);
  }
  const build = (node: Node, prefix: string): Record<string, z.ZodType> => {
    const shape: Record<string, z.ZodType> = {};
    for (const [name, child] of node) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (!(child instanceof Map)) shape[name] = child;
      else {
        const o = z.object(build(child, path)).strict();
        shape[name] = groups[path] ? groups[path](o) : o;
      }
    }
    return shape;
  };
  return build(root, "");
}

/** Builds a kind's table; `groups` finishes its nested props by path (e.g. `limits`: refined, default {}). */
export function fieldTable<const F extends readonly FieldDef[]>(
  fields: F,
  groups: Record<string, GroupFinish> = {},
): FieldTable<F[number]["api"]> & { readonly fields: F } {
  type A = F[number]["api"];
  const rows: Row[] = fields.map((def) => {
    const read = getter(def.prop);
    const unset = "unset" in def ? def.unset : null;
    const get = (def.value as Row["get"] | undefined) ?? ((spec) => read(spec) ?? unset);
    return { def, get, same: sameOf(def), normal: normalOf(def) };
  });
  const byApi = new Map(rows.map((r) => [r.def.api, r]));
  const apiNames: A[] = fields.map((f) => f.api);
  return {
    fields,
    apiNames,
    props: buildProps(fields, groups),
    desired(spec, key) {
      const out: Record<string, unknown> = {};
      for (const r of rows) {
        const v = r.get(spec, key);
        if (v !== UNMANAGED && v !== undefined) out[r.def.api] = v;
      }
      return out as Partial<Record<A, unknown>>;
    },
    project(out, record) {
      for (const name of apiNames) out[name] = record[name] ?? null;
    },
    changes(desired, observed, ignored, applied) {
      const want = desired as Readonly<Record<string, unknown>>;
      const changes: FieldChange[] = [];
      let last: Readonly<Record<string, unknown>> | undefined | null = null;
      for (const r of rows) {
        const f = r.def.api;
        if (!(f in want) || ignored.includes(f)) continue;
        if (r.def.drift === false && last === null) last = applied?.();
        const have = r.def.drift === false && last ? last[f] : observed[f];
        if (!r.same(want[f], have, want)) changes.push({ path: f, old: have ?? null, new: want[f], effect: "update" });
      }
      return changes;
    },
    shown(desired, into) {
      const want = desired as Readonly<Record<string, unknown>>;
      for (const r of rows) {
        const v = want[r.def.api];
        if (r.def.shown !== false && v !== null && v !== undefined) into[r.def.api] = v;
      }
      return into;
    },
    normalized(api, record) {
      const r = byApi.get(api);
      return r ? r.normal(record) : (record[api] ?? null);
    },
    synced(what) {
      return fields.filter((f) => f.sync === what).map((f) => f.api);
    },
  };
}

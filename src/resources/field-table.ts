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
  /**
   * Shown among a create's fields in a plan when set (not null); "given": only when the spec gives
   * the prop (a default such as `{}` that says nothing is left out). @default true
   */
  readonly shown?: boolean | "given";
  /** An API null means the API could not say (not "unset"): never a difference then. @default false */
  readonly nullIsUnknown?: boolean;
  /** A change's old value "" is shown as null (an API that reports an unset string as ""). @default false */
  readonly blankShownAsNull?: boolean;
  /**
   * The API never shows it: compared only with what the last applied spec asked for (as `drift:
   * false`) and not part of the state projection. Without an applied spec (found, not applied by
   * reposmith) `true` plans nothing and `"once"` plans one write, its old value shown as NOT_READABLE.
   * @default false
   */
  readonly writeOnly?: boolean | "once";
  /** How the state projection reads it from an API record (a kind's context, e.g. a setting, as 2nd argument). */
  readonly read?: (record: never, context: never) => unknown;
  /** What a change of it needs of the kind's handler (its own words, e.g. "put", "sync"); see `needing`. */
  readonly needs?: readonly string[];
  /** The API field a write (`body`) sends it as, when not `api` (a plain-words prop sent as the API's flag). */
  readonly sendAs?: string;
  /** The value a write sends, when not the desired one (the kind's context as 2nd argument). */
  readonly send?: (value: never, context: never) => unknown;
}

/** The old value a plan shows for a write-only field the API has no applied value of. */
export const NOT_READABLE = "(not readable)";

/**
 * Where a kind's own fields (identity, health) sit among the table's, when table order is not the
 * order wanted: `create`, the fields of a create's plan (`shown`); `state`, the projection
 * (`observed`). Names not listed follow, in the order they were given.
 */
export interface TableOrder {
  readonly create?: readonly string[];
  readonly state?: readonly string[];
}

/** A group of props (a nested object): how its strict object is finished (refined, defaulted, optional). */
export type GroupFinish = (o: z.ZodObject) => z.ZodType;

type Row = {
  readonly def: FieldDef;
  readonly given: (spec: unknown) => unknown;
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
  /**
   * The fields a create's plan shows: `into` (the kind's own) and the set ones, in table order or
   * the table's `order.create`; `spec` tells which props are given (`shown: "given"`).
   */
  shown(
    desired: Readonly<Partial<Record<A, unknown>>>,
    into: Record<string, unknown>,
    spec?: object,
  ): Record<string, unknown>;
  /**
   * The state projection of an API record: `own` (the kind's fields) and every field the API shows,
   * as its `read` gives it (`record[api] ?? null` by default), in the table's `order.state`.
   */
  observed(
    record: Readonly<Record<string, unknown>>,
    own: Readonly<Record<string, unknown>>,
    context?: unknown,
  ): Record<string, unknown>;
  /** The API names of the fields whose `needs` include `what`. */
  needing(what: string): ReadonlySet<string>;
  /**
   * The body of the write `what`: every desired field whose `needs` include it, as its `sendAs` and
   * `send` say, in table order.
   */
  body(desired: Readonly<Partial<Record<A, unknown>>>, what: string, context?: unknown): Record<string, unknown>;
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

/** `record`'s keys in `order` first, then the others as they come. */
function inOrder(record: Record<string, unknown>, order: readonly string[] | undefined): Record<string, unknown> {
  if (!order) return record;
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in record) out[k] = record[k];
  for (const k in record) if (!(k in out)) out[k] = record[k];
  return out;
}

/**
 * Builds a kind's table; `groups` finishes its nested props by path (e.g. `limits`: refined, default {}),
 * `order` places the kind's own fields among the table's in plans and state.
 */
export function fieldTable<const F extends readonly FieldDef[]>(
  fields: F,
  groups: Record<string, GroupFinish> = {},
  order: TableOrder = {},
): FieldTable<F[number]["api"]> & { readonly fields: F } {
  type A = F[number]["api"];
  const rows: Row[] = fields.map((def) => {
    const read = getter(def.prop);
    const unset = "unset" in def ? def.unset : null;
    const get = (def.value as Row["get"] | undefined) ?? ((spec) => read(spec) ?? unset);
    return { def, given: read, get, same: sameOf(def), normal: normalOf(def) };
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
        const writeOnly = r.def.writeOnly ?? false;
        const byApplied = r.def.drift === false || writeOnly !== false;
        if (byApplied && last === null) last = applied?.();
        if (writeOnly !== false && !last) {
          if (writeOnly === "once") changes.push({ path: f, old: NOT_READABLE, new: want[f], effect: "update" });
          continue;
        }
        const have = byApplied && last ? last[f] : observed[f];
        if (r.def.nullIsUnknown && (have === null || have === undefined)) continue;
        if (r.same(want[f], have, want)) continue;
        const old = r.def.blankShownAsNull && have === "" ? null : (have ?? null);
        changes.push({ path: f, old, new: want[f], effect: "update" });
      }
      return changes;
    },
    shown(desired, into, spec) {
      const want = desired as Readonly<Record<string, unknown>>;
      for (const r of rows) {
        const v = want[r.def.api];
        if (r.def.shown === false || v === null || v === undefined) continue;
        if (r.def.shown === "given" && (!spec || r.given(spec) === undefined)) continue;
        into[r.def.api] = v;
      }
      return inOrder(into, order.create);
    },
    observed(record, own, context) {
      const out: Record<string, unknown> = { ...own };
      for (const r of rows) {
        if (r.def.writeOnly) continue;
        const read = r.def.read as ((rec: unknown, c: unknown) => unknown) | undefined;
        out[r.def.api] = read ? read(record, context) : (record[r.def.api] ?? null);
      }
      return inOrder(out, order.state);
    },
    needing(what) {
      return new Set(fields.filter((f) => f.needs?.includes(what)).map((f) => f.api));
    },
    body(desired, what, context) {
      const want = desired as Readonly<Record<string, unknown>>;
      const out: Record<string, unknown> = {};
      for (const { api, needs, sendAs, send } of fields) {
        if (!needs?.includes(what) || !(api in want)) continue;
        const v = want[api];
        out[sendAs ?? api] = send ? (send as (v: unknown, c: unknown) => unknown)(v, context) : v;
      }
      return out;
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

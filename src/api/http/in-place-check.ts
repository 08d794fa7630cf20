/**
 * A check of parsed JSON against a zod schema that neither copies nor allocates, for the hot path
 * of large list responses. zod's parse returns a copy of every object (a 10,000-token plan spent
 * about 45 ms, and much of its garbage collection, there); when a schema's output is exactly its
 * input, a plain check of the same rules gives the same answer without the copy.
 *
 * The check is built from the schema's definition (`_zod.def`, zod 4's documented surface for
 * library authors) by an allow-list: loose objects, strings, numbers with integer and range
 * checks, booleans, enums, literals, nullable, optional, records with string keys, arrays and
 * unknown. Anything else (defaults, transforms, refinements, stripped or strict objects, string
 * checks) gets no check, and the caller parses with zod as before. A value the check rejects is
 * parsed by zod too, so errors read exactly as they always did. test/api/in-place-check.test.ts
 * compares both verdicts on generated values.
 */
import type { ZodType } from "zod";

export type InPlaceCheck = (value: unknown) => boolean;

interface Def {
  type: string;
  checks?: { _zod: { def: Record<string, unknown> } }[];
  [k: string]: unknown;
}

class Unsupported extends Error {}

const built = new WeakMap<object, InPlaceCheck | null>();

/** The check for `schema`, or undefined when it may change what it parses or uses rules the check does not know. */
export function inPlaceCheck(schema: ZodType): InPlaceCheck | undefined {
  let check = built.get(schema);
  if (check === undefined) {
    try {
      check = compile(schema);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      check = null;
    }
    built.set(schema, check);
  }
  return check ?? undefined;
}

const ANY: InPlaceCheck = () => true;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function defOf(schema: unknown): Def {
  const def = (schema as { _zod?: { def?: Def } })?._zod?.def;
  if (!def || typeof def.type !== "string") throw new Unsupported("not a zod 4 schema");
  return def;
}

function noChecks(def: Def): void {
  if (def.checks?.length) throw new Unsupported(`${def.type} with checks`);
}

function compile(schema: unknown): InPlaceCheck {
  const def = defOf(schema);
  switch (def.type) {
    case "unknown":
    case "any":
      return ANY;
    case "string":
      noChecks(def);
      return (v) => typeof v === "string";
    case "boolean":
      noChecks(def);
      return (v) => typeof v === "boolean";
    case "number":
      return numberCheck(def);
    case "enum": {
      noChecks(def);
      const allowed = new Set(Object.values(def.entries as Record<string, unknown>));
      return (v) => allowed.has(v);
    }
    case "literal": {
      noChecks(def);
      const allowed = new Set(def.values as unknown[]);
      return (v) => allowed.has(v);
    }
    case "nullable": {
      noChecks(def);
      const inner = compile(def.innerType);
      return (v) => v === null || inner(v);
    }
    case "optional": {
      noChecks(def);
      const inner = compile(def.innerType);
      return (v) => v === undefined || inner(v);
    }
    case "array": {
      noChecks(def);
      const item = compile(def.element);
      return (v) => Array.isArray(v) && v.every((x) => item(x));
    }
    case "record": {
      noChecks(def);
      const key = defOf(def.keyType);
      if (key.type !== "string" || key.checks?.length) throw new Unsupported("record key");
      const value = compile(def.valueType);
      return (v) => {
        if (!isPlainObject(v)) return false;
        for (const k in v) if (!value(v[k])) return false;
        return true;
      };
    }
    case "object":
      return objectCheck(def);
    default:
      throw new Unsupported(def.type);
  }
}

function numberCheck(def: Def): InPlaceCheck {
  let integer = false;
  let min = -Infinity;
  let max = Infinity;
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === "number_format" && (d.format === "safeint" || d.format === "int32" || d.format === "uint32")) {
      integer = true;
      const [lo, hi] = d.format === "safeint" ? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] : d.format === "int32" ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** 32 - 1];
      min = Math.max(min, lo);
      max = Math.min(max, hi);
    } else if (d.check === "greater_than" && d.inclusive === true && typeof d.value === "number") min = Math.max(min, d.value);
    else if (d.check === "less_than" && d.inclusive === true && typeof d.value === "number") max = Math.min(max, d.value);
    else throw new Unsupported(`number check ${String(d.check)}`);
  }
  return (v) => typeof v === "number" && Number.isFinite(v) && (!integer || Number.isInteger(v)) && v >= min && v <= max;
}

function objectCheck(def: Def): InPlaceCheck {
  noChecks(def);
  // Only loose objects keep their input as it is: zod strips (or rejects) unknown keys otherwise.
  if (!def.catchall || defOf(def.catchall).type !== "unknown") throw new Unsupported("object that is not loose");
  const fields = Object.entries(def.shape as Record<string, unknown>).map(([k, s]) => {
    const d = defOf(s);
    return { key: k, optional: d.type === "optional", check: compile(s) };
  });
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (const f of fields) {
      const x = v[f.key];
      if (x === undefined ? !f.optional : !f.check(x)) return false;
    }
    return true;
  };
}

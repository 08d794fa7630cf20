/**
 * A check of parsed JSON against a zod schema that neither copies nor allocates, for the hot path
 * of large list responses. zod's parse returns a copy of every object (a 10,000-token plan spent
 * about 45 ms, and much of its garbage collection, there); when a schema's output is exactly its
 * input, a plain check of the same rules gives the same answer without the copy.
 *
 * The check is built from the schema's definition (`_zod.def`, zod 4's documented surface for
 * library authors) by an allow-list: objects, strings with length checks, numbers with integer and
 * range checks, booleans, enums, literals, nullable, optional, records with string keys, arrays
 * and unknown. An object that is not loose passes only without unknown keys (zod would strip or
 * reject them). Anything else (defaults, transforms, refinements, other checks) gets no check,
 * and the caller parses with zod as before. A value the check rejects is parsed by zod too, so
 * errors read exactly as they always did. test/api/in-place-check.test.ts compares both verdicts
 * on generated values.
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
/**
 * An object zod would walk and keep as it is. An own `__proto__` key (JSON.parse makes one) is
 * skipped by zod's object and record parsing, so zod's output would lack it: left to zod.
 */
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !Object.hasOwn(v, "__proto__");

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
      return stringCheck(def);
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
      if (value === ANY) return isPlainObject;
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

function stringCheck(def: Def): InPlaceCheck {
  let min = 0;
  let max = Infinity;
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === "min_length" && typeof d.minimum === "number") min = Math.max(min, d.minimum);
    else if (d.check === "max_length" && typeof d.maximum === "number") max = Math.min(max, d.maximum);
    else throw new Unsupported(`string check ${String(d.check)}`);
  }
  return min === 0 && max === Infinity ? (v) => typeof v === "string" : (v) => typeof v === "string" && v.length >= min && v.length <= max;
}

function objectCheck(def: Def): InPlaceCheck {
  noChecks(def);
  const catchall = def.catchall === undefined ? undefined : defOf(def.catchall).type;
  // Loose objects keep unknown keys as they are. Others (stripping, strict) pass only without any:
  // zod would drop them (or reject the object), so its output would not be the input.
  if (catchall !== undefined && catchall !== "unknown" && catchall !== "never") throw new Unsupported(`object with a ${catchall} catchall`);
  const loose = catchall === "unknown";
  // A key may be absent exactly when zod's object parse says so (`optin`: optional, or nullable of optional, ...).
  const fields = Object.entries(def.shape as Record<string, unknown>).map(([k, s]) => ({
    key: k,
    optional: (s as { _zod: { optin?: string } })._zod.optin === "optional",
    check: compile(s),
  }));
  const known = new Set(fields.map((f) => f.key));
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (const f of fields) {
      const x = v[f.key];
      if (x === undefined ? !f.optional : !f.check(x)) return false;
    }
    if (!loose) for (const k in v) if (!known.has(k)) return false;
    return true;
  };
}

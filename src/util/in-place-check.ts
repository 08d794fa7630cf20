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

/**
 * An object zod would walk and keep as it is. An own `__proto__` key (JSON.parse makes one) is
 * skipped by zod's object and record parsing, so zod's output would lack it: left to zod.
 */
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !Object.hasOwn(v, "__proto__");

function defOf(schema: unknown): Def {
  const def = (schema as { _zod?: { def?: Def } })?._zod?.def;
  if (!def || typeof def.type !== "string") throw new Unsupported("not a zod 4 schema");
  return def;
}

function noChecks(def: Def): void {
  if (def.checks?.length) throw new Unsupported(`${def.type} with checks`);
}

/**
 * The check is generated as JavaScript (one function per object, array and record, every other
 * rule inlined as an expression), the way ajv compiles JSON schemas: a tree of closures, one call
 * per field, cost ~2.4 us per token of a list page (24 ms per 10,000), the generated code ~0.2 us.
 * Nothing from the schema reaches the code as text but property names, quoted by JSON.stringify,
 * and numbers; sets of allowed values are passed in as constants.
 */
class Generator {
  readonly functions: string[] = [];
  readonly constants: unknown[] = [];

  constant(value: unknown): string {
    this.constants.push(value);
    return `c[${this.constants.length - 1}]`;
  }

  /** A boolean expression checking the value in the variable `v` (a name, evaluated once per use). */
  expr(schema: unknown, v: string): string {
    const def = defOf(schema);
    switch (def.type) {
      case "unknown":
      case "any":
        return "true";
      case "string":
        return stringExpr(def, v);
      case "boolean":
        noChecks(def);
        return `typeof ${v} === "boolean"`;
      case "number":
        return numberExpr(def, v);
      case "enum":
        noChecks(def);
        return `${this.constant(new Set(Object.values(def.entries as Record<string, unknown>)))}.has(${v})`;
      case "literal":
        noChecks(def);
        return `${this.constant(new Set(def.values as unknown[]))}.has(${v})`;
      case "nullable":
        noChecks(def);
        return `(${v} === null || ${this.expr(def.innerType, v)})`;
      case "optional":
        noChecks(def);
        return `(${v} === undefined || ${this.expr(def.innerType, v)})`;
      case "array":
      case "record":
      case "object":
        return `${this.fn(def)}(${v})`;
      default:
        throw new Unsupported(def.type);
    }
  }

  /** A generated function for an array, record or object; returns its name. */
  private fn(def: Def): string {
    const name = `f${this.functions.length}`;
    this.functions.push(""); // reserve the name: nested schemas get the next ones
    let body: string;
    if (def.type === "array") {
      noChecks(def);
      body = `if (!Array.isArray(v)) return false; for (let i = 0; i < v.length; i++) { const x = v[i]; if (!(${this.expr(def.element, "x")})) return false; } return true;`;
    } else if (def.type === "record") {
      noChecks(def);
      const key = defOf(def.keyType);
      if (key.type !== "string" || key.checks?.length) throw new Unsupported("record key");
      const value = this.expr(def.valueType, "x");
      body =
        value === "true"
          ? "return isPlainObject(v);"
          : `if (!isPlainObject(v)) return false; for (const k in v) { const x = v[k]; if (!(${value})) return false; } return true;`;
    } else {
      body = this.objectBody(def);
    }
    this.functions[Number(name.slice(1))] = `function ${name}(v) { ${body} }`;
    return name;
  }

  private objectBody(def: Def): string {
    noChecks(def);
    const catchall = def.catchall === undefined ? undefined : defOf(def.catchall).type;
    // Loose objects keep unknown keys as they are. Others (stripping, strict) pass only without any:
    // zod would drop them (or reject the object), so its output would not be the input.
    if (catchall !== undefined && catchall !== "unknown" && catchall !== "never")
      throw new Unsupported(`object with a ${catchall} catchall`);
    const shape = def.shape as Record<string, unknown>;
    const lines = ["if (!isPlainObject(v)) return false;", "let x;"];
    for (const [key, field] of Object.entries(shape)) {
      // A key may be absent exactly when zod's object parse says so (`optin`: optional, or nullable of optional, ...).
      const optional = (field as { _zod: { optin?: string } })._zod.optin === "optional";
      const check = this.expr(field, "x");
      lines.push(
        `x = v[${JSON.stringify(key)}]; if (x === undefined ? ${optional ? "false" : "true"} : !(${check})) return false;`,
      );
    }
    if (catchall !== "unknown")
      lines.push(
        `const known = ${this.constant(new Set(Object.keys(shape)))}; for (const k in v) if (!known.has(k)) return false;`,
      );
    lines.push("return true;");
    return lines.join("\n");
  }
}

function compile(schema: unknown): InPlaceCheck {
  const g = new Generator();
  const top = g.expr(schema, "v");
  if (top === "true") return () => true;
  const source = `${g.functions.join("\n")}\nreturn function check(v) { return ${top}; };`;
  return new Function("c", "isPlainObject", source)(g.constants, isPlainObject) as InPlaceCheck;
}

function numberExpr(def: Def, v: string): string {
  let integer = false;
  let min = -Infinity;
  let max = Infinity;
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === "number_format" && (d.format === "safeint" || d.format === "int32" || d.format === "uint32")) {
      integer = true;
      const [lo, hi] =
        d.format === "safeint"
          ? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]
          : d.format === "int32"
            ? [-(2 ** 31), 2 ** 31 - 1]
            : [0, 2 ** 32 - 1];
      min = Math.max(min, lo);
      max = Math.min(max, hi);
    } else if (d.check === "greater_than" && d.inclusive === true && typeof d.value === "number")
      min = Math.max(min, d.value);
    else if (d.check === "less_than" && d.inclusive === true && typeof d.value === "number")
      max = Math.min(max, d.value);
    else throw new Unsupported(`number check ${String(d.check)}`);
  }
  const parts = [`typeof ${v} === "number"`, `Number.isFinite(${v})`];
  if (integer) parts.push(`Number.isInteger(${v})`);
  if (min !== -Infinity) parts.push(`${v} >= ${numberLiteral(min)}`);
  if (max !== Infinity) parts.push(`${v} <= ${numberLiteral(max)}`);
  return `(${parts.join(" && ")})`;
}

function stringExpr(def: Def, v: string): string {
  let min = 0;
  let max = Infinity;
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === "min_length" && typeof d.minimum === "number") min = Math.max(min, d.minimum);
    else if (d.check === "max_length" && typeof d.maximum === "number") max = Math.min(max, d.maximum);
    else throw new Unsupported(`string check ${String(d.check)}`);
  }
  const parts = [`typeof ${v} === "string"`];
  if (min > 0) parts.push(`${v}.length >= ${numberLiteral(min)}`);
  if (max !== Infinity) parts.push(`${v}.length <= ${numberLiteral(max)}`);
  return `(${parts.join(" && ")})`;
}

/** A finite number as JavaScript source (the bounds come from the schema: never text). */
function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) throw new Unsupported(`bound ${n}`);
  return `(${String(n)})`;
}

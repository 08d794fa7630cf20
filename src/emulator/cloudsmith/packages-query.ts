/**
 * Cloudsmith's package search syntax (cloudsmith-api.md §6 [docs]): `field:value` terms joined with
 * AND / OR / NOT and parentheses; AND is implied between terms. A bare word searches the name.
 * Text fields match partially unless anchored with `^`/`$`; `version:` also takes `>`, `>=`, `<`,
 * `<=`, `=` and `~=` (compatible release) comparisons. Values may be double-quoted.
 */
import { invalidInput } from "../errors";

export interface Searchable {
  name: string;
  version: string;
  format: string;
  filename: string;
  tags: string[];
  checksums: string[];
  /** awaiting | in_progress | completed | failed */
  status: string;
}

export type Predicate = (p: Searchable) => boolean;

const FIELDS = ["name", "version", "format", "tag", "filename", "checksum", "status"] as const;

type Token = { t: "(" | ")" | "AND" | "OR" | "NOT" } | { t: "term"; field: string; value: string };

function invalid(message: string) {
  return invalidInput({ query: [`Invalid search query: ${message}`] });
}

function tokenize(query: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const readValue = (): string => {
    if (query[i] === '"') {
      const end = query.indexOf('"', i + 1);
      if (end < 0) throw invalid("unterminated quote.");
      const v = query.slice(i + 1, end);
      i = end + 1;
      return v;
    }
    const start = i;
    while (i < query.length && !/[\s()]/.test(query[i])) i++;
    return query.slice(start, i);
  };
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      out.push({ t: c });
      i++;
    } else {
      const m = /^([A-Za-z_]+):/.exec(query.slice(i));
      if (m) {
        i += m[0].length;
        const field = m[1].toLowerCase();
        if (!(FIELDS as readonly string[]).includes(field)) throw invalid(`unknown field "${m[1]}" (known: ${FIELDS.join(", ")}).`);
        const value = readValue();
        if (value === "") throw invalid(`no value after "${m[1]}:".`);
        out.push({ t: "term", field, value });
        continue;
      }
      const word = readValue();
      const upper = word.toUpperCase();
      if (upper === "AND" || upper === "OR" || upper === "NOT") out.push({ t: upper });
      else out.push({ t: "term", field: "name", value: word });
    }
  }
  return out;
}

function textMatch(have: string, pattern: string): boolean {
  const h = have.toLowerCase();
  let p = pattern.toLowerCase();
  const start = p.startsWith("^");
  const end = p.endsWith("$") && p.length > (start ? 1 : 0);
  if (start) p = p.slice(1);
  if (end) p = p.slice(0, -1);
  if (start && end) return h === p;
  if (start) return h.startsWith(p);
  if (end) return h.endsWith(p);
  return h.includes(p);
}

function parts(v: string): (number | string)[] {
  return v.split(/[.\-+]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

function versionMatch(have: string, pattern: string): boolean {
  const m = /^(~=|>=|<=|>|<|=)(.+)$/.exec(pattern);
  if (!m) return textMatch(have, pattern);
  const [, op, v] = m;
  const c = compareVersions(have, v);
  switch (op) {
    case ">": return c > 0;
    case ">=": return c >= 0;
    case "<": return c < 0;
    case "<=": return c <= 0;
    case "=": return c === 0;
    default: {
      // PEP 440 compatible release: ~=1.2.3 means >=1.2.3 and ==1.2.*
      const prefix = v.split(".").slice(0, -1).join(".");
      return c >= 0 && (prefix === "" || have === prefix || have.startsWith(`${prefix}.`));
    }
  }
}

function term(field: string, value: string): Predicate {
  switch (field) {
    case "name": return (p) => textMatch(p.name, value);
    case "version": return (p) => versionMatch(p.version, value);
    case "filename": return (p) => textMatch(p.filename, value);
    case "format": return (p) => p.format.toLowerCase() === value.toLowerCase();
    case "tag": return (p) => p.tags.some((t) => t.toLowerCase() === value.toLowerCase());
    case "checksum": return (p) => p.checksums.some((c) => c.toLowerCase() === value.toLowerCase());
    default: return (p) => p.status === value.toLowerCase().replace(/-/g, "_");
  }
}

/** Compiles a query into a predicate; throws a 400 (ErrorDetail with `fields.query`) when malformed. */
export function compileQuery(query: string): Predicate {
  const tokens = tokenize(query);
  if (tokens.length === 0) return () => true;
  let pos = 0;
  const peek = () => tokens[pos]?.t;
  const parseOr = (): Predicate => {
    const alts = [parseAnd()];
    while (peek() === "OR") {
      pos++;
      alts.push(parseAnd());
    }
    return alts.length === 1 ? alts[0] : (p) => alts.some((a) => a(p));
  };
  const parseAnd = (): Predicate => {
    const all = [parseNot()];
    for (;;) {
      if (peek() === "AND") pos++;
      else if (peek() === undefined || peek() === ")" || peek() === "OR") break;
      all.push(parseNot());
    }
    return all.length === 1 ? all[0] : (p) => all.every((a) => a(p));
  };
  const parseNot = (): Predicate => {
    if (peek() === "NOT") {
      pos++;
      const inner = parseNot();
      return (p) => !inner(p);
    }
    const tok = tokens[pos++];
    if (!tok) throw invalid("the query ends too early.");
    if (tok.t === "(") {
      const inner = parseOr();
      if (tokens[pos++]?.t !== ")") throw invalid("missing closing parenthesis.");
      return inner;
    }
    if (tok.t === "term") return term(tok.field, tok.value);
    throw invalid(`unexpected "${tok.t}".`);
  };
  const pred = parseOr();
  if (pos < tokens.length) throw invalid(`unexpected "${tokens[pos].t === "term" ? "term" : tokens[pos].t}".`);
  return pred;
}

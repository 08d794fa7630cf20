/**
 * Cloudsmith's package search syntax (https://docs.cloudsmith.com/artifact-management/search-filter-sort-packages):
 * `field:value` terms joined with AND / OR / NOT and parentheses; AND is implied between terms.
 * A value may be double- or single-quoted after its operator (`uploaded:>"1 day ago"`). What
 * each term matches, and what a bare word does: packages-search-terms.ts.
 */
import type { BareWordSearch } from "./settings";
import { FIELDS, Predicate, invalidQuery as invalid, term } from "./packages-search-terms";

export { compareVersions } from "./packages-search-terms";
export type { Predicate, Searchable } from "./packages-search-terms";

type Token = { t: "(" | ")" | "AND" | "OR" | "NOT" } | { t: "term"; field?: string; value: string };

const OPERATOR = /^(~=|>=|<=|~|>|<|=)/;
const QUOTES = new Set(['"', "'", "\u2018", "\u2019"]);

function tokenize(query: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const readValue = (): string => {
    const op = OPERATOR.exec(query.slice(i))?.[0] ?? "";
    i += op.length;
    if (QUOTES.has(query[i])) {
      const close = query[i] === "\u2018" ? "\u2019" : query[i];
      const end = query.indexOf(close, i + 1);
      if (end < 0) throw invalid("unterminated quote.");
      const v = query.slice(i + 1, end);
      i = end + 1;
      return op + v;
    }
    const start = i;
    while (i < query.length && !/[\s()]/.test(query[i])) i++;
    return op + query.slice(start, i);
  };
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      out.push({ t: c });
      i++;
    } else {
      const m = /^([A-Za-z_]+):\s*/.exec(query.slice(i));
      if (m) {
        i += m[0].length;
        const field = m[1].toLowerCase();
        if (!(FIELDS as readonly string[]).includes(field))
          throw invalid(`unknown field "${m[1]}" (known: ${FIELDS.join(", ")}).`);
        const value = readValue();
        if (value === "") throw invalid(`no value after "${m[1]}:".`);
        out.push({ t: "term", field, value });
        continue;
      }
      const word = readValue();
      const upper = word.toUpperCase();
      if (upper === "AND" || upper === "OR" || upper === "NOT") out.push({ t: upper });
      else out.push({ t: "term", value: word });
    }
  }
  return out;
}

/**
 * Compiles a query into a predicate; throws a field error (ErrorDetail with `fields.query`) when
 * malformed. `nowMs` anchors "N days ago"; `bareWord` is the Cloudsmith setting of that name.
 */
export function compileQuery(query: string, opts: { nowMs: number; bareWord: BareWordSearch }): Predicate {
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
    if (tok.t === "term") return term(tok.field, tok.value, opts);
    throw invalid(`unexpected "${tok.t}".`);
  };
  const pred = parseOr();
  if (pos < tokens.length) throw invalid(`unexpected "${tokens[pos].t === "term" ? "term" : tokens[pos].t}".`);
  return pred;
}

import type { IConstruct } from "constructs";
import type { z } from "zod";
import { formatIssues } from "../resources/common";
import { REF_MARK } from "../resources/payload";
import { escapeTemplate } from "../util/hcl-template";
import { cdkOf } from "./cdk";
import { ValidationError } from "./errors";

/**
 * Terraform references in props (docs/composing.md): a prop may be given a CDKTF token, such as
 * `variable.stringValue` or another resource's attribute. The payload carries a placeholder where
 * the token was and the token itself beside it (`ref.r0`), so that Terraform evaluates it into the
 * construct's resource (its plan shows the value) and the stack's runner reads the value at apply.
 */

/** One reference found in a construct's props. */
export interface PropRef {
  /** Placeholder id, unique within the construct: `r0`, `r1`, ... */
  readonly id: string;
  /** The prop's dotted path, e.g. `limits.numDownloads`. */
  readonly path: string;
  /** The token as the user gave it (a string with token markers, an encoded number, an IResolvable). */
  readonly token: unknown;
}

/** What a prop tree becomes: the same tree with placeholders in place of tokens, and the tokens. */
export interface ExtractedProps<T> {
  readonly value: T;
  readonly refs: readonly PropRef[];
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** Whether `value` is a placeholder that extractRefs put in place of a token. */
export function isPlaceholder(value: unknown): boolean {
  return isPlain(value) && Object.keys(value).length === 1 && typeof value[REF_MARK] === "string";
}

/** Whether `value` is a CDKTF token (unresolved until synth), in the library of `scope`'s app. */
export function isToken(scope: IConstruct, value: unknown): boolean {
  return value !== undefined && value !== null && cdkOf(scope).Token.isUnresolved(value);
}

/**
 * Replaces each token in `props` (plain objects and arrays are walked; class instances such as a
 * Date or a Secret are left as they are) by a placeholder. `refuse` names props that cannot be a
 * reference, with why: a token there fails now, naming it.
 */
export function extractRefs<T>(
  scope: IConstruct,
  kind: string,
  props: T,
  refuse: Readonly<Record<string, string>> = {},
): ExtractedProps<T> {
  const refs: PropRef[] = [];
  const problems: string[] = [];
  const walk = (v: unknown, path: string[]): unknown => {
    if (isToken(scope, v)) {
      const at = path.join(".");
      const why = refuse[at] ?? refuse[path[0]];
      if (why !== undefined) {
        problems.push(`${at} cannot be a Terraform reference: ${why}; give it as a literal value`);
        return v;
      }
      const id = `r${refs.length}`;
      refs.push({ id, path: at, token: v });
      return { [REF_MARK]: id };
    }
    // Copied only where a token was replaced: props without any reach the schema exactly as given.
    if (Array.isArray(v)) {
      const out = v.map((x, i) => walk(x, [...path, String(i)]));
      return out.some((x, i) => x !== v[i]) ? out : v;
    }
    if (isPlain(v)) {
      const entries = Object.entries(v).map(([k, x]) => [k, x, walk(x, [...path, k])] as const);
      if (entries.every(([, x, y]) => x === y)) return v;
      const out: Record<string, unknown> = {};
      // defineProperty: an own "__proto__" key stays a key, not the copy's prototype.
      for (const [k, , y] of entries) Object.defineProperty(out, k, { value: y, enumerable: true, writable: true });
      return out;
    }
    return v;
  };
  const value = walk(props, []) as T;
  if (problems.length) throw new ValidationError(scope, kind, problems);
  return { value, refs };
}

/**
 * Validates props that may hold placeholders: what is known is checked now, with the messages a
 * plain value gets; a problem at (or under) a reference is left to the apply, where the value is
 * known and the same schema checks it. Returns the parsed spec when there is no reference, else
 * the props as given (placeholders included) for the payload.
 */
export function validateWithRefs<S extends z.ZodType>(
  scope: IConstruct,
  kind: string,
  schema: S,
  input: unknown,
  refs: readonly PropRef[],
): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const at = refs.map((x) => x.path);
  // At a reference or inside it; or a check across fields above one (it needs the value).
  const waits = (issue: z.core.$ZodIssue) => {
    const p = issue.path.map(String).join(".");
    if (at.some((a) => p === a || p.startsWith(`${a}.`))) return true;
    return issue.code === "custom" && at.some((a) => p === "" || a.startsWith(`${p}.`));
  };
  const known = r.error.issues.filter((i) => !waits(i));
  if (known.length) throw new ValidationError(scope, kind, formatIssues({ issues: known } as z.ZodError, input));
  return input as z.output<S>;
}

/**
 * A token's value as written into the payload: a string's literal parts escaped (Terraform evaluates
 * only the references in it); anything else as it is, for the library to render.
 */
export function refExpression(token: unknown): unknown {
  if (typeof token !== "string") return token;
  // Only the library's token markers (`${TfToken[...]}`) are left to interpolate.
  return token.replace(/\$\{(?!TfToken\[)/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** Escapes every string of a JSON-like value (keys included) so that Terraform hands it on unchanged. */
export function escapeStrings<T>(value: T): T {
  if (typeof value === "string") return escapeTemplate(value) as T;
  if (Array.isArray(value)) return value.map(escapeStrings) as T;
  if (isPlain(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[escapeTemplate(k)] = escapeStrings(v);
    return out as T;
  }
  return value;
}

/**
 * A connection's props are literal: every reposmith command reads them, also where Terraform never
 * ran (reposmith plan, the controller), and they reach no API as values.
 */
export function refuseRefs(scope: IConstruct, kind: string, props: object): void {
  const given = Object.entries(props).filter(([, v]) => isToken(scope, v));
  if (given.length)
    throw new ValidationError(
      scope,
      kind,
      given.map(
        ([k]) =>
          `${k} cannot be a Terraform reference: a connection is read by every reposmith command, also where ` +
          "Terraform never ran; give it as a literal (or set the URL through the environment at run time)",
      ),
    );
}

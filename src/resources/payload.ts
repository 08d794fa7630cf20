import { canonicalJson, sha256 } from "../util/canonical";
import type { Lifecycle } from "./lifecycle";
import type { ConnectionRef } from "./types";

/**
 * What each construct's Terraform resource carries in the synthesized stack
 * (docs/architecture.md#the-terraform-path). Constructs write it; the engine and the stack runner
 * read it back. No secrets, by construction.
 *
 * Format 2: every string is written as a Terraform template that evaluates to itself (`$${`,
 * `%%{`), and a prop given as a Terraform reference (a CDKTF token) is a placeholder
 * `{"reposmith:ref": "r0"}` in `spec`, its expression under `ref.r0`. Format 1 (no escaping, no
 * references) is still read.
 */
export const PAYLOAD_FORMAT = "2";

/** The placeholder object standing for a reference inside `spec`: `{ [REF_MARK]: "r0" }`. */
export const REF_MARK = "reposmith:ref";
/** Payload attributes holding a reference's expression: `ref.r0`. */
export const REF_PREFIX = "ref.";

export interface HookPayload {
  reposmith: string;
  kind: string;
  /** `<stack>/<construct path>`: the identity tag written on the remote object. */
  key: string;
  /** Canonical JSON of the validated spec; of the props as given when some are references. */
  spec: string;
  /** Canonical JSON of the connection reference (URL, env var names). */
  connection: string;
  /** Canonical JSON of the controller lifecycle (driftPolicy, deletionPolicy); absent when unset. */
  lifecycle?: string;
  /** Format 1 only: sha256 of `spec`. Format 2 leaves it to the reader. */
  generation?: string;
  /** `ref.<id>`: a reference's expression in the synthesized file, its value once Terraform evaluated it. */
  [ref: `ref.${string}`]: unknown;
}

export function makePayload(
  kind: string,
  key: string,
  spec: unknown,
  connection: ConnectionRef | undefined,
  lifecycle?: Lifecycle,
): HookPayload {
  const payload: HookPayload = {
    reposmith: PAYLOAD_FORMAT,
    kind,
    key,
    spec: canonicalJson(spec),
    connection: canonicalJson(connection ?? {}),
  };
  if (lifecycle && Object.values(lifecycle).some((v) => v !== undefined)) payload.lifecycle = canonicalJson(lifecycle);
  return payload;
}

export function isPayload(value: unknown): value is HookPayload {
  const v = value as Record<string, unknown> | null;
  return (
    !!v &&
    typeof v === "object" &&
    typeof v.reposmith === "string" &&
    typeof v.kind === "string" &&
    typeof v.key === "string" &&
    typeof v.spec === "string"
  );
}

/** The references of a payload: placeholder id -> what the payload holds for it (expression or value). */
export function payloadRefs(p: HookPayload): Record<string, unknown> | undefined {
  let refs: Record<string, unknown> | undefined;
  for (const k in p) if (k.startsWith(REF_PREFIX)) (refs ??= {})[k.slice(REF_PREFIX.length)] = p[k as `ref.${string}`];
  return refs;
}

/** The placeholder id a value stands for, when it is one. */
export function placeholderId(value: unknown): string | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const id = (value as Record<string, unknown>)[REF_MARK];
  return keys.length === 1 && typeof id === "string" ? id : undefined;
}

/** Where each placeholder sits in `spec` (a dotted prop path such as `limits.numDownloads`). */
export function placeholderPaths(spec: unknown, path: string[] = [], out = new Map<string, string>()) {
  const id = placeholderId(spec);
  if (id !== undefined) out.set(id, path.join("."));
  else if (spec && typeof spec === "object")
    for (const [k, v] of Object.entries(spec as Record<string, unknown>)) placeholderPaths(v, [...path, k], out);
  return out;
}

/**
 * `spec` with each placeholder replaced by `values[id]`; throws UnresolvedRefError for the first
 * placeholder without a value.
 */
export function substituteRefs(spec: unknown, values: (id: string) => { value: unknown } | undefined): unknown {
  const walk = (v: unknown, path: string[]): unknown => {
    const id = placeholderId(v);
    if (id !== undefined) {
      const found = values(id);
      if (!found) throw new UnresolvedRefError(id, path.join("."));
      return found.value;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, String(i)]));
    if (v && typeof v === "object")
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x, [...path, k])]),
      );
    return v;
  };
  return walk(spec, []);
}

export class UnresolvedRefError extends Error {
  constructor(
    readonly id: string,
    readonly path: string,
  ) {
    super(`reference ${id} at ${path} has no value`);
    this.name = "UnresolvedRefError";
  }
}

/**
 * How the stack's runner finds a reference's value: its environment holds `REPOSMITH_REF_<hash>`
 * (the value as JSON) for the hash of each expression as synthesized (a record's `ref.<id>`).
 */
export function refHash(expression: unknown): string {
  return sha256(canonicalJson(expression)).slice(0, 16);
}

export const REF_ENV_PREFIX = "REPOSMITH_REF_";

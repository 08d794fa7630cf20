/**
 * Fault injection: rules that make the next N matching API requests fail with a chosen status,
 * optionally after the handler has run (the write happened but the client sees an error), plus a
 * global latency added to every API response. A rule may fire only with some probability (storms),
 * pass the real reply late (latency spikes), drop the connection (resets) or cut the body short.
 */
import { FieldErrors, addFieldError, invalidInput } from "./errors";
import { isPlainObject } from "./util";

/** A rule as posted to `POST /_emulator/faults`. */
interface FaultRuleInput {
  /** HTTP method to match; any when omitted. */
  method?: string;
  /**
   * Regex tested against the URL path (without query), both as sent and with a leading `/v1` removed; any when omitted.
   */
  path?: string;
  /** Status to answer with. @default 503 */
  status?: number;
  /** How many matching requests the rule applies to before it is used up. @default 1 */
  times?: number;
  /** Value of a `Retry-After` header, in seconds. @default - no header (429 bodies still name 1 second) */
  retryAfter?: number;
  /** Raw response body (sent as is, e.g. malformed JSON). @default - a JSON `{"detail": ...}` body */
  body?: string;
  /** Content-Type for `body`. @default "application/json" */
  contentType?: string;
  /** Extra delay before the fault is answered, in milliseconds. @default 0 */
  delayMs?: number;
  /** Run the real handler first (state changes), then answer with the fault anyway. @default false */
  afterHandler?: boolean;
  /**
   * Chance (0-1] that a matching request fires the rule; `times` counts only the requests it fired
   * on. Rules are tried in order, each rolling its own chance. @default 1
   */
  probability?: number;
  /** Answer with the real reply instead of a fault: with `delayMs`, a latency spike. @default false */
  pass?: boolean;
  /**
   * Drop the connection without answering (a connection reset); with `afterHandler`, after the write happened.
   * @default false
   */
  reset?: boolean;
  /**
   * Send only the first N bytes of the body (of the real reply with `afterHandler`), with the full
   * Content-Length, then drop the connection: a truncated body. @default - the whole body
   */
  truncateAt?: number;
}

export interface FaultRule {
  method?: string;
  path?: RegExp;
  status: number;
  remaining: number;
  retryAfter?: number;
  body?: string;
  contentType: string;
  delayMs: number;
  afterHandler: boolean;
  probability: number;
  pass: boolean;
  reset: boolean;
  truncateAt?: number;
  /** What the rule injects, as counted in `GET /_emulator/stats` (see `faultKind`). */
  kind: string;
}

/** Faults fired since start-up or the last reset, for `GET /_emulator/stats`. */
export interface FaultCounts {
  total: number;
  /** Keyed by `faultKind`, e.g. `"status 429"`, `"malformed body (after handler)"`. */
  byKind: Record<string, number>;
}

/**
 * The kind of fault a rule injects: "latency spike" (`pass`), "connection reset", "truncated body",
 * "malformed body" (a given body that is not JSON) or "status N"; "(after handler)" when the real
 * handler ran first. Tests count these to show that a storm really stormed.
 */
function faultKind(r: Pick<FaultRule, "pass" | "reset" | "truncateAt" | "body" | "status" | "afterHandler">): string {
  const base = r.pass
    ? "latency spike"
    : r.reset
      ? "connection reset"
      : r.truncateAt !== undefined
        ? "truncated body"
        : r.body !== undefined && !isJson(r.body)
          ? "malformed body"
          : `status ${r.status}`;
  return r.afterHandler ? `${base} (after handler)` : base;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const DEFAULT_DETAIL: Record<number, string> = {
  500: "A server error occurred.",
  502: "Bad Gateway",
  503: "Service temporarily unavailable, please try again later.",
  504: "Gateway Timeout",
};

/** The reply a fired rule produces. */
export function faultReply(rule: FaultRule): { status: number; headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = { "content-type": rule.contentType };
  if (rule.retryAfter !== undefined) headers["retry-after"] = String(rule.retryAfter);
  let body = rule.body;
  if (body === undefined) {
    const detail =
      rule.status === 429
        ? `Request was throttled. Expected available in ${rule.retryAfter ?? 1} seconds.`
        : (DEFAULT_DETAIL[rule.status] ?? `Emulated fault (HTTP ${rule.status}).`);
    body = JSON.stringify({ detail });
  }
  return { status: rule.status, headers, body };
}

function parseRule(input: unknown, at: string, errors: FieldErrors): FaultRule | undefined {
  if (!isPlainObject(input)) {
    addFieldError(errors, at, "A rule must be an object.");
    return undefined;
  }
  const r = input as FaultRuleInput;
  const bad = (field: string, msg: string) => addFieldError(errors, `${at}.${field}`, msg);
  const optNum = (field: keyof FaultRuleInput, min: number) => {
    const v = r[field];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < min))
      bad(field, `Must be a number >= ${min}.`);
  };
  if (r.method !== undefined && typeof r.method !== "string") bad("method", "Must be a string.");
  let path: RegExp | undefined;
  if (r.path !== undefined) {
    try {
      path = new RegExp(String(r.path));
    } catch (e) {
      bad("path", `Invalid regex: ${(e as Error).message}`);
    }
  }
  if (r.status !== undefined && (!Number.isInteger(r.status) || r.status < 100 || r.status > 599))
    bad("status", "Must be an HTTP status (100-599).");
  optNum("times", 1);
  optNum("retryAfter", 0);
  optNum("delayMs", 0);
  if (r.body !== undefined && typeof r.body !== "string") bad("body", "Must be a string (the raw body).");
  if (r.contentType !== undefined && typeof r.contentType !== "string") bad("contentType", "Must be a string.");
  if (r.probability !== undefined && (typeof r.probability !== "number" || !(r.probability > 0 && r.probability <= 1)))
    bad("probability", "Must be a number > 0 and <= 1.");
  for (const f of ["afterHandler", "pass", "reset"] as const)
    if (r[f] !== undefined && typeof r[f] !== "boolean") bad(f, "Must be true or false.");
  optNum("truncateAt", 0);
  if ([r.pass, r.reset, r.truncateAt !== undefined].filter(Boolean).length > 1)
    bad("pass", "Give at most one of pass, reset and truncateAt.");
  const rule: Omit<FaultRule, "kind"> = {
    method: r.method?.toUpperCase(),
    path,
    status: r.status ?? 503,
    remaining: Math.floor(r.times ?? 1),
    retryAfter: r.retryAfter,
    body: r.body,
    contentType: r.contentType ?? "application/json",
    delayMs: r.delayMs ?? 0,
    afterHandler: r.afterHandler === true,
    probability: r.probability ?? 1,
    pass: r.pass === true,
    reset: r.reset === true,
    truncateAt: r.truncateAt === undefined ? undefined : Math.floor(r.truncateAt),
  };
  return { ...rule, kind: faultKind(rule) };
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private fired: FaultCounts = { total: 0, byKind: {} };
  latencyMs: number;

  constructor(
    private readonly defaultLatencyMs = 0,
    private readonly random: () => number = Math.random,
  ) {
    this.latencyMs = defaultLatencyMs;
  }

  /** Applies a `POST /_emulator/faults` body: appends `rules`, sets `latencyMs` when given. */
  configure(body: unknown): void {
    if (!isPlainObject(body))
      throw invalidInput({ non_field_errors: ["Expected an object with rules and/or latencyMs."] });
    const errors: FieldErrors = {};
    const rules = body.rules ?? [];
    if (!Array.isArray(rules)) addFieldError(errors, "rules", "Must be an array.");
    const parsed = Array.isArray(rules) ? rules.map((r, i) => parseRule(r, `rules[${i}]`, errors)) : [];
    const latency = body.latencyMs;
    if (latency !== undefined && (typeof latency !== "number" || !(latency >= 0)))
      addFieldError(errors, "latencyMs", "Must be a number >= 0.");
    if (Object.keys(errors).length) throw invalidInput(errors);
    this.rules.push(...(parsed as FaultRule[]));
    if (typeof latency === "number") this.latencyMs = latency;
  }

  /** Clears every rule and restores the start-up latency. */
  clear(): void {
    this.rules = [];
    this.latencyMs = this.defaultLatencyMs;
  }

  /** Faults fired so far, by kind (kept across `clear`; zeroed by `resetCounts`). */
  counts(): FaultCounts {
    return { total: this.fired.total, byKind: { ...this.fired.byKind } };
  }

  resetCounts(): void {
    this.fired = { total: 0, byKind: {} };
  }

  /** Rules still armed, for `GET /_emulator/faults`. */
  list(): Array<Record<string, unknown>> {
    return this.rules.map((r) => ({ ...r, path: r.path?.source }));
  }

  /**
   * Consumes, counts as fired and returns the first rule matching
   * the request (and winning its `probability` roll), if any.
   */
  take(method: string, path: string): FaultRule | undefined {
    const bare = path.replace(/^\/v1(?=\/|$)/, "") || "/";
    const index = this.rules.findIndex(
      (r) =>
        (r.method === undefined || r.method === method.toUpperCase()) &&
        (r.path === undefined || r.path.test(path) || r.path.test(bare)) &&
        (r.probability >= 1 || this.random() < r.probability),
    );
    if (index < 0) return undefined;
    const rule = this.rules[index];
    if (--rule.remaining <= 0) this.rules.splice(index, 1);
    this.fired.total++;
    this.fired.byKind[rule.kind] = (this.fired.byKind[rule.kind] ?? 0) + 1;
    return rule;
  }
}

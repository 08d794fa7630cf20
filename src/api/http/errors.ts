/**
 * Typed errors for every HTTP client in src/api (generic: no Cloudsmith or CodeArts specifics).
 *
 * Rules that keep secrets out of logs:
 * - an error carries only plain data (status, operation, path without query, API detail, field messages);
 *   never the underlying network error, request options or headers (those hold X-Api-Key / X-Auth-Token);
 * - every text that came from the server is passed through `redact()` with the client's known secrets.
 * - control characters in any of it (an id, a name, a server's detail) are shown escaped.
 */
import { escapeControl } from "../../util/escape";

export interface ApiErrorInit {
  /** Operation name, e.g. the OpenAPI operationId `entitlements_create`. */
  operation: string;
  method: string;
  /** Request path (no query string), e.g. `/entitlements/acme/prod/`. */
  path: string;
  /** Human subject used in the message, e.g. `acme/prod/slugperm`. Defaults to `${method} ${path}`. */
  subject?: string;
  status?: number;
  detail?: string;
  fields?: Record<string, string[]>;
  code?: string;
  retryAfterSeconds?: number;
  ambiguous?: boolean;
  /** Replaces the generated `status detail` part of the message (used for network and shape errors). */
  reason?: string;
  /**
   * On an AuthError: what to check, from the client that knows which credentials it sent, e.g.
   * "check CLOUDSMITH_API_KEY". Not part of the message (the CLI adds it once for many failures).
   */
  authHint?: string;
}

export class ApiError extends Error {
  status?: number;
  operation: string;
  method: string;
  path: string;
  detail?: string;
  fields: Record<string, string[]>;
  code?: string;
  retryAfterSeconds?: number;
  /** True when a write may or may not have happened (e.g. 5xx/timeout/reset after a POST was sent). */
  ambiguous: boolean;
  /** See ApiErrorInit.authHint. */
  authHint?: string;

  constructor(init: ApiErrorInit) {
    super(formatMessage(init));
    Object.defineProperty(this, "name", {
      value: new.target.name,
      enumerable: false,
      configurable: true,
      writable: true,
    });
    this.status = init.status;
    this.operation = init.operation;
    this.method = init.method;
    this.path = init.path;
    this.detail = init.detail;
    this.fields = init.fields ?? {};
    this.code = init.code;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.ambiguous = init.ambiguous ?? false;
    this.authHint = init.authHint;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      operation: this.operation,
      method: this.method,
      path: this.path,
      detail: this.detail,
      fields: this.fields,
      code: this.code,
      retryAfterSeconds: this.retryAfterSeconds,
      ambiguous: this.ambiguous,
      authHint: this.authHint,
    };
  }
}

/** 404: missing, or not visible to the caller. */
export class NotFoundError extends ApiError {}
/** 401/403: bad or missing credentials, or no permission. */
export class AuthError extends ApiError {}
/** 429 still returned after all retries. */
export class RateLimitedError extends ApiError {}
/**
 * 400/422: the request was rejected as sent; see `fields`. Cloudsmith documents 422 for field
 * errors and 400 for a body it cannot parse (https://help.cloudsmith.io/reference/http-responses,
 * https://help.cloudsmith.io/reference/error-handling), and its spec lists both on every operation:
 * decide with `isRejected`, never on one of the two numbers.
 */
export class ValidationError extends ApiError {}
/** 5xx. */
export class ServerError extends ApiError {}
/** No HTTP response (connection refused/reset, timeout, DNS). `code` holds the system code. */
export class NetworkError extends ApiError {}
/** A 2xx body that is not JSON or does not match the expected schema. */
export class ResponseShapeError extends ApiError {}

export function isNotFound(e: unknown): e is NotFoundError {
  return e instanceof NotFoundError || (e instanceof ApiError && e.status === 404);
}

/** 400 or 422: the API refused the request as sent (see ValidationError). */
export function isRejected(e: unknown): e is ValidationError {
  return e instanceof ValidationError || (e instanceof ApiError && (e.status === 400 || e.status === 422));
}

/** Picks the error class for an HTTP status. */
export function errorClassForStatus(status: number): typeof ApiError {
  if (status === 404) return NotFoundError;
  if (status === 401 || status === 403) return AuthError;
  if (status === 429) return RateLimitedError;
  if (status === 400 || status === 422) return ValidationError;
  if (status >= 500) return ServerError;
  return ApiError;
}

const STATUS_TEXT: Record<number, string> = {
  // Redirects are never followed (they would carry the API key along): say what came back.
  301: "Moved Permanently",
  302: "Found",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function formatMessage(init: ApiErrorInit): string {
  const subject = init.subject ?? `${init.method} ${init.path}`;
  let body: string;
  if (init.reason !== undefined) body = init.reason;
  else {
    const status = init.status === undefined ? "" : String(init.status);
    const detail = init.detail ?? (init.status !== undefined ? STATUS_TEXT[init.status] : undefined) ?? "";
    body = [status, detail].filter((s) => s !== "").join(" ");
  }
  const fieldText = Object.entries(init.fields ?? {})
    .map(([f, msgs]) => `${f}: ${msgs.join(" ")}`)
    .join("; ");
  const text = fieldText ? `${body} (${fieldText})` : body;
  return escapeControl(oneLine(`${init.operation} ${subject}: ${text}`));
}

/** Collapses whitespace/newlines so messages stay on one line. */
export function oneLine(s: string, max = 1000): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Replaces every occurrence of a known secret with `***`. Secrets shorter than 4 chars are ignored. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join("***");
  }
  return out;
}

/**
 * Flattens loosely-shaped field errors into `{field: string[]}`.
 * Accepts `string`, `string[]`, `{detail}`/`{message}`, and nested objects (nested keys become `key: msg`).
 */
export function flattenFieldErrors(raw: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return out;
  for (const [field, value] of Object.entries(raw as Record<string, unknown>)) {
    const msgs = collectMessages(value, 0);
    if (msgs.length > 0) out[field] = msgs;
  }
  return out;
}

function collectMessages(v: unknown, depth: number): string[] {
  if (depth > 5 || v === null || v === undefined) return [];
  if (typeof v === "string") return v.trim() ? [v] : [];
  if (typeof v === "number" || typeof v === "boolean") return [String(v)];
  if (Array.isArray(v)) return v.flatMap((x) => collectMessages(x, depth + 1));
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const own = ["detail", "message", "msg", "error"].flatMap((k) =>
      typeof o[k] === "string" ? [o[k] as string] : [],
    );
    if (own.length > 0) return own;
    return Object.entries(o).flatMap(([k, x]) => collectMessages(x, depth + 1).map((m) => `${k}: ${m}`));
  }
  return [];
}

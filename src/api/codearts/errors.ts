/**
 * CodeArts Repo / IAM error handling: the `{error_code, error_msg}` body (v4 and API gateway), the
 * v1/v2 `{error: {code, message}}` body and IAM's keystone `{error: {code, message, title}}`, plus
 * predicates over the typed errors of src/api/http (codearts-repo-api.md §5).
 */
import { ApiError, oneLine } from "../http/errors";
import type { ParsedErrorBody } from "../http/transport";

/** Error codes reposmith acts on (codearts-repo-api.md §5). */
export const CODEARTS_ERROR_CODES = {
  /** 401: the IAM token expired. Renew once, retry once. */
  TOKEN_EXPIRED: "DEV.00000003",
  /** 401 from the API gateway: bad or expired IAM authentication information. Renew once, retry once. */
  GATEWAY_AUTH: "APIG.0301",
  /** 401: no permission on the resource (terraform reads it as "repository deleted or member removed"). Never renewed. */
  NO_RESOURCE_PERMISSION: "CH.080401",
  FORBIDDEN: "CH.080403",
  /** 403: insufficient permissions (e.g. no `codeartsrepo:repository:setRepository`). */
  INSUFFICIENT_PERMISSION: "CH.004403",
  NOT_FOUND: "CH.000404",
  REPOSITORY_NOT_FOUND: "CH.004404",
  INVALID_PARAMETER: "CH.010001",
  THROTTLED: "APIG.0308",
  UNKNOWN: "CH.000001",
  GATEWAY_TIMEOUT: "CH.080504",
} as const;

/** The 401 codes after which a fresh IAM token may help. */
const RENEWABLE = new Set<string>([CODEARTS_ERROR_CODES.TOKEN_EXPIRED, CODEARTS_ERROR_CODES.GATEWAY_AUTH]);

/** Bad or missing client configuration (HW_* variables, endpoint URLs). */
export class CodeArtsConfigError extends Error {
  constructor(message: string) {
    super(message);
    Object.defineProperty(this, "name", { value: "CodeArtsConfigError", enumerable: false, configurable: true, writable: true });
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : typeof v === "number" ? String(v) : undefined);

/**
 * Maps an error body to `detail` = "<code> <message>" (so messages read `403 CH.004403 Insufficient
 * permissions...`) and `code`. Non-JSON bodies (gateways, proxies) keep a short plain-text detail.
 */
export function parseCodeArtsErrorBody(json: unknown, text: string): ParsedErrorBody {
  if (json && typeof json === "object" && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    let code = str(o.error_code);
    let msg = str(o.error_msg);
    if (o.error && typeof o.error === "object") {
      const e = o.error as Record<string, unknown>;
      code ??= str(e.code);
      msg ??= str(e.message) ?? str(e.title);
    }
    msg ??= str(o.message) ?? str(o.detail);
    // IAM's keystone body carries the HTTP status as its "code": not an error code worth showing.
    if (code !== undefined && /^\d+$/.test(code)) code = undefined;
    if (code !== undefined || msg !== undefined) {
      return { code, detail: [code, msg].filter((s) => s !== undefined).join(" ") };
    }
  }
  const t = text.trim();
  return t && !t.startsWith("<") ? { detail: oneLine(t, 200) } : {};
}

/** 401 DEV.00000003 / APIG.0301: the token is expired or unreadable; a fresh one may succeed. */
export function isTokenExpired(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 401 && e.code !== undefined && RENEWABLE.has(e.code);
}

/** 404 (CH.000404, CH.004404 or any other 404). */
export function isCodeArtsNotFound(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 404;
}

/** 401 CH.080401: no permission on the resource; on a read it may mean the repository is gone. */
export function isNoResourcePermission(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 401 && e.code === CODEARTS_ERROR_CODES.NO_RESOURCE_PERMISSION;
}

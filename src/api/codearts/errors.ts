/**
 * CodeArts Repo / IAM error handling: the `{error_code, error_msg}` body (v4 and API gateway), the
 * v1/v2 `{error: {code, message}}` body and IAM's keystone `{error: {code, message, title}}`, plus
 * predicates over the typed errors of src/api/http
 * (https://support.huaweicloud.com/intl/en-us/api-codeartsrepo/ErrorCode.html).
 */
import { ApiError, oneLine } from "../http/errors";
import type { ParsedErrorBody } from "../http/transport";

/** Error codes reposmith acts on (the error-code page above, and each operation's page). */
const CODEARTS_ERROR_CODES = {
  /** 401: the IAM token expired. Renew once, retry once. */
  TOKEN_EXPIRED: "DEV.00000003",
  /** 401 from the API gateway: bad or expired IAM authentication information. Renew once, retry once. */
  GATEWAY_AUTH: "APIG.0301",
  /**
   * 401: no permission on the resource (terraform reads it as "repository deleted or member removed"). Never renewed.
   */
  NO_RESOURCE_PERMISSION: "CH.080401",
  FORBIDDEN: "CH.080403",
  /** 403: insufficient permissions (e.g. no `codeartsrepo:repository:setRepository`). */
  INSUFFICIENT_PERMISSION: "CH.004403",
  /** 404 "Resource unavailable": any resource (a repository, or a mirror not associated yet). */
  NOT_FOUND: "CH.000404",
  REPOSITORY_NOT_FOUND: "CH.004404",
  INVALID_PARAMETER: "CH.010001",
  THROTTLED: "APIG.0308",
  /** 404 from the API gateway: no such route (host, path or method). Never "not found" for a repository or mirror. */
  GATEWAY_ROUTE_NOT_FOUND: "APIG.0101",
  UNKNOWN: "CH.000001",
  GATEWAY_TIMEOUT: "CH.080504",
} as const;

/** The 401 codes after which a fresh IAM token may help. */
const RENEWABLE = new Set<string>([CODEARTS_ERROR_CODES.TOKEN_EXPIRED, CODEARTS_ERROR_CODES.GATEWAY_AUTH]);

/** Bad or missing client configuration (HW_* variables, endpoint URLs). */
export class CodeArtsConfigError extends Error {
  constructor(message: string) {
    super(message);
    Object.defineProperty(this, "name", {
      value: "CodeArtsConfigError",
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }
}

const str = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v : typeof v === "number" ? String(v) : undefined;

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

/**
 * A 404 from CodeArts Repo itself (its codes start with "CH.", e.g. CH.004404 Repository Not Found,
 * https://support.huaweicloud.com/intl/en-us/api-codeartsrepo/StartRemoteMirrorSynchronization.html).
 * Not a gateway 404 (isGatewayNotFound) and not a 404 without a code (a proxy's page): neither
 * says anything about the repository or its mirror.
 */
export function isCodeArtsNotFound(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 404 && !!e.code?.startsWith("CH.");
}

/**
 * A 404 from Huawei Cloud's API gateway in front of CodeArts (codes APIG.* / APIGW.*; APIG.0101 "The
 * API does not exist or has not been published in the environment",
 * https://support.huaweicloud.com/intl/en-us/usermanual-apig/apig_03_0048.html): the host, path or
 * method is wrong, so it never means that a repository or a mirror is missing.
 */
export function isGatewayNotFound(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 404 && /^APIGW?\./.test(e.code ?? "");
}

/** What to check after a gateway 404 (see isGatewayNotFound). */
export const GATEWAY_NOT_FOUND_HINT =
  "this 404 comes from Huawei Cloud's API gateway, not from CodeArts Repo: the endpoint does not serve this route; " +
  "check HW_CODEARTS_REPO_ENDPOINT (or the CodeArtsConnection's endpoint and region)";

/** 401 CH.080401: no permission on the resource; on a read it may mean the repository is gone. */
export function isNoResourcePermission(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 401 && e.code === CODEARTS_ERROR_CODES.NO_RESOURCE_PERMISSION;
}

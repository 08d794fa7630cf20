/** Cloudsmith-specific error handling: configuration errors and the (loose) error body shape. */
import { flattenFieldErrors, oneLine } from "../http/errors";
import type { ParsedErrorBody } from "../http/transport";
import { ErrorDetailSchema } from "./schemas";

/** Bad or missing client configuration (e.g. CLOUDSMITH_API_KEY not set). */
export class CloudsmithConfigError extends Error {
  constructor(message: string) {
    super(message);
    Object.defineProperty(this, "name", {
      value: "CloudsmithConfigError",
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }
}

/**
 * Parses both the documented `{detail, fields: {f: [msg]}}` and the looser real-world
 * `{code, detail, fields: {f: {detail}}}` (docs/api/cloudsmith.md#errors;
 * https://github.com/cloudsmith-io/terraform-provider-cloudsmith/issues/199).
 * Non-JSON bodies (proxies, gateways) keep a short plain-text detail.
 */
export function parseCloudsmithErrorBody(json: unknown, text: string): ParsedErrorBody {
  const parsed = ErrorDetailSchema.safeParse(json);
  if (parsed.success && json !== null && typeof json === "object" && !Array.isArray(json)) {
    const { detail, code, fields } = parsed.data;
    const fieldErrors = flattenFieldErrors(fields);
    // DRF may also put field errors at the top level ({"name": ["..."]}) or under non_field_errors.
    if (detail === undefined && fields === undefined) {
      Object.assign(fieldErrors, flattenFieldErrors(json));
    }
    return {
      detail:
        typeof detail === "string" ? detail : detail !== undefined ? oneLine(JSON.stringify(detail), 300) : undefined,
      code: typeof code === "string" ? code : code !== undefined ? String(code) : undefined,
      fields: fieldErrors,
    };
  }
  const t = text.trim();
  return t && !t.startsWith("<") ? { detail: oneLine(t, 200) } : {};
}

/**
 * Validation of entitlement-token request bodies, reporting errors the way Django REST framework
 * does (`{"detail":"Invalid input.","fields":{"<field>":["<message>"]}}`). Read-only and unknown
 * fields are ignored, as DRF ignores them.
 */
import { FieldErrors, addFieldError, invalidInput } from "../errors";
import { formatMicros, isPlainObject, pythonTypeName } from "../util";
import { BANDWIDTH_UNITS, RESET_PERIODS, WritableTokenFields } from "./token-model";

/** create: `name` required. patch: all optional. refresh: `name` is read-only (ignored). */
export type TokenBodyMode = "create" | "patch" | "refresh";

const INT64_MAX = 9223372036854775807;
const QUERY_MAX_LENGTH = 1024;
const DATETIME_FORMAT_HELP =
  "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d{0,6})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
/** Custom token values, per Cloudsmith's docs: 8-48 chars of [A-Za-z0-9._-] starting alphanumeric. */
const TOKEN_VALUE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{7,47}$/;

/**
 * Parses an ISO-8601 date-time (Django's parse_datetime rules; naive values are taken as UTC) and
 * returns it normalised to `YYYY-MM-DDTHH:MM:SS.ffffffZ`, or undefined when invalid.
 */
export function normalizeDateTime(value: string): string | undefined {
  const m = DATETIME_RE.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number);
  const micro = Number((m[7] ?? "").padEnd(6, "0"));
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== y ||
    check.getUTCMonth() !== mo - 1 ||
    check.getUTCDate() !== d ||
    check.getUTCHours() !== h ||
    check.getUTCMinutes() !== mi ||
    check.getUTCSeconds() !== s
  )
    return undefined;
  let offsetMin = 0;
  const tz = m[8];
  if (tz && tz.toUpperCase() !== "Z") {
    const digits = tz.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || "0");
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (tz[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  return formatMicros((utc - offsetMin * 60_000) * 1000 + micro);
}

type Reader = (value: unknown, errors: string[]) => unknown;

function notNull(read: Reader): Reader {
  return (value, errors) => {
    if (value === null) {
      errors.push("This field may not be null.");
      return undefined;
    }
    return read(value, errors);
  };
}

function nullable(read: Reader): Reader {
  return (value, errors) => (value === null ? null : read(value, errors));
}

const readBool: Reader = (value, errors) => {
  if (typeof value === "boolean") return value;
  errors.push("Must be a valid boolean.");
  return undefined;
};

const readCount: Reader = (value, errors) => {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    errors.push("A valid integer is required.");
    return undefined;
  }
  if (value < 0) errors.push("Ensure this value is greater than or equal to 0.");
  if (value > INT64_MAX) errors.push(`Ensure this value is less than or equal to ${INT64_MAX}.`);
  return value;
};

function readString(opts: { maxLength?: number; blankAsNull?: boolean }): Reader {
  return (value, errors) => {
    if (typeof value !== "string") {
      errors.push("Not a valid string.");
      return undefined;
    }
    if (value.trim() === "") {
      if (opts.blankAsNull) return null;
      errors.push("This field may not be blank.");
      return undefined;
    }
    if (opts.maxLength !== undefined && value.length > opts.maxLength) {
      errors.push(`Ensure this field has no more than ${opts.maxLength} characters.`);
    }
    return value;
  };
}

function readChoice(choices: readonly string[]): Reader {
  return (value, errors) => {
    if (typeof value === "string" && choices.includes(value)) return value;
    const shown = typeof value === "string" ? value : JSON.stringify(value);
    errors.push(`"${shown}" is not a valid choice.`, `Valid choices are: ${choices.join(", ")}.`);
    return undefined;
  };
}

const readDateTime: Reader = (value, errors) => {
  const normalized = typeof value === "string" ? normalizeDateTime(value) : undefined;
  if (normalized === undefined) errors.push(DATETIME_FORMAT_HELP);
  return normalized;
};

const readTokenValue: Reader = (value, errors) => {
  const s = readString({})(value, errors);
  if (typeof s === "string" && !TOKEN_VALUE_RE.test(s)) {
    errors.push(
      "Enter a valid token: 8 to 48 characters of letters, numbers, '.', '_' or '-', starting with a letter or number.",
    );
  }
  return s;
};

const readMetadata: Reader = (value, errors) => {
  if (isPlainObject(value)) return value;
  errors.push(`Expected a dictionary of items but got type "${pythonTypeName(value)}".`);
  return undefined;
};

const FIELD_READERS: Record<keyof WritableTokenFields, Reader> = {
  name: notNull(readString({})),
  token: notNull(readTokenValue),
  is_active: notNull(readBool),
  eula_required: notNull(readBool),
  limit_bandwidth: nullable(readCount),
  limit_bandwidth_unit: nullable(readChoice(BANDWIDTH_UNITS)),
  limit_num_clients: nullable(readCount),
  limit_num_downloads: nullable(readCount),
  limit_date_range_from: nullable(readDateTime),
  limit_date_range_to: nullable(readDateTime),
  limit_package_query: nullable(readString({ maxLength: QUERY_MAX_LENGTH, blankAsNull: true })),
  limit_path_query: nullable(readString({ maxLength: QUERY_MAX_LENGTH, blankAsNull: true })),
  scheduled_reset_period: nullable(readChoice(RESET_PERIODS)),
  scheduled_reset_at: nullable(readDateTime),
  metadata: nullable(readMetadata),
};

/** Throws the DRF-style 400 for a body that is not a JSON object. */
export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (isPlainObject(body)) return body;
  throw invalidInput({
    non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(body)}.`],
  });
}

/**
 * Reads the writable token fields present in `body`. Collects field errors into `errors` and
 * returns only the fields that parsed.
 */
export function readTokenFields(
  body: Record<string, unknown>,
  mode: TokenBodyMode,
  errors: FieldErrors,
): Partial<WritableTokenFields> {
  const out: Record<string, unknown> = {};
  for (const [field, read] of Object.entries(FIELD_READERS)) {
    if (field === "name" && mode === "refresh") continue;
    if (!Object.prototype.hasOwnProperty.call(body, field)) {
      if (field === "name" && mode === "create") addFieldError(errors, field, "This field is required.");
      continue;
    }
    const messages: string[] = [];
    const value = read(body[field], messages);
    if (messages.length) for (const msg of messages) addFieldError(errors, field, msg);
    else if (value !== undefined) out[field] = value;
  }
  return out as Partial<WritableTokenFields>;
}

/** Adds an error when the validity window ends before it starts. */
export function checkDateRange(
  merged: Pick<WritableTokenFields, "limit_date_range_from" | "limit_date_range_to">,
  errors: FieldErrors,
): void {
  const { limit_date_range_from: from, limit_date_range_to: to } = merged;
  if (from && to && to < from) {
    addFieldError(
      errors,
      "limit_date_range_to",
      "Ensure the end of the date range is after its start (limit_date_range_from).",
    );
  }
}

/** Parses a token body, validates the merged result and throws a 400 on any error. */
export function parseTokenBody(
  body: unknown,
  mode: TokenBodyMode,
  current?: Pick<WritableTokenFields, "limit_date_range_from" | "limit_date_range_to">,
): Partial<WritableTokenFields> {
  const errors: FieldErrors = {};
  const fields = readTokenFields(requireObjectBody(body), mode, errors);
  checkDateRange(
    {
      limit_date_range_from:
        fields.limit_date_range_from !== undefined
          ? fields.limit_date_range_from
          : (current?.limit_date_range_from ?? null),
      limit_date_range_to:
        fields.limit_date_range_to !== undefined ? fields.limit_date_range_to : (current?.limit_date_range_to ?? null),
    },
    errors,
  );
  if (Object.keys(errors).length) throw invalidInput(errors);
  return fields;
}

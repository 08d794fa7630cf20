/**
 * One error type for every emulated API: a status, a JSON (or raw) body and optional headers.
 * Route handlers throw it; each family's error handler turns it into the reply.
 */

export class ApiError extends Error {
  /** Fastify reads `statusCode` when an error escapes a content-type parser. */
  readonly statusCode: number;

  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(
      typeof body === "object" && body && "detail" in body
        ? String((body as { detail: unknown }).detail)
        : `HTTP ${status}`,
    );
    this.statusCode = status;
  }
}

/** Field name → list of messages, as Django REST framework reports validation errors. */
export type FieldErrors = Record<string, string[]>;

/** Adds a message to a field's list. */
export function addFieldError(errors: FieldErrors, field: string, message: string): void {
  (errors[field] ??= []).push(message);
}

/**
 * A request rejected for its fields: `{"detail":"Invalid input.","fields":{...}}` (the documented
 * ErrorDetail shape). 400 unless the family answering decides otherwise (Cloudsmith: a setting,
 * 422 by default); admin routes answer 400.
 */
export class FieldValidationError extends ApiError {
  constructor(readonly fields: FieldErrors) {
    super(400, { detail: "Invalid input.", fields });
  }
}

/** See FieldValidationError. */
export function invalidInput(fields: FieldErrors): FieldValidationError {
  return new FieldValidationError(fields);
}

/** 404 `{"detail":"Not found."}`. */
export function notFound(): ApiError {
  return new ApiError(404, { detail: "Not found." });
}

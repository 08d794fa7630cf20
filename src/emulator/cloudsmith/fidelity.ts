/**
 * How strict the emulated Cloudsmith API is where the documents leave a choice (settings.ts): the
 * status of field validation errors and what a path without its trailing slash gets.
 */
import type { FastifyInstance } from "fastify";
import type { EmulatorContext } from "../context";
import { ApiError, FieldValidationError, notFound } from "../errors";
import { replyError, requestPath } from "../http";

/**
 * Field errors with the status the settings say, in the documented ErrorDetail shape either way
 * (`{"detail","fields":{"f":["..."]}}`). The looser observed shape (a `code` key, object-valued
 * `fields`: https://github.com/cloudsmith-io/terraform-provider-cloudsmith/issues/199) stays with
 * the one route known for it, entitlements_sync's `source` errors.
 */
function cloudsmithError(error: unknown, ctx: EmulatorContext): unknown {
  if (!(error instanceof FieldValidationError)) return error;
  const status = ctx.store.cloudsmith.settings.fieldErrorStatus;
  return status === error.status ? error : new ApiError(status, error.body, error.headers);
}

/**
 * Adds, before auth and rate limiting (a Django middleware answers before any view runs), the
 * missing-slash behaviour and the Cloudsmith error handler. Every Cloudsmith route ends in `/`, and
 * the router ignores a missing one, so "matched a route but lacks the slash" is exactly Django's
 * "the path with a slash appended resolves".
 */
export function registerFidelityHooks(scope: FastifyInstance, ctx: EmulatorContext): void {
  scope.setErrorHandler((error, request, reply) => replyError(cloudsmithError(error, ctx), request, reply));
  scope.addHook("onRequest", async (request, reply) => {
    const path = requestPath(request);
    if (path.endsWith("/") || !request.routeOptions.url?.endsWith("/")) return;
    const mode = ctx.store.cloudsmith.settings.missingSlash;
    if (mode === "lenient") return;
    if (mode === "not-found") throw notFound();
    // Django's HttpResponsePermanentRedirect: a relative Location with the query kept, an empty body.
    return reply
      .code(301)
      .header("location", `${path}/${request.url.slice(path.length)}`)
      .type("text/html; charset=utf-8")
      .send("");
  });
}

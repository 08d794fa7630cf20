/** HTTP plumbing shared by every family: JSON body parsing, error replies, URLs. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "./errors";

/**
 * JSON bodies parsed like Django REST framework: an empty body is "no data", malformed JSON is a
 * 400 `{"detail":"JSON parse error - ..."}`.
 */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new ApiError(400, { detail: `JSON parse error - ${(e as Error).message}` }), undefined);
    }
  });
  // Body-less actions (enable, disable, reset, refresh) arrive with whatever Content-Type the
  // client's library adds; Django REST accepts an empty body of any type. A non-empty body of a
  // type it cannot parse gets its 415 message.
  app.addContentTypeParser("*", { parseAs: "string" }, (req, body, done) => {
    if (String(body).trim() === "") return done(null, undefined);
    done(
      new ApiError(415, { detail: `Unsupported media type "${req.headers["content-type"]}" in request.` }),
      undefined,
    );
  });
}

/** Sends an ApiError, a Fastify client error as `{"detail": ...}`, or a 500. */
export function replyError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ApiError) {
    reply.code(error.status).headers(error.headers);
    return error.body === undefined ? reply.send() : reply.send(error.body);
  }
  const err = error as { statusCode?: number; message?: string };
  if (typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) {
    return reply.code(err.statusCode).send({ detail: err.message ?? "Bad request." });
  }
  request.log.error(error);
  return reply.code(500).send({ detail: "A server error occurred." });
}

/** `http://host:port` as the client addressed the server (from the Host header). */
export function rootUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.host}`;
}

/** The absolute URL of the request, as sent (prefix and query string included). */
export function requestUrl(request: FastifyRequest): string {
  return `${rootUrl(request)}${request.url}`;
}

/** The request path without its query string. */
export function requestPath(request: FastifyRequest): string {
  const q = request.url.indexOf("?");
  return q < 0 ? request.url : request.url.slice(0, q);
}

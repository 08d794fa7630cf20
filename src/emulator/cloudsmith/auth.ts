/**
 * Cloudsmith authentication and the emulated rate limit, as onRequest hooks.
 * `X-Api-Key: <key>` (spec scheme `apikey`) or `Authorization: token <key>` (older docs);
 * `Authorization: Bearer <key>` only when the emulator was started with `acceptBearer`.
 * Other Authorization schemes are ignored, as Django REST framework ignores them.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { EmulatorContext } from "../context";
import { ApiError } from "../errors";

export type AuthResult = "authenticated" | "anonymous" | ApiError;

const NOT_PROVIDED = { detail: "Authentication credentials were not provided." };
const UNAUTHORIZED_HEADERS = { "www-authenticate": 'Token realm="api"' };

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Who the request is, or the 401 to answer with when its credentials are wrong. */
export function authenticate(request: FastifyRequest, ctx: EmulatorContext): AuthResult {
  const check = (key: string) =>
    key === ctx.apiKey ? "authenticated" : new ApiError(401, { detail: "Invalid token." }, UNAUTHORIZED_HEADERS);
  const apiKey = header(request, "x-api-key");
  if (apiKey) return check(apiKey.trim());
  const authorization = header(request, "authorization");
  if (authorization) {
    const [scheme, ...rest] = authorization.trim().split(/\s+/);
    const credential = rest.join(" ");
    switch (scheme.toLowerCase()) {
      case "token":
        return check(credential);
      case "bearer":
        if (ctx.acceptBearer) return check(credential);
        break;
      case "basic":
        return new ApiError(401, { detail: "Invalid username/password." }, UNAUTHORIZED_HEADERS);
    }
  }
  return "anonymous";
}

/** Route config flag: the route answers anonymous callers too (user_self). */
export interface CloudsmithRouteConfig {
  anonymous?: boolean;
}

/** Adds the rate-limit and auth hooks to a Cloudsmith scope. */
export function registerCloudsmithHooks(scope: FastifyInstance, ctx: EmulatorContext): void {
  scope.addHook("onRequest", async (request, reply) => {
    const decision = ctx.rateLimit.hit();
    reply.headers(decision.headers);
    if (decision.throttledFor !== undefined) {
      // Cloudsmith documents only the X-RateLimit-* headers (already on the reply); Retry-After is a setting.
      const headers: Record<string, string> = ctx.store.cloudsmith.settings.retryAfter
        ? { "retry-after": String(decision.throttledFor) }
        : {};
      throw new ApiError(
        429,
        { detail: `Request was throttled. Expected available in ${decision.throttledFor} seconds.` },
        headers,
      );
    }
    const auth = authenticate(request, ctx);
    if (auth instanceof ApiError) throw auth;
    const config = request.routeOptions.config as CloudsmithRouteConfig;
    if (auth === "anonymous" && !config.anonymous) throw new ApiError(401, NOT_PROVIDED, UNAUTHORIZED_HEADERS);
  });
}

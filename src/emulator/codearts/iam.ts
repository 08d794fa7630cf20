/**
 * IAM `POST /v3/auth/tokens` (password method, project or domain scope) → 201 with the token in the
 * `X-Subject-Token` header, and the `X-Auth-Token` check every CodeArts route makes
 * (docs/api/codearts-repo.md#token-expiry): expired → 401 DEV.00000003; missing or unknown → 401 APIG.0301.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../errors";
import { formatMicros, isPlainObject } from "../util";
import { caError } from "./model";
import type { CodeArtsStore } from "./store";

const keystoneError = (status: number, title: string, message: string) =>
  new ApiError(status, { error: { code: status, message, title } });
const idOf = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 32);

export function registerIamRoutes(scope: FastifyInstance, store: CodeArtsStore): void {
  scope.post("/v3/auth/tokens", async (request, reply) => {
    const body = request.body as any;
    const identity = isPlainObject(body) && isPlainObject(body.auth) ? (body.auth as any).identity : undefined;
    const user = identity?.password?.user as
      { name?: unknown; password?: unknown; domain?: { name?: unknown } } | undefined;
    const ok =
      Array.isArray(identity?.methods) &&
      identity.methods.includes("password") &&
      typeof user?.name === "string" &&
      typeof user.password === "string" &&
      typeof user.domain?.name === "string";
    if (!ok || !user) {
      throw keystoneError(
        400,
        "Bad Request",
        "The request body is invalid: auth.identity.password.user {name, password, domain.name} is required.",
      );
    }
    const scopeDoc = body.auth.scope;
    const project = scopeDoc?.project?.name ?? scopeDoc?.project?.id;
    if (project === undefined && scopeDoc?.domain === undefined)
      throw keystoneError(400, "Bad Request", "The request body is invalid: auth.scope is required.");
    const found = store.users.find(
      (u) => u.domain === user.domain?.name && u.name === user.name && u.password === user.password,
    );
    if (!found) throw keystoneError(401, "Unauthorized", "The username or password is wrong.");
    const token = store.issueToken(found, String(project ?? ""));
    const issued = Date.now();
    const advertised = store.settings.advertisedTtlMs ?? store.settings.tokenTtlMs;
    const domain = { id: idOf(`domain:${found.domain}`), name: found.domain };
    reply.code(201).header("X-Subject-Token", token.value);
    return {
      token: {
        expires_at: formatMicros((issued + advertised) * 1000),
        issued_at: formatMicros(issued * 1000),
        methods: ["password"],
        user: { id: idOf(`user:${found.domain}/${found.name}`), name: found.name, domain, password_expires_at: "" },
        ...(project !== undefined
          ? { project: { id: idOf(`project:${project}`), name: String(project), domain } }
          : { domain }),
        roles: [{ id: idOf("role:te_admin"), name: "te_admin" }],
        catalog: [],
      },
    };
  });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** onRequest hook of the CodeArts v4 scope. */
export function registerTokenCheck(scope: FastifyInstance, store: CodeArtsStore): void {
  scope.addHook("onRequest", async (request) => {
    const value = header(request, "x-auth-token")?.trim();
    if (!value) throw caError(401, "APIG.0301", "Incorrect IAM authentication information: x-auth-token not found");
    const token = store.tokens.get(value);
    if (!token) throw caError(401, "APIG.0301", "Incorrect IAM authentication information: decrypt token fail");
    if (Date.now() >= token.expiresAt) {
      store.counters.expiredRejections++;
      throw caError(401, "DEV.00000003", "Authentication information expired.");
    }
  });
}

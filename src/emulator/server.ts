/**
 * The emulator's HTTP server. Every API family is registered once per path prefix inside a scope
 * that counts the request, applies latency and fault rules, then hands over to the family's own
 * hooks (auth, rate limit) and routes. Adding an API family = adding it to FAMILIES.
 */
import Fastify, { FastifyInstance, FastifyRequest } from "fastify";
import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ADMIN_PREFIX, registerAdminRoutes, resetAll, statsOf } from "./admin";
import { cloudsmithFamily } from "./cloudsmith";
import { codeartsFamily } from "./codearts";
import type { ApiFamily, EmulatorContext } from "./context";
import { FaultInjector, FaultRule, faultReply } from "./faults";
import { registerJsonParser, replyError, requestPath } from "./http";
import { RateLimiter } from "./ratelimit";
import { RequestStats, routeTemplate } from "./stats";
import { EmulatorStore } from "./store";
import type { Emulator, EmulatorOptions } from "./types";
import { delay } from "./util";

const FAMILIES: ApiFamily[] = [cloudsmithFamily, codeartsFamily];

function createContext(opts: EmulatorOptions): EmulatorContext {
  return {
    store: new EmulatorStore(),
    faults: new FaultInjector(opts.latencyMs ?? 0),
    rateLimit: new RateLimiter(),
    stats: new RequestStats(),
    apiKey: opts.apiKey,
    acceptBearer: opts.acceptBearer ?? false,
  };
}

/** Counting, latency and faults around every API route of a family scope. */
function registerApiPipeline(scope: FastifyInstance, ctx: EmulatorContext, prefix: string): void {
  const lateFaults = new WeakMap<FastifyRequest, FaultRule>();
  scope.addHook("onRequest", async (request, reply) => {
    ctx.stats.count(`${request.method} ${routeTemplate(request.routeOptions.url ?? request.url, prefix)}`);
    await delay(ctx.faults.latencyMs);
    const rule = ctx.faults.take(request.method, requestPath(request));
    if (!rule) return;
    if (rule.afterHandler) {
      lateFaults.set(request, rule);
      return;
    }
    await delay(rule.delayMs);
    if (rule.pass) return;
    const fault = faultReply(rule);
    if (rule.reset || rule.truncateAt !== undefined) {
      // Answered by hand: fastify must not go on to the handler (the reply never "ends").
      reply.hijack();
      const res = reply.raw;
      res.statusCode = fault.status;
      for (const [name, value] of Object.entries(fault.headers)) res.setHeader(name, value);
      spoilEnd(res, rule);
      res.end(fault.body);
      return;
    }
    return reply.code(fault.status).headers(fault.headers).send(fault.body);
  });
  // "The server did the write but the client saw an error": replace the real reply.
  scope.addHook("onSend", async (request, reply, payload) => {
    const rule = lateFaults.get(request);
    if (!rule) return payload;
    lateFaults.delete(request);
    // The write has happened; hold the reply (a client may die meanwhile), then spoil it.
    await delay(rule.delayMs);
    // Dropped connection or cut-short body: of the real reply.
    if (rule.reset || rule.truncateAt !== undefined) {
      spoilEnd(reply.raw, rule);
      return payload;
    }
    // Same status and no body given (or `pass`): the real reply, only late.
    if (rule.pass || (rule.status === reply.statusCode && rule.body === undefined)) return payload;
    const fault = faultReply(rule);
    reply.code(fault.status).headers(fault.headers);
    return fault.body;
  });
}

/**
 * Makes the response's final write go wrong: a `reset` rule drops the connection without sending
 * anything (headers are only flushed with the body), a `truncateAt` rule sends the head and the first
 * bytes of the body under the full Content-Length, then drops the connection.
 */
function spoilEnd(res: ServerResponse, rule: FaultRule): void {
  res.end = ((chunk?: unknown) => {
    const socket = res.socket;
    if (rule.truncateAt !== undefined && chunk !== undefined && chunk !== null && typeof chunk !== "function") {
      const body = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      if (!res.headersSent) res.setHeader("content-length", String(body.length));
      res.write(body.subarray(0, Math.min(rule.truncateAt, Math.max(0, body.length - 1))), () => socket?.destroy());
    } else {
      socket?.destroy();
    }
    return res;
  }) as ServerResponse["end"];
}

function buildServer(ctx: EmulatorContext, opts: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ?? false,
    routerOptions: { ignoreTrailingSlash: true },
    forceCloseConnections: true,
    // Seeds of thousands of tokens (benchmarks) exceed fastify's 1 MiB default.
    bodyLimit: 64 * 1024 * 1024,
  });
  registerJsonParser(app);
  app.setErrorHandler(replyError);
  app.setNotFoundHandler(async (request, reply) => {
    if (!requestPath(request).startsWith(ADMIN_PREFIX)) ctx.stats.count(`${request.method} (unmatched)`);
    return reply.code(404).send({ detail: "Not found." });
  });
  registerAdminRoutes(app, ctx, FAMILIES);
  for (const family of FAMILIES) {
    for (const prefix of family.prefixes) {
      app.register(
        async (scope) => {
          registerApiPipeline(scope, ctx, prefix);
          family.register(scope, ctx);
        },
        { prefix },
      );
    }
  }
  return app;
}

/** Starts the emulator and resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  if (typeof opts.apiKey !== "string" || opts.apiKey === "")
    throw new Error("startEmulator: apiKey must be a non-empty string");
  const ctx = createContext(opts);
  if (opts.seed) ctx.store.seed(opts.seed);
  const app = buildServer(ctx, opts);
  const host = opts.host ?? "127.0.0.1";
  await app.listen({ port: opts.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    close: () => (closed ??= app.close()),
    seed: (doc) => ctx.store.seed(doc),
    reset: () => resetAll(ctx),
    stats: () => statsOf(ctx),
  };
}

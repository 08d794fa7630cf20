/**
 * Admin routes under `/_emulator` (no API key, not counted in stats):
 *   POST   /_emulator/seed       merge a SeedDocument into the state → {"repositories":N,"tokens":N}
 *   POST   /_emulator/reset      empty state, stats, faults, rate limit → 204
 *   GET    /_emulator/stats      {"requests":{"total":N,"byRoute":{"GET /entitlements/{owner}/{repo}/":N}},
 *                                  "faults":{"total":N,"byKind":{"status 429":N,"connection reset (after handler)":N}}}
 *   GET    /_emulator/state      the state in seed format, secrets and hidden counters included
 *   POST   /_emulator/faults     {"rules":[FaultRuleInput...],"latencyMs":N} (rules are appended) → armed rules
 *   GET    /_emulator/faults     {"rules":[...],"latencyMs":N}
 *   DELETE /_emulator/faults     clear rules, restore start-up latency → 204
 *   POST   /_emulator/ratelimit  {"limit":N,"windowSeconds":S} or null → current window
 *   GET    /_emulator/ratelimit  current window
 * Families add their own (Cloudsmith: POST /_emulator/usage).
 */
import type { FastifyInstance } from "fastify";
import type { ApiFamily, EmulatorContext } from "./context";
import type { EmulatorStats, SeedDocument } from "./types";

export const ADMIN_PREFIX = "/_emulator";

export function resetAll(ctx: EmulatorContext): void {
  ctx.store.reset();
  ctx.stats.reset();
  ctx.faults.clear();
  ctx.faults.resetCounts();
  ctx.rateLimit.reset();
}

/** Requests served and faults fired since start-up or the last reset. */
export function statsOf(ctx: EmulatorContext): EmulatorStats {
  return { ...ctx.stats.snapshot(), faults: ctx.faults.counts() };
}

function summary(ctx: EmulatorContext) {
  const repos = ctx.store.cloudsmith.repositories();
  return { repositories: repos.length, tokens: repos.reduce((n, r) => n + r.tokens.size, 0) };
}

export function registerAdminRoutes(app: FastifyInstance, ctx: EmulatorContext, families: ApiFamily[]): void {
  app.register(
    async (scope) => {
      scope.post("/seed", async (request) => {
        ctx.store.seed((request.body ?? {}) as SeedDocument);
        return summary(ctx);
      });
      scope.post("/reset", async (_request, reply) => {
        resetAll(ctx);
        return reply.code(204).send();
      });
      scope.get("/stats", async () => statsOf(ctx));
      scope.get("/state", async () => ctx.store.dump());

      const faultState = () => ({ rules: ctx.faults.list(), latencyMs: ctx.faults.latencyMs });
      scope.post("/faults", async (request) => {
        ctx.faults.configure(request.body);
        return faultState();
      });
      scope.get("/faults", async () => faultState());
      scope.delete("/faults", async (_request, reply) => {
        ctx.faults.clear();
        return reply.code(204).send();
      });

      scope.post("/ratelimit", async (request) => {
        ctx.rateLimit.configure(request.body);
        return ctx.rateLimit.state();
      });
      scope.get("/ratelimit", async () => ctx.rateLimit.state());

      for (const family of families) family.registerAdmin?.(scope, ctx);
    },
    { prefix: ADMIN_PREFIX },
  );
}

/**
 * What every routes module gets: the shared store, fault injector, rate limiter, stats and options.
 * An API family (Cloudsmith; Huawei CodeArts Repo with IAM) is one `ApiFamily` registered in server.ts.
 */
import type { FastifyInstance } from "fastify";
import type { FaultInjector } from "./faults";
import type { RateLimiter } from "./ratelimit";
import type { RequestStats } from "./stats";
import type { EmulatorStore } from "./store";

export interface EmulatorContext {
  store: EmulatorStore;
  faults: FaultInjector;
  rateLimit: RateLimiter;
  stats: RequestStats;
  apiKey: string;
  acceptBearer: boolean;
}

export interface ApiFamily {
  name: string;
  /** Path prefixes the family's routes answer under, e.g. `["", "/v1"]`. */
  prefixes: string[];
  /**
   * Adds the family's hooks (auth, rate limit), error handler and routes to an encapsulated scope.
   * Called once per prefix; stats, latency and faults are already handled around it.
   */
  register(scope: FastifyInstance, ctx: EmulatorContext): void;
  /** Adds family-specific admin routes under `/_emulator` (no auth, not counted). */
  registerAdmin?(scope: FastifyInstance, ctx: EmulatorContext): void;
}

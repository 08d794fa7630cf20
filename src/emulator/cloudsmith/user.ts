/** `GET /user/self/` (user_self → UserBrief) and `GET /rates/limits/` (rates_limits_list → ResourcesRateCheck). */
import type { FastifyInstance } from "fastify";
import type { EmulatorContext } from "../context";
import { rootUrl } from "../http";
import { authenticate, CloudsmithRouteConfig } from "./auth";
import { EMULATOR_USER } from "./token-model";

const USER_SLUG_PERM = "EmUlAtOrUsEr";

export function registerUserRoutes(scope: FastifyInstance, ctx: EmulatorContext): void {
  const anonymous: CloudsmithRouteConfig = { anonymous: true };
  scope.get("/user/self/", { config: anonymous }, async (request) => {
    const root = rootUrl(request);
    const self_url = `${root}/v1/user/self/`;
    if (authenticate(request, ctx) !== "authenticated") {
      return {
        authenticated: false,
        email: null,
        name: null,
        profile_url: null,
        self_url,
        slug: null,
        slug_perm: null,
      };
    }
    return {
      authenticated: true,
      email: `${EMULATOR_USER}@example.com`,
      name: "Emulator User",
      profile_url: `${root}/~${EMULATOR_USER}/`,
      self_url,
      slug: EMULATOR_USER,
      slug_perm: USER_SLUG_PERM,
    };
  });

  scope.get("/rates/limits/", async () => {
    const s = ctx.rateLimit.state();
    return {
      resources: {
        core: {
          interval: s.interval,
          limit: s.limit,
          remaining: s.remaining,
          reset: s.reset,
          reset_iso_8601: new Date(s.reset * 1000).toISOString().replace(/\.\d{3}Z$/, "+00:00"),
          throttled: s.throttled,
        },
      },
    };
  });
}

/**
 * Cloudsmith admin routes under `/_emulator` (no auth, not counted in stats):
 *   POST /_emulator/usage                 simulated downloads on a token's usage counters
 *   GET  /_emulator/cloudsmith/settings   the switches in force (see settings.ts)
 *   POST /_emulator/cloudsmith/settings   a partial settings object merged in; null restores the defaults
 */
import type { FastifyInstance } from "fastify";
import type { EmulatorContext } from "../context";
import { invalidInput } from "../errors";
import { isPlainObject } from "../util";

const COUNTERS = ["downloads", "clients", "bandwidth"] as const;

export function registerCloudsmithAdmin(scope: FastifyInstance, ctx: EmulatorContext): void {
  scope.get("/cloudsmith/settings", async () => ctx.store.cloudsmith.settings);
  scope.post("/cloudsmith/settings", async (request) => ctx.store.cloudsmith.updateSettings(request.body ?? null));

  /**
   * Simulates downloads: `{"owner","repository","slug_perm","downloads":N,"clients":N,"bandwidth":N}`
   * adds the given amounts to the token's usage counters. Answers with the counters.
   */
  scope.post("/usage", async (request) => {
    const body = request.body;
    if (
      !isPlainObject(body) ||
      typeof body.owner !== "string" ||
      typeof body.repository !== "string" ||
      typeof body.slug_perm !== "string"
    ) {
      throw invalidInput({ non_field_errors: ["owner, repository and slug_perm (strings) are required."] });
    }
    for (const c of COUNTERS) {
      const v = body[c];
      if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < 0))
        throw invalidInput({ [c]: ["Must be a non-negative integer."] });
    }
    const store = ctx.store.cloudsmith;
    const token = store.requireToken(store.requireRepo(body.owner, body.repository), body.slug_perm);
    for (const c of COUNTERS) token[c] += (body[c] as number | undefined) ?? 0;
    return {
      slug_perm: token.slug_perm,
      downloads: token.downloads,
      clients: token.clients,
      bandwidth: token.bandwidth,
    };
  });
}

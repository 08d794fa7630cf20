/**
 * CodeArts admin routes under `/_emulator/codearts` (no auth, not counted in stats):
 *   GET  /_emulator/codearts                 state (seed format, secrets included), settings, counters
 *   POST /_emulator/codearts/settings        {tokenTtlMs, advertisedTtlMs, queueMs, syncMs,
 *                                            mirroringEnabledReading: "true-means-off"|"true-means-on"
 *                                              (older: mirroringEnabledInverted: boolean),
 *                                            noMirrorResponse: "404"|"empty200", emptyEndpointUuid: "clears"|"refused",
 *                                            putOmittedFields: "kept"|"reset",
 *                                            looseAnswers: boolean} → settings
 *   POST /_emulator/codearts/sources         {url, username?, password?, unreachable?} → upsert a Git source
 *   POST /_emulator/codearts/expire-tokens   every issued IAM token expires now → {expired: N}
 *   POST /_emulator/codearts/permissions     {repository_id, deny: ["getRepository"|"setRepository"]}
 *                                            → 403 CH.004403 for those
 *   POST /_emulator/codearts/mirror          {repository_id, url?, mirroring_enabled? (raw, per the reading),
 *                                            scheduled? (the truth), endpoint_uuid?}: an out-of-band change
 *   POST /_emulator/codearts/faults          {rules:[{method?, path?, status, times?, delayMs?, afterHandler?}]}:
 *                                            like /_emulator/faults with CodeArts bodies
 *                                            (403 CH.004403, 429 APIG.0308, 500 CH.000001, 504 CH.080504)
 */
import type { FastifyInstance } from "fastify";
import type { EmulatorContext } from "../context";
import { invalidInput } from "../errors";
import { isPlainObject } from "../util";
import { faultBody } from "./model";

export function registerCodeArtsAdmin(scope: FastifyInstance, ctx: EmulatorContext): void {
  const store = ctx.store.codearts;
  const repoFrom = (b: unknown) => {
    if (!isPlainObject(b) || !Number.isInteger(b.repository_id))
      throw invalidInput({ repository_id: ["An integer repository_id is required."] });
    return store.requireRepo(b.repository_id as number);
  };

  scope.get("/codearts", async () => store.snapshot().codearts);
  scope.post("/codearts/settings", async (request) => store.updateSettings(request.body));
  scope.post("/codearts/sources", async (request) => store.upsertSource(request.body));
  scope.post("/codearts/expire-tokens", async () => ({ expired: store.expireTokens() }));

  scope.post("/codearts/permissions", async (request) => {
    const repo = repoFrom(request.body);
    const deny = (request.body as Record<string, unknown>).deny ?? [];
    if (!Array.isArray(deny) || deny.some((d) => d !== "getRepository" && d !== "setRepository")) {
      throw invalidInput({ deny: ['Must be a list of "getRepository" and/or "setRepository".'] });
    }
    repo.denied = new Set(deny as string[]);
    return { repository_id: repo.id, deny: [...repo.denied] };
  });

  scope.post("/codearts/mirror", async (request) => {
    const repo = repoFrom(request.body);
    const b = request.body as Record<string, unknown>;
    const m = store.mirrorOf(repo);
    if (!m) throw invalidInput({ repository_id: ["The repository has no mirror."] });
    if (typeof b.url === "string") m.url = b.url;
    if (typeof b.mirroring_enabled === "boolean") m.scheduled = store.scheduledFrom(b.mirroring_enabled);
    if (typeof b.scheduled === "boolean") m.scheduled = b.scheduled;
    if (typeof b.endpoint_uuid === "string") m.endpoint_uuid = b.endpoint_uuid;
    return {
      url: m.url,
      mirroring_enabled: store.mirroringEnabled(m),
      endpoint_uuid: m.endpoint_uuid,
      scheduled: m.scheduled,
    };
  });

  scope.post("/codearts/faults", async (request) => {
    const b = request.body;
    if (!isPlainObject(b) || !Array.isArray(b.rules)) throw invalidInput({ rules: ["Must be an array."] });
    const rules = b.rules.map((r) => {
      if (!isPlainObject(r)) return r;
      const status = typeof r.status === "number" ? r.status : 503;
      return { ...r, status, body: r.body ?? JSON.stringify(faultBody(status)) };
    });
    ctx.faults.configure({ rules });
    return { rules: ctx.faults.list() };
  });
}

/**
 * Every Cloudsmith route the client calls is sent with its trailing slash: run each operation
 * against the emulator in its strict settings (a path without the slash gets a 301, or a 404),
 * where a dropped slash fails the call.
 */
import { CloudsmithClient, RateLimiter } from "../../src/api/cloudsmith";
import { startEmulator, type Emulator } from "../../src/emulator";

const API_KEY = "trailing-slash-key";
let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ apiKey: API_KEY });
});
afterAll(() => emu.close());

async function everyOperation(client: CloudsmithClient): Promise<string[]> {
  const done: string[] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const out = await fn();
    done.push(name);
    return out;
  };
  await step("user_self", () => client.userSelf());
  await step("rates_limits_list", () => client.rateLimits());
  const e = client.entitlements;
  const t = await step("entitlements_create", () => e.create("acme", "prod", { name: "slash" }));
  const id = t.slug_perm as string;
  await step("entitlements_list", () => e.list("acme", "prod"));
  await step("entitlements_read", () => e.read("acme", "prod", id));
  await step("entitlements_partial_update", () => e.update("acme", "prod", id, { limit_num_downloads: 5 }));
  await step("entitlements_refresh", () => e.refresh("acme", "prod", id));
  await step("entitlements_disable", () => e.disable("acme", "prod", id));
  await step("entitlements_enable", () => e.enable("acme", "prod", id));
  await step("entitlements_reset", () => e.reset("acme", "prod", id));
  await step("entitlements_toggle_private_broadcasts", () => e.togglePrivateBroadcasts("acme", "prod", id, true));
  await step("entitlements_delete", () => e.delete("acme", "prod", id));
  await step("entitlements_sync", () => e.sync("acme", "staging", "prod"));
  const p = client.packages;
  const [src] = await step("packages_list", () => p.list("acme", "staging", { query: "name:^slashed$" }));
  await step("packages_read", () => p.read("acme", "staging", src.slug_perm as string));
  const copy = await step("packages_copy", () =>
    p.copy("acme", "staging", src.slug_perm as string, { destination: "prod" }),
  );
  await step("packages_status", () => p.status("acme", "prod", copy.slug_perm as string));
  await new Promise((r) => setTimeout(r, 50)); // the copy's 10 ms sync is over: a resync is allowed
  await step("packages_resync", () => p.resync("acme", "prod", copy.slug_perm as string));
  await step("packages_delete", () => p.delete("acme", "staging", src.slug_perm as string));
  return done;
}

describe("the client sends every path with its trailing slash", () => {
  it.each(["redirect", "not-found"] as const)("missingSlash %s: every operation succeeds", async (missingSlash) => {
    emu.reset();
    emu.seed({
      cloudsmith: { settings: { missingSlash } },
      repositories: [
        { owner: "acme", slug: "prod" },
        { owner: "acme", slug: "staging" },
      ],
      packages: [
        {
          owner: "acme",
          repository: "staging",
          format: "raw",
          name: "slashed",
          version: "1.0.0",
          sync: { durationMs: 10 },
        },
      ],
    });
    const client = new CloudsmithClient({
      baseUrl: `${emu.url}/v1`,
      apiKey: API_KEY,
      limiter: new RateLimiter(),
      maxRetries: 0,
    });
    const done = await everyOperation(client);
    expect(done).toHaveLength(19);
    // One request each: nothing was answered with a redirect or a 404 and then tried again.
    expect(emu.stats().requests.total).toBe(done.length);
  });
});

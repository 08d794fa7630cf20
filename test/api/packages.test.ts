/** The packages client against the emulator: every page, copy, status, resync, delete, typed errors. */
import { CloudsmithClient, NotFoundError, ValidationError } from "../../src/api/cloudsmith";
import { startEmulator, type Emulator } from "../../src/emulator";
import { emulatorAdmin } from "../helpers/emulator-admin";

let emu: Emulator;
let client: CloudsmithClient;
const admin = (route: string, body: unknown) => emulatorAdmin(emu.url, "POST", route, body);

beforeAll(async () => {
  emu = await startEmulator({ port: 0, apiKey: "k" });
  client = new CloudsmithClient({ baseUrl: `${emu.url}/v1`, apiKey: "k", retryBaseMs: 5, maxRetries: 1 });
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.reset();
  emu.seed({
    repositories: [
      { owner: "acme", slug: "staging" },
      { owner: "acme", slug: "prod" },
    ],
    packageSync: { durationMs: 100 },
    packages: Array.from({ length: 7 }, (_, i) => ({
      owner: "acme",
      repository: "staging",
      format: "npm",
      name: `p${i}`,
      version: "1.0.0",
      tags: i % 2 ? ["release"] : [],
    })),
  });
});

describe("Cloudsmith packages API", () => {
  it("lists every page, passing the query through", async () => {
    expect(await client.packages.list("acme", "staging", { pageSize: 2 })).toHaveLength(7);
    expect(client.stats.byOperation.packages_list).toBe(4); // pages 1-4 of 2
    const released = await client.packages.list("acme", "staging", { query: "tag:release" });
    expect(released.map((p) => p.name).sort()).toEqual(["p1", "p3", "p5"]);
  });

  it("copies (the reply is the new package in the destination), polls status, resyncs and deletes", async () => {
    const [src] = await client.packages.list("acme", "staging", { query: "name:^p0$" });
    const copy = await client.packages.copy("acme", "staging", src.slug_perm!, { destination: "prod" });
    expect(copy).toMatchObject({
      repository: "prod",
      name: "p0",
      checksum_sha256: src.checksum_sha256,
      is_sync_completed: false,
    });
    expect(copy.slug_perm).not.toBe(src.slug_perm);
    await new Promise((r) => setTimeout(r, 150));
    const st = await client.packages.status("acme", "prod", copy.slug_perm!);
    expect(st).toMatchObject({ is_sync_completed: true, status_str: "Completed", sync_progress: 100 });
    expect((await client.packages.resync("acme", "prod", copy.slug_perm!)).is_sync_in_flight).toBe(true);
    expect((await client.packages.read("acme", "prod", copy.slug_perm!)).slug_perm).toBe(copy.slug_perm);
    await client.packages.delete("acme", "prod", copy.slug_perm!);
    await expect(client.packages.status("acme", "prod", copy.slug_perm!)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rejects a copy to a missing repository with the field named", async () => {
    const [src] = await client.packages.list("acme", "staging", { query: "name:^p0$" });
    const err = await client.packages
      .copy("acme", "staging", src.slug_perm!, { destination: "nowhere" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.fields.destination[0]).toMatch(/does not exist/);
  });

  it("never retries a copy whose reply was lost, and marks the error ambiguous", async () => {
    const [src] = await client.packages.list("acme", "staging", { query: "name:^p1$" });
    const before = client.stats.byOperation.packages_copy ?? 0;
    await admin("/faults", { rules: [{ method: "POST", path: "/copy/?$", status: 503, afterHandler: true }] });
    const err = await client.packages.copy("acme", "staging", src.slug_perm!, { destination: "prod" }).catch((e) => e);
    expect(err.ambiguous).toBe(true);
    expect(client.stats.byOperation.packages_copy).toBe(before + 1);
    expect(await client.packages.list("acme", "prod")).toHaveLength(1);
  });
});

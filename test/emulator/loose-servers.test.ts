/**
 * The emulator settings of issue 27 (servers that answer looser than the spec), each side of each:
 * Cloudsmith's looseAnswers, uniqueTokenNames, listLagMs, patchReadLagMs, tokenListOrder and
 * refreshTakesPrivateBroadcasts; CodeArts' looseAnswers and emptyEndpointUuid.
 */
import { adminChecked } from "../helpers/emulator-admin";
import { Harness, startHarness } from "./helpers";
import { getSpecValidator } from "./spec-validator";

const spec = getSpecValidator({ noAdditionalProperties: true });
let h: Harness;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emu.close());
beforeEach(async () => {
  await h.admin("POST", "/reset");
  await h.admin("POST", "/seed", {
    repositories: [{ owner: "acme", slug: "prod", defaultToken: false }],
    packages: [{ owner: "acme", repository: "prod", format: "npm", name: "left-pad", version: "1.3.0" }],
    packageSync: { durationMs: 50 },
  });
});

const settings = (body: unknown) => h.admin("POST", "/cloudsmith/settings", body);
const create = (name: string) => h.req("POST", "/entitlements/acme/prod/", { body: { name } });
const names = async (query = "") =>
  ((await h.req("GET", `/entitlements/acme/prod/${query}`)).body as { name: string }[]).map((t) => t.name);

describe("looseAnswers", () => {
  it("off (default): every token and package field as the spec types it", async () => {
    await create("ci");
    const list = await h.req("GET", "/entitlements/acme/prod/");
    spec.assertResponse("entitlements_list", 200, list.body);
    const pkgs = await h.req("GET", "/packages/acme/prod/");
    spec.assertResponse("packages_list", 200, pkgs.body);
  });

  it("on: unmanaged fields null, missing or of another type, a new field; managed fields as they were", async () => {
    const made = (await create("ci")).body;
    await settings({ looseAnswers: true });
    const [token] = (await h.req("GET", "/entitlements/acme/prod/")).body;
    expect(token).toMatchObject({
      name: "ci",
      slug_perm: made.slug_perm,
      is_active: true,
      limit_bandwidth_unit: "Byte",
      metadata: null,
      created_by: null,
      usage: null,
      clients: null,
      self_url: null,
      downloads: "0",
      identifier: String(made.identifier),
      emulator_field_from_a_later_version: expect.any(Object),
    });
    expect(token).not.toHaveProperty("enable_url");
    expect(() => spec.assertResponse("entitlements_list", 200, [token])).toThrow();
    const [pkg] = (await h.req("GET", "/packages/acme/prod/")).body;
    expect(pkg).toMatchObject({ name: "left-pad", version: "1.3.0", format: "npm", tags: [], uploaded_at: null });
    expect(pkg).not.toHaveProperty("namespace");
  });
});

describe("uniqueTokenNames", () => {
  it("on (default): a second token of a name is a 422 on name, and so is a rename onto a taken name", async () => {
    await create("ci");
    const other = (await create("cd")).body;
    expect(await create("ci")).toMatchObject({ status: 422, body: { fields: { name: [expect.any(String)] } } });
    const rename = await h.req("PATCH", `/entitlements/acme/prod/${other.slug_perm}/`, { body: { name: "ci" } });
    expect(rename.status).toBe(422);
  });

  it("off (older repositories): names repeat, each token keeps its own identity, deleting one keeps the other", async () => {
    await settings({ uniqueTokenNames: false });
    const a = (await create("ci")).body;
    const b = (await create("ci")).body;
    expect([a.slug_perm === b.slug_perm, await names()]).toEqual([false, ["ci", "ci"]]);
    expect((await h.req("GET", "/entitlements/acme/prod/ci/?fuzzy=true")).body.slug_perm).toBe(a.slug_perm);
    expect((await h.req("DELETE", `/entitlements/acme/prod/${a.slug_perm}/`)).status).toBe(204);
    expect((await h.req("GET", "/entitlements/acme/prod/ci/?fuzzy=true")).body.slug_perm).toBe(b.slug_perm);
    await h.admin("POST", "/seed", { tokens: [{ owner: "acme", repository: "prod", name: "ci" }] });
    expect(await names()).toEqual(["ci", "ci"]);
  });
});

describe("tokenListOrder", () => {
  it("name (default, the spec's default sort): by name whatever the creation order", async () => {
    for (const n of ["b", "c", "a"]) await create(n);
    expect(await names()).toEqual(["a", "b", "c"]);
    expect(await names("?sort=-name")).toEqual(["c", "b", "a"]);
  });

  it("created: in the order they were made; an explicit sort still sorts", async () => {
    await settings({ tokenListOrder: "created" });
    for (const n of ["b", "c", "a"]) await create(n);
    expect(await names()).toEqual(["b", "c", "a"]);
    expect(await names("?sort=name")).toEqual(["a", "b", "c"]);
  });
});

describe("listLagMs", () => {
  it("0 (default): lists show a write at once", async () => {
    const t = (await create("ci")).body;
    await h.req("PATCH", `/entitlements/acme/prod/${t.slug_perm}/`, { body: { limit_num_clients: 3 } });
    expect((await h.req("GET", "/entitlements/acme/prod/")).body[0].limit_num_clients).toBe(3);
  });

  it("set: a new token and a copied package are listed, and a change shows in lists, only that long after; reads are current", async () => {
    await settings({ listLagMs: 400 });
    const t = (await create("ci")).body;
    expect(await names()).toEqual([]);
    expect((await h.req("GET", `/entitlements/acme/prod/${t.slug_perm}/`)).status).toBe(200);
    await sleep(450);
    expect(await names()).toEqual(["ci"]);
    await h.req("PATCH", `/entitlements/acme/prod/${t.slug_perm}/`, { body: { limit_num_clients: 3 } });
    expect((await h.req("GET", "/entitlements/acme/prod/")).body[0].limit_num_clients).toBeNull();
    expect((await h.req("GET", `/entitlements/acme/prod/${t.slug_perm}/`)).body.limit_num_clients).toBe(3);
    await sleep(450);
    expect((await h.req("GET", "/entitlements/acme/prod/")).body[0].limit_num_clients).toBe(3);

    await h.admin("POST", "/seed", { repositories: [{ owner: "acme", slug: "dev" }] });
    const [pkg] = (await h.req("GET", "/packages/acme/prod/")).body;
    await sleep(100); // its sync completes
    expect(
      (await h.req("POST", `/packages/acme/prod/${pkg.slug_perm}/copy/`, { body: { destination: "dev" } })).status,
    ).toBe(200);
    expect((await h.req("GET", "/packages/acme/dev/")).body).toEqual([]);
    await sleep(450);
    expect((await h.req("GET", "/packages/acme/dev/")).body).toHaveLength(1);
  });
});

describe("patchReadLagMs", () => {
  it("0 (default): a read after a PATCH shows it", async () => {
    const t = (await create("ci")).body;
    await h.req("PATCH", `/entitlements/acme/prod/${t.slug_perm}/`, { body: { limit_num_clients: 3 } });
    expect((await h.req("GET", `/entitlements/acme/prod/${t.slug_perm}/`)).body.limit_num_clients).toBe(3);
  });

  it("set: entitlements_read answers the version before the PATCH for that long (the PATCH's own answer is current)", async () => {
    await settings({ patchReadLagMs: 400 });
    const t = (await create("ci")).body;
    const patched = await h.req("PATCH", `/entitlements/acme/prod/${t.slug_perm}/`, { body: { limit_num_clients: 3 } });
    expect(patched.body.limit_num_clients).toBe(3);
    const stale = (await h.req("GET", `/entitlements/acme/prod/${t.slug_perm}/`)).body;
    expect([stale.limit_num_clients, stale.updated_at]).toEqual([null, t.updated_at]);
    await sleep(450);
    expect((await h.req("GET", `/entitlements/acme/prod/${t.slug_perm}/`)).body.limit_num_clients).toBe(3);
  });
});

describe("refreshTakesPrivateBroadcasts", () => {
  const refresh = (slug: string) =>
    h.req("POST", `/entitlements/acme/prod/${slug}/refresh/`, { body: { access_private_broadcasts: true } });

  it("on (default, the API reference page): a refresh body sets access_private_broadcasts", async () => {
    const t = (await create("ci")).body;
    expect((await refresh(t.slug_perm)).body.access_private_broadcasts).toBe(true);
  });

  it("off (the spec's RefreshRequest): the field is ignored", async () => {
    await settings({ refreshTakesPrivateBroadcasts: false });
    const t = (await create("ci")).body;
    expect((await refresh(t.slug_perm)).body.access_private_broadcasts).toBe(false);
  });
});

describe("CodeArts", () => {
  const ca = async (method: string, path: string, tok: string, body?: unknown) => {
    const r = await fetch(`${h.emu.url}${path}`, {
      method,
      headers: { "Content-Type": "application/json", "X-Auth-Token": tok },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  const login = async () => {
    await h.admin("POST", "/seed", {
      codearts: {
        users: [{ domain: "acme", name: "ci", password: "pw-1234" }],
        repositories: [{ id: 123, name: "app" }],
      },
    });
    const r = await fetch(`${h.emu.url}/v3/auth/tokens`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ["password"],
            password: { user: { name: "ci", password: "pw-1234", domain: { name: "acme" } } },
          },
          scope: { project: { name: "cn-north-4" } },
        },
      }),
    });
    const tok = r.headers.get("x-subject-token")!;
    await ca("POST", "/v4/repositories/123/remote-mirror/associate", tok, { url: "https://git.example.com/a.git" });
    return tok;
  };
  const caSettings = (body: unknown) => adminChecked(h.emu.url, "POST", "/codearts/settings", body);

  it('emptyEndpointUuid clears (default): PUT endpoint_uuid "" leaves the mirror without one', async () => {
    const tok = await login();
    await ca("PUT", "/v4/repositories/123/remote-mirror", tok, { endpoint_uuid: "ep-1" });
    expect((await ca("PUT", "/v4/repositories/123/remote-mirror", tok, { endpoint_uuid: "" })).status).toBe(200);
    expect((await ca("GET", "/v4/repositories/123/remote-mirror", tok)).body.endpoint_uuid).toBe("");
  });

  it('emptyEndpointUuid refused: PUT endpoint_uuid "" is a 400 CH.010001 and changes nothing', async () => {
    const tok = await login();
    await caSettings({ emptyEndpointUuid: "refused" });
    await ca("PUT", "/v4/repositories/123/remote-mirror", tok, { endpoint_uuid: "ep-1" });
    const put = await ca("PUT", "/v4/repositories/123/remote-mirror", tok, {
      endpoint_uuid: "",
      mirroring_enabled: true,
    });
    expect([put.status, put.body.error_code]).toEqual([400, "CH.010001"]);
    expect((await ca("GET", "/v4/repositories/123/remote-mirror", tok)).body.endpoint_uuid).toBe("ep-1");
  });

  it("putOmittedFields kept (default): a PUT leaves what it does not name as it was", async () => {
    const tok = await login();
    await ca("PUT", "/v4/repositories/123/remote-mirror", tok, { endpoint_uuid: "ep-1", sync_branch_type: "default" });
    const put = await ca("PUT", "/v4/repositories/123/remote-mirror", tok, { mirroring_enabled: true });
    expect([put.body.endpoint_uuid, put.body.sync_branch_type]).toEqual(["ep-1", "default"]);
  });

  it("putOmittedFields reset: a PUT clears the endpoint and resets the branch setting it does not name", async () => {
    const tok = await login();
    await caSettings({ putOmittedFields: "reset" });
    await ca("PUT", "/v4/repositories/123/remote-mirror", tok, { endpoint_uuid: "ep-1", sync_branch_type: "default" });
    const put = await ca("PUT", "/v4/repositories/123/remote-mirror", tok, { mirroring_enabled: true });
    expect([put.body.endpoint_uuid, put.body.sync_branch_type, put.body.url]).toEqual([
      "",
      "all",
      "https://git.example.com/a.git",
    ]);
  });

  it("looseAnswers: off as the SDK models type it; on with unused fields retyped, dropped, and a new one", async () => {
    const tok = await login();
    const strict = (await ca("GET", "/v4/repositories/123/remote-mirror", tok)).body;
    expect([typeof strict.id, typeof strict.is_private, strict.repository_id]).toEqual(["number", "boolean", 123]);
    await caSettings({ looseAnswers: true });
    const loose = (await ca("GET", "/v4/repositories/123/remote-mirror", tok)).body;
    expect(loose).toMatchObject({
      id: String(strict.id),
      is_private: "no",
      url: strict.url,
      mirroring_enabled: strict.mirroring_enabled,
      emulator_field_from_a_later_version: { added: true },
    });
    expect(loose).not.toHaveProperty("repository_id");
  });
});

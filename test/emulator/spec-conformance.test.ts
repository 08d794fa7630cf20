/** The emulator's real responses validated against the published Cloudsmith spec. */
import { Harness, startHarness } from "./helpers";
import { getSpecValidator } from "./spec-validator";

const spec = getSpecValidator({ noAdditionalProperties: true });
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emu.close());

async function createToken(name: string, extra: Record<string, unknown> = {}) {
  const res = await h.req("POST", "/entitlements/acme/prod/?show_tokens=true", { body: { name, ...extra } });
  expect(res.status).toBe(201);
  return res;
}

describe("responses conform to the Cloudsmith OpenAPI spec", () => {
  it("entitlements_create 201 carries every RepositoryToken field", async () => {
    const res = await createToken("conform-create", {
      limit_num_downloads: 10,
      limit_date_range_from: "2030-01-01T00:00:00Z",
      limit_date_range_to: "2030-02-01T00:00:00+02:00",
      metadata: { "managed-by": "reposmith" },
    });
    spec.assertResponse("entitlements_create", 201, res.body);
    expect(Object.keys(res.body).sort()).toEqual(spec.schemaProperties("RepositoryToken").sort());
    expect(res.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(res.body.limit_date_range_to).toBe("2030-01-31T22:00:00.000000Z");
  });

  it("entitlements_list 200", async () => {
    const res = await h.req("GET", "/entitlements/acme/prod/?page_size=5");
    expect(res.status).toBe(200);
    spec.assertResponse("entitlements_list", 200, res.body);
  });

  it("entitlements_read 200 and entitlements_partial_update 200", async () => {
    const created = await createToken("conform-read");
    const read = await h.req("GET", `/entitlements/acme/prod/${created.body.slug_perm}/`);
    spec.assertResponse("entitlements_read", 200, read.body);
    const patched = await h.req("PATCH", `/entitlements/acme/prod/${created.body.slug_perm}/`, {
      body: { limit_bandwidth: 5, limit_bandwidth_unit: "Gigabyte", scheduled_reset_period: "Monthly" },
    });
    expect(patched.status).toBe(200);
    spec.assertResponse("entitlements_partial_update", 200, patched.body);
  });

  it("entitlements_refresh 200 (RepositoryTokenRefresh)", async () => {
    const created = await createToken("conform-refresh");
    const res = await h.req("POST", `/entitlements/acme/prod/${created.body.slug_perm}/refresh/?show_tokens=true`, {
      body: {},
    });
    expect(res.status).toBe(200);
    spec.assertResponse("entitlements_refresh", 200, res.body);
  });

  it("entitlements_sync 200 (RepositoryTokenSync)", async () => {
    const res = await h.req("POST", "/entitlements/acme/staging/sync/", { body: { source: "prod" } });
    expect(res.status).toBe(200);
    spec.assertResponse("entitlements_sync", 200, res.body);
    expect(res.body.tokens.length).toBeGreaterThan(0);
  });

  it("user_self 200, authenticated and anonymous", async () => {
    const auth = await h.req("GET", "/user/self/");
    spec.assertResponse("user_self", 200, auth.body);
    expect(auth.body.authenticated).toBe(true);
    const anon = await h.req("GET", "/user/self/", { key: null });
    spec.assertResponse("user_self", 200, anon.body);
    expect(anon.body.authenticated).toBe(false);
  });

  it("rates_limits_list 200", async () => {
    const res = await h.req("GET", "/rates/limits/");
    spec.assertResponse("rates_limits_list", 200, res.body);
  });

  it("422 validation and 400 JSON parse errors are ErrorDetail", async () => {
    const missing = await h.req("POST", "/entitlements/acme/prod/", { body: {} });
    expect(missing.status).toBe(422);
    spec.assertResponse("entitlements_create", 422, missing.body);
    expect(missing.body).toEqual({ detail: "Invalid input.", fields: { name: ["This field is required."] } });
    const malformed = await h.req("POST", "/entitlements/acme/prod/", { rawBody: "{nope" });
    expect(malformed.status).toBe(400);
    spec.assertResponse("entitlements_create", 400, malformed.body);
    const badPatch = await h.req(
      "PATCH",
      `/entitlements/acme/prod/${(await createToken("conform-400")).body.slug_perm}/`,
      {
        body: { limit_bandwidth_unit: "Bogus" },
      },
    );
    expect(badPatch.status).toBe(422);
    spec.assertResponse("entitlements_partial_update", 422, badPatch.body);
  });

  it("404 bodies are ErrorDetail", async () => {
    const repo = await h.req("GET", "/entitlements/acme/nope/");
    expect(repo.status).toBe(404);
    spec.assertResponse("entitlements_list", 404, repo.body);
    const token = await h.req("GET", "/entitlements/acme/prod/doesnotexist/");
    expect(token.status).toBe(404);
    spec.assertResponse("entitlements_read", 404, token.body);
    const page = await h.req("GET", "/entitlements/acme/prod/?page=99");
    expect(page.body).toEqual({ detail: "Invalid page." });
    spec.assertResponse("entitlements_list", 404, page.body);
  });

  it("the validator catches a non-conforming body", () => {
    const { valid, errors } = spec.validate("entitlements_read", 200, {
      name: "x",
      limit_bandwidth_unit: "Bogus",
      created_at: "yesterday",
    });
    expect(valid).toBe(false);
    expect(errors.join("\n")).toMatch(/limit_bandwidth_unit/);
    expect(spec.validate("entitlements_read", 200, { name: "x", metadata: null, eula_accepted: null }).valid).toBe(
      true,
    );
  });
});

/** Request validation: Django REST framework style field errors (422 by default), table-driven. */
import { Harness, startHarness } from "./helpers";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emu.close());

const cases: Array<{ reason: string; body: unknown; field: string; message: RegExp }> = [
  { reason: "name is required on create", body: {}, field: "name", message: /^This field is required\.$/ },
  { reason: "name may not be blank", body: { name: " " }, field: "name", message: /may not be blank/ },
  { reason: "name must be a string", body: { name: 5 }, field: "name", message: /Not a valid string/ },
  {
    reason: "unknown bandwidth unit",
    body: { name: "a", limit_bandwidth_unit: "Bogus" },
    field: "limit_bandwidth_unit",
    message: /^"Bogus" is not a valid choice\.$/,
  },
  {
    reason: "unknown reset period",
    body: { name: "a", scheduled_reset_period: "Hourly" },
    field: "scheduled_reset_period",
    message: /^"Hourly" is not a valid choice\.$/,
  },
  {
    reason: "non-integer limit",
    body: { name: "a", limit_num_downloads: 1.5 },
    field: "limit_num_downloads",
    message: /valid integer/,
  },
  {
    reason: "string limit",
    body: { name: "a", limit_bandwidth: "10" },
    field: "limit_bandwidth",
    message: /valid integer/,
  },
  {
    reason: "negative limit",
    body: { name: "a", limit_num_clients: -1 },
    field: "limit_num_clients",
    message: /greater than or equal to 0/,
  },
  {
    reason: "invalid date-time",
    body: { name: "a", limit_date_range_from: "2030-13-01T00:00:00Z" },
    field: "limit_date_range_from",
    message: /Datetime has wrong format/,
  },
  {
    reason: "date range ends before it starts",
    body: { name: "a", limit_date_range_from: "2030-02-01T00:00:00Z", limit_date_range_to: "2030-01-01T00:00:00Z" },
    field: "limit_date_range_to",
    message: /after its start/,
  },
  {
    reason: "package query over 1024 characters",
    body: { name: "a", limit_package_query: "x".repeat(1025) },
    field: "limit_package_query",
    message: /no more than 1024 characters/,
  },
  {
    reason: "path query over 1024 characters",
    body: { name: "a", limit_path_query: "x".repeat(1025) },
    field: "limit_path_query",
    message: /no more than 1024 characters/,
  },
  {
    reason: "boolean given as a string",
    body: { name: "a", is_active: "yes" },
    field: "is_active",
    message: /valid boolean/,
  },
  {
    reason: "is_active may not be null",
    body: { name: "a", is_active: null },
    field: "is_active",
    message: /may not be null/,
  },
  {
    reason: "metadata must be an object",
    body: { name: "a", metadata: [1] },
    field: "metadata",
    message: /Expected a dictionary of items but got type "list"/,
  },
  {
    reason: "custom token too short",
    body: { name: "a", token: "short" },
    field: "token",
    message: /8 to 48 characters/,
  },
  {
    reason: "body must be an object",
    body: [1, 2],
    field: "non_field_errors",
    message: /Expected a dictionary, but got list/,
  },
];

describe("create validation", () => {
  it.each(cases)("$reason", async ({ body, field, message }) => {
    const res = await h.req("POST", "/entitlements/acme/prod/", { body });
    expect(res.status).toBe(422);
    expect(res.body.detail).toBe("Invalid input.");
    expect(res.body.fields[field][0]).toMatch(message);
  });

  it("lists the allowed choices after the Django message", async () => {
    const res = await h.req("POST", "/entitlements/acme/prod/", { body: { name: "a", limit_bandwidth_unit: "Bogus" } });
    expect(res.body.fields.limit_bandwidth_unit[1]).toMatch(/Byte, Kilobyte, Megabyte/);
  });

  it("reports every bad field at once", async () => {
    const res = await h.req("POST", "/entitlements/acme/prod/", {
      body: { limit_num_clients: -1, limit_bandwidth_unit: "x" },
    });
    expect(Object.keys(res.body.fields).sort()).toEqual(["limit_bandwidth_unit", "limit_num_clients", "name"]);
  });

  it("answers malformed JSON with a JSON parse error", async () => {
    const res = await h.req("POST", "/entitlements/acme/prod/", { rawBody: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/^JSON parse error - /);
  });

  it("stores blank query strings as null and date-times normalised to UTC with microseconds", async () => {
    const res = await h.req("POST", "/entitlements/acme/prod/", {
      body: { name: "normalised", limit_package_query: "", limit_date_range_from: "2030-01-01T10:00:00.5+01:00" },
    });
    expect(res.status).toBe(201);
    expect(res.body.limit_package_query).toBeNull();
    expect(res.body.limit_date_range_from).toBe("2030-01-01T09:00:00.500000Z");
  });
});

describe("patch validation", () => {
  it("checks the date range against the stored value", async () => {
    const t = (
      await h.req("POST", "/entitlements/acme/prod/", {
        body: { name: "range", limit_date_range_from: "2030-06-01T00:00:00Z" },
      })
    ).body;
    const res = await h.req("PATCH", `/entitlements/acme/prod/${t.slug_perm}/`, {
      body: { limit_date_range_to: "2030-01-01T00:00:00Z" },
    });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.fields)).toEqual(["limit_date_range_to"]);
  });

  it("does not require name and leaves the token unchanged on error", async () => {
    const t = (await h.req("POST", "/entitlements/acme/prod/", { body: { name: "unchanged", limit_num_downloads: 1 } }))
      .body;
    const bad = await h.req("PATCH", `/entitlements/acme/prod/${t.slug_perm}/`, {
      body: { limit_num_downloads: 2, limit_num_clients: "x" },
    });
    expect(bad.status).toBe(422);
    expect((await h.req("GET", `/entitlements/acme/prod/${t.slug_perm}/`)).body.limit_num_downloads).toBe(1);
  });
});

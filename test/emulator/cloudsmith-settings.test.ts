/**
 * The Cloudsmith strictness switches (src/emulator/cloudsmith/settings.ts; the lag and sync ones are in
 * cloudsmith-lag-settings.test.ts): field error status and a path
 * without its trailing slash, in every setting; how they are set, checked and reset.
 */
import { Harness, call, startHarness } from "./helpers";
import { getSpecValidator } from "./spec-validator";

const spec = getSpecValidator({ noAdditionalProperties: true });
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.emu.close());

const settings = (body: unknown) => h.admin("POST", "/cloudsmith/settings", body);

describe("settings", () => {
  it("defaults to 422 field errors, a 301 for a missing slash, no Retry-After and bare words over every field", async () => {
    expect((await h.admin("GET", "/cloudsmith/settings")).body).toMatchObject({
      fieldErrorStatus: 422,
      missingSlash: "redirect",
      retryAfter: false,
      bareWordSearch: "any-field",
    });
  });

  it("rejects unknown keys and values with 400, naming each and applying none", async () => {
    const res = await h.adminRaw("POST", "/cloudsmith/settings", {
      fieldErrorStatus: 418,
      missingSlash: "not-found",
      colour: "red",
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields).sort()).toEqual(["colour", "fieldErrorStatus"]);
    expect((await h.admin("GET", "/cloudsmith/settings")).body.missingSlash).toBe("redirect");
  });

  it("is seeded from cloudsmith.settings, shown in /state when changed, and restored by reset", async () => {
    await h.admin("POST", "/seed", { cloudsmith: { settings: { fieldErrorStatus: 400 } } });
    expect((await h.admin("GET", "/state")).body.cloudsmith).toEqual({ settings: { fieldErrorStatus: 400 } });
    await h.admin("POST", "/reset");
    expect((await h.admin("GET", "/cloudsmith/settings")).body.fieldErrorStatus).toBe(422);
    expect((await h.admin("GET", "/state")).body.cloudsmith).toBeUndefined();
  });
});

describe("field validation errors", () => {
  const missingName = () => h.req("POST", "/entitlements/acme/prod/", { body: {} });

  it.each([
    { reason: "default: 422 as Cloudsmith's HTTP status page documents", setting: {}, status: 422 },
    { reason: "fieldErrorStatus 400: the spec's 400 ErrorDetail", setting: { fieldErrorStatus: 400 }, status: 400 },
  ])("$reason", async ({ setting, status }) => {
    await settings(setting);
    const res = await missingName();
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ detail: "Invalid input.", fields: { name: ["This field is required."] } });
    spec.assertResponse("entitlements_create", status, res.body);
    const query = await h.req("GET", "/packages/acme/prod/?query=color:red");
    expect([query.status, Object.keys(query.body.fields)]).toEqual([status, ["query"]]);
  });

  it("a malformed JSON body stays a 400 in both settings", async () => {
    for (const fieldErrorStatus of [422, 400]) {
      await settings({ fieldErrorStatus });
      const res = await h.req("POST", "/entitlements/acme/prod/", { rawBody: "{nope" });
      expect([fieldErrorStatus, res.status]).toEqual([fieldErrorStatus, 400]);
      expect(res.body.detail).toMatch(/^JSON parse error - /);
    }
  });

  it("an invalid admin request is still a 400", async () => {
    expect((await h.adminRaw("POST", "/ratelimit", { limit: -1 })).status).toBe(400);
  });
});

describe("a path without its trailing slash", () => {
  const send = (method: string, path: string, body?: unknown) => call(h.emu.url, method, path, { body });

  it("default: 301 to the path with the slash, query kept, for reads and writes alike, before auth", async () => {
    for (const [method, path, location] of [
      ["GET", "/v1/entitlements/acme/prod?page_size=5", "/v1/entitlements/acme/prod/?page_size=5"],
      ["POST", "/entitlements/acme/prod", "/entitlements/acme/prod/"],
      ["PATCH", "/v1/entitlements/acme/prod/abc", "/v1/entitlements/acme/prod/abc/"],
      ["POST", "/v1/packages/acme/prod/abc/copy", "/v1/packages/acme/prod/abc/copy/"],
    ]) {
      const res = await send(method, path, method === "GET" ? undefined : { name: "never-made" });
      expect([method, path, res.status, res.headers.get("location"), res.text]).toEqual([
        method,
        path,
        301,
        location,
        "",
      ]);
    }
    expect((await call(h.emu.url, "GET", "/user/self", { key: "wrong" })).status).toBe(301);
    const names = (await h.req("GET", "/entitlements/acme/prod/")).body.map((t: { name: string }) => t.name);
    expect(names).not.toContain("never-made");
  });

  it("not-found: 404 {detail}, and nothing is written", async () => {
    await settings({ missingSlash: "not-found" });
    for (const [method, path] of [
      ["GET", "/v1/entitlements/acme/prod"],
      ["POST", "/v1/entitlements/acme/prod"],
    ]) {
      const res = await send(method, path, method === "POST" ? { name: "never-made" } : undefined);
      expect([method, res.status, res.body]).toEqual([method, 404, { detail: "Not found." }]);
    }
    expect((await h.req("GET", "/entitlements/acme/prod/")).body.map((t: { name: string }) => t.name)).not.toContain(
      "never-made",
    );
  });

  it("lenient: served as if it had the slash", async () => {
    await settings({ missingSlash: "lenient" });
    expect((await send("GET", "/v1/entitlements/acme/prod")).status).toBe(200);
    expect((await send("POST", "/v1/entitlements/acme/prod", { name: "made" })).status).toBe(201);
  });

  it("a path that is no route with the slash either is a 404 in every setting", async () => {
    for (const missingSlash of ["redirect", "not-found", "lenient"]) {
      await settings({ missingSlash });
      expect([missingSlash, (await send("GET", "/v1/nothing/here")).status]).toEqual([missingSlash, 404]);
    }
  });
});

/** The CodeArts Repo + IAM emulator family, over real HTTP (built from docs/api/codearts-repo.md, not from our client). */
import { startEmulator, type Emulator } from "../../src/emulator";
import { adminChecked, adminRequest } from "../helpers/emulator-admin";

let emu: Emulator;
const URL_A = "https://git.example.com/a.git";
const SEED = {
  codearts: {
    users: [{ domain: "acme", name: "ci", password: "pw-1234" }],
    repositories: [{ id: 123, name: "app" }],
    sources: [{ url: URL_A, username: "u", password: "p" }],
    endpoints: [{ uuid: "ep-1", username: "u", password: "p" }],
    settings: { queueMs: 30, syncMs: 60 },
  },
};

async function req(method: string, path: string, opts: { body?: unknown; token?: string | null } = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (opts.token) headers["X-Auth-Token"] = opts.token;
  const r = await fetch(`${emu.url}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : undefined };
}
const admin = (method: string, path: string, body?: unknown) => adminChecked(emu.url, method, path, body);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function login(password = "pw-1234") {
  return req("POST", "/v3/auth/tokens?nocatalog=true", {
    body: {
      auth: {
        identity: { methods: ["password"], password: { user: { name: "ci", password, domain: { name: "acme" } } } },
        scope: { project: { name: "cn-north-4" } },
      },
    },
  });
}
async function token(): Promise<string> {
  return (await login()).headers.get("x-subject-token")!;
}
async function waitFor(tok: string, status: string) {
  for (let i = 0; i < 50; i++) {
    const m = await req("GET", "/v4/repositories/123/remote-mirror", { token: tok });
    if (m.body.update_status === status) return m.body;
    await sleep(20);
  }
  throw new Error(`mirror never reached ${status}`);
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0, apiKey: "k" });
});
afterAll(() => emu.close());
beforeEach(async () => {
  await admin("POST", "/reset");
  await admin("POST", "/seed", SEED);
});

describe("CodeArts emulator", () => {
  it("issues IAM tokens in X-Subject-Token (201) with expires_at, and refuses wrong passwords", async () => {
    const ok = await login();
    expect(ok.status).toBe(201);
    expect(ok.headers.get("x-subject-token")).toMatch(/^MII.{100,}/);
    expect(ok.body.token).toMatchObject({
      methods: ["password"],
      user: { name: "ci" },
      project: { name: "cn-north-4" },
    });
    expect(Date.parse(ok.body.token.expires_at) - Date.parse(ok.body.token.issued_at)).toBe(86_400_000);
    const bad = await login("nope");
    expect(bad.status).toBe(401);
    expect(bad.body.error.message).toMatch(/username or password is wrong/);
  });

  it("answers 401 APIG.0301 without a valid token and 401 DEV.00000003 once it expired", async () => {
    expect((await req("GET", "/v4/repositories/123", { token: null })).body.error_code).toBe("APIG.0301");
    expect((await req("GET", "/v4/repositories/123", { token: "bogus" })).body.error_code).toBe("APIG.0301");
    await admin("POST", "/codearts/settings", { tokenTtlMs: 300, advertisedTtlMs: 3_600_000 });
    const res = await login();
    expect(Date.parse(res.body.token.expires_at) - Date.parse(res.body.token.issued_at)).toBe(3_600_000);
    const tok = res.headers.get("x-subject-token")!;
    expect((await req("GET", "/v4/repositories/123", { token: tok })).status).toBe(200);
    await sleep(350);
    const expired = await req("GET", "/v4/repositories/123", { token: tok });
    expect(expired).toMatchObject({
      status: 401,
      body: { error_code: "DEV.00000003", error_msg: "Authentication information expired." },
    });
  });

  it("associates, shows, updates and syncs a private mirror with base64 credentials: scheduled → started → finished", async () => {
    await admin("POST", "/codearts/settings", { queueMs: 400, syncMs: 200 });
    const tok = await token();
    expect((await req("GET", "/v4/repositories/123/remote-mirror", { token: tok })).body.error_code).toBe("CH.000404");
    const assoc = await req("POST", "/v4/repositories/123/remote-mirror/associate", {
      token: tok,
      body: { url: URL_A },
    });
    expect(assoc.status).toBe(201);
    // A new mirror syncs on schedule: mirroring_enabled false under the documented reading (true = not scheduled).
    expect(assoc.body).toMatchObject({
      repository_id: 123,
      url: URL_A,
      update_status: "none",
      number_of_failures: 0,
      is_private: true,
      mirroring_enabled: false,
    });
    const put = await req("PUT", "/v4/repositories/123/remote-mirror", {
      token: tok,
      body: { sync_branch_type: "default", mirroring_enabled: false },
    });
    expect(put.body).toEqual({ url: URL_A, mirroring_enabled: false, endpoint_uuid: "", sync_branch_type: "default" });

    const start = await req("POST", "/v4/repositories/123/remote-mirror", {
      token: tok,
      body: {
        username: Buffer.from("u").toString("base64"),
        password: Buffer.from("p").toString("base64"),
        endpoint_uuid: "",
        force_fetch: false,
      },
    });
    expect(start.status).toBe(200);
    expect(start.body.jid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await req("GET", "/v4/repositories/123/remote-mirror", { token: tok })).body.update_status).toBe(
      "scheduled",
    );
    await waitFor(tok, "started");
    const done = await waitFor(tok, "finished");
    expect(done).toMatchObject({ number_of_failures: 0, last_error: null });
    expect(done.last_successful_update_at).toBe(done.last_update_at);
  });

  it("fails a sync with wrong credentials or an unreachable source, counting failures and setting last_error", async () => {
    const tok = await token();
    await req("POST", "/v4/repositories/123/remote-mirror/associate", { token: tok, body: { url: URL_A } });
    await req("POST", "/v4/repositories/123/remote-mirror", {
      token: tok,
      body: { username: Buffer.from("u").toString("base64"), password: Buffer.from("wrong").toString("base64") },
    });
    const failed = await waitFor(tok, "failed");
    expect(failed).toMatchObject({ number_of_failures: 1, last_successful_update_at: null });
    expect(failed.last_error).toMatch(/Authentication failed for 'https:\/\/git.example.com\/a.git'/);

    // The service endpoint holds the right credentials.
    await req("POST", "/v4/repositories/123/remote-mirror", { token: tok, body: { endpoint_uuid: "ep-1" } });
    expect((await waitFor(tok, "finished")).number_of_failures).toBe(0);

    await admin("POST", "/codearts/sources", { url: URL_A, unreachable: true });
    await req("POST", "/v4/repositories/123/remote-mirror", { token: tok, body: { endpoint_uuid: "ep-1" } });
    expect((await waitFor(tok, "failed")).last_error).toMatch(/unable to access .*Connection timed out/);
  });

  it("validates like the API: non-base64 credentials, bad url, bad branch type (400 CH.010001); unknown repository 404 CH.004404", async () => {
    const tok = await token();
    await req("POST", "/v4/repositories/123/remote-mirror/associate", { token: tok, body: { url: URL_A } });
    const raw = await req("POST", "/v4/repositories/123/remote-mirror", {
      token: tok,
      body: { username: "u", password: "p" },
    });
    expect(raw).toMatchObject({
      status: 400,
      body: { error_code: "CH.010001", error_msg: "username must be Base64 encoded." },
    });
    expect(
      (await req("PUT", "/v4/repositories/123/remote-mirror", { token: tok, body: { url: "git@x:y.git" } })).body
        .error_code,
    ).toBe("CH.010001");
    expect(
      (await req("PUT", "/v4/repositories/123/remote-mirror", { token: tok, body: { sync_branch_type: "some" } }))
        .status,
    ).toBe(400);
    expect(await req("GET", "/v4/repositories/999/remote-mirror", { token: tok })).toMatchObject({
      status: 404,
      body: { error_code: "CH.004404", error_msg: "Repository Not Found" },
    });
    expect((await req("GET", "/v4/repositories/0", { token: tok })).status).toBe(400);
  });

  it("denies permissions with 403 CH.004403, and injects CodeArts-shaped faults", async () => {
    const tok = await token();
    await req("POST", "/v4/repositories/123/remote-mirror/associate", { token: tok, body: { url: URL_A } });

    await admin("POST", "/codearts/permissions", { repository_id: 123, deny: ["setRepository"] });
    const denied = await req("POST", "/v4/repositories/123/remote-mirror", { token: tok, body: {} });
    expect(denied).toMatchObject({ status: 403, body: { error_code: "CH.004403" } });
    expect((await req("GET", "/v4/repositories/123/remote-mirror", { token: tok })).status).toBe(200);

    await admin("POST", "/codearts/faults", { rules: [{ method: "GET", path: "remote-mirror", status: 429 }] });
    expect(await req("GET", "/v4/repositories/123/remote-mirror", { token: tok })).toMatchObject({
      status: 429,
      body: { error_code: "APIG.0308" },
    });
    const stats = emu.stats().requests.byRoute;
    expect(stats["POST /v3/auth/tokens"]).toBe(1);
    expect(stats["GET /v4/repositories/{repository_id}/remote-mirror"]).toBe(2);
  });
});

describe("CodeArts emulator: the undocumented or contradictory answers are settings", () => {
  const scheduledAfterPut = async (tok: string, mirroringEnabled: boolean) => {
    const put = await req("PUT", "/v4/repositories/123/remote-mirror", {
      token: tok,
      body: { mirroring_enabled: mirroringEnabled },
    });
    const show = await req("GET", "/v4/repositories/123/remote-mirror", { token: tok });
    const state = (await admin("GET", "/codearts")).body;
    return {
      put: put.body.mirroring_enabled,
      show: show.body.mirroring_enabled,
      scheduled: state.repositories[0].mirror.scheduled,
      setting: state.settings.mirroringEnabledReading,
    };
  };

  it("reads mirroring_enabled as the update API documents it by default (true = scheduled sync off), and the other way when set", async () => {
    const tok = await token();
    await req("POST", "/v4/repositories/123/remote-mirror/associate", { token: tok, body: { url: URL_A } });
    expect(await scheduledAfterPut(tok, true)).toEqual({
      put: true,
      show: true,
      scheduled: false,
      setting: "true-means-off",
    });

    await admin("POST", "/codearts/settings", { mirroringEnabledReading: "true-means-on" });
    expect(await scheduledAfterPut(tok, true)).toEqual({
      put: true,
      show: true,
      scheduled: true,
      setting: "true-means-on",
    });
    // The older boolean name still switches it: true is the documented reading.
    await admin("POST", "/codearts/settings", { mirroringEnabledInverted: true });
    expect(await scheduledAfterPut(tok, true)).toEqual({
      put: true,
      show: true,
      scheduled: false,
      setting: "true-means-off",
    });
    expect(
      (await adminRequest(emu.url, "POST", "/codearts/settings", { mirroringEnabledReading: "inverted" })).status,
    ).toBe(400);
  });

  it("answers ShowRemoteMirror for a repository without a mirror with a 404 by default, or a 200 with empty fields when set", async () => {
    const tok = await token();
    expect(await req("GET", "/v4/repositories/123/remote-mirror", { token: tok })).toMatchObject({
      status: 404,
      body: { error_code: "CH.000404" },
    });
    await admin("POST", "/codearts/settings", { noMirrorResponse: "empty200" });
    const empty = await req("GET", "/v4/repositories/123/remote-mirror", { token: tok });
    expect(empty).toMatchObject({ status: 200, body: { id: null, url: null, repository_id: 123 } });
    // A repository that does not exist is still a 404 CH.004404, and a mirror once associated shows as usual.
    expect(await req("GET", "/v4/repositories/999/remote-mirror", { token: tok })).toMatchObject({
      status: 404,
      body: { error_code: "CH.004404" },
    });
    await req("POST", "/v4/repositories/123/remote-mirror/associate", { token: tok, body: { url: URL_A } });
    expect((await req("GET", "/v4/repositories/123/remote-mirror", { token: tok })).body).toMatchObject({
      url: URL_A,
      id: expect.any(Number),
    });
    expect((await adminRequest(emu.url, "POST", "/codearts/settings", { noMirrorResponse: "204" })).status).toBe(400);
  });
});

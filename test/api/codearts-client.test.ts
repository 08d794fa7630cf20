import {
  AuthError,
  CodeArtsClient,
  CodeArtsConfigError,
  IamTokenProvider,
  NotFoundError,
  RateLimiter,
  isEmptyMirror,
} from "../../src/api/codearts";
import {
  IAM,
  IAM_PASSWORD,
  SEED,
  SOURCE_URL,
  b64,
  startCodeArtsEmulator,
  type CodeArtsTestEmulator,
} from "../helpers/codearts";
import { catchError, startServer, type TestServer } from "./helpers";
import { sharedCause } from "../../src/cli/errors";

const SHOW = "GET /v4/repositories/{repository_id}/remote-mirror";
let t: CodeArtsTestEmulator;

beforeAll(async () => {
  t = await startCodeArtsEmulator();
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.reseed({
    codearts: { ...SEED.codearts, repositories: [{ id: 123, name: "app", mirror: { url: SOURCE_URL } }] },
  });
});

const client = (env: NodeJS.ProcessEnv = t.env) =>
  CodeArtsClient.fromEnv(env, {}, { retryBaseMs: 5, maxRetries: 2, limiter: new RateLimiter() });

describe("CodeArts client: IAM token handling", () => {
  it("logs in once with the password body and reuses the cached token", async () => {
    const c = client();
    await c.showMirror(123);
    await c.showRepository(123);
    expect(t.count(IAM)).toBe(1);
    expect(c.auth.stats).toEqual({ issued: 1, renewals: 0 });
  });

  it("renews a token that expired mid-run once, and the call succeeds", async () => {
    const c = client();
    await c.showMirror(123);
    await t.admin("POST", "/codearts/expire-tokens");
    const m = await c.showMirror(123);
    expect(m.url).toBe(SOURCE_URL);
    expect(c.auth.stats).toEqual({ issued: 2, renewals: 1 });
    expect((await t.state()).counters.expiredRejections).toBe(1);
    expect(t.count(SHOW)).toBe(3); // ok, 401, retried once
  });

  it("renews once for many concurrent 401s (single flight) and retries each call once", async () => {
    const c = client();
    await c.showMirror(123);
    await t.admin("POST", "/codearts/expire-tokens");
    const results = await Promise.all(Array.from({ length: 6 }, () => c.showMirror(123)));
    expect(results.every((m) => m.url === SOURCE_URL)).toBe(true);
    expect(c.auth.stats.issued).toBe(2);
    expect(t.count(IAM)).toBe(2);
    expect(t.count(SHOW)).toBe(1 + 6 * 2); // every call: one 401, one retry
  });

  it("renews proactively before an honest short expiry, without any 401", async () => {
    await t.admin("POST", "/codearts/settings", { tokenTtlMs: 1000 });
    const c = client();
    await c.showMirror(123);
    await new Promise((r) => setTimeout(r, 600)); // past half the lifetime: renewed before use
    await c.showMirror(123);
    expect(c.auth.stats).toEqual({ issued: 2, renewals: 0 });
    expect((await t.state()).counters.expiredRejections).toBe(0);
  });

  it("does not loop: still rejected after one renewal is an error saying so", async () => {
    const server = await scripted((path) =>
      path.startsWith("/v3")
        ? iamOk()
        : { status: 401, body: { error_code: "DEV.00000003", error_msg: "Authentication information expired." } },
    );
    try {
      const c = scriptedClient(server);
      const e = await catchError(() => c.showMirror(5));
      expect(e).toBeInstanceOf(AuthError);
      expect(e.message).toMatch(
        /CodeArts repository 5: 401 DEV\.00000003 Authentication information expired\. \(still rejected after renewing the IAM token once\)/,
      );
      expect(c.auth.stats).toEqual({ issued: 2, renewals: 1 });
      expect(server.requests.filter((r) => r.path.startsWith("/v4"))).toHaveLength(2);
      expect(server.requests[1].headers["x-auth-token"]).toBe("tok-1");
      expect(server.requests[3].headers["x-auth-token"]).toBe("tok-2");
    } finally {
      await server.close();
    }
  });

  it("never renews on other 401 codes (CH.080401)", async () => {
    const server = await scripted((path) =>
      path.startsWith("/v3")
        ? iamOk()
        : { status: 401, body: { error_code: "CH.080401", error_msg: "No permission." } },
    );
    try {
      const c = scriptedClient(server);
      const e = await catchError(() => c.showMirror(5));
      expect(e.code).toBe("CH.080401");
      expect(c.auth.stats).toEqual({ issued: 1, renewals: 0 });
      // Not a credentials problem: the message itself names the repository and says what to grant,
      // wherever it is shown, and the CLI does not fold it into a "check your credentials" line.
      expect(e.message).toMatch(
        /CodeArts repository 5.*401 CH\.080401 No permission\.; the credentials were accepted, but the IAM user has no permission on this repository: make it a member/,
      );
      expect(sharedCause([e, e])).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it("sends a ready HW_AUTH_TOKEN and explains that it cannot be renewed without a password", async () => {
    const first = client();
    const token = await first.auth.token();
    const env: NodeJS.ProcessEnv = { ...t.env, HW_AUTH_TOKEN: token };
    delete env.HW_USER_PASSWORD;
    const c = client(env);
    expect((await c.showMirror(123)).url).toBe(SOURCE_URL);
    await t.admin("POST", "/codearts/expire-tokens");
    const e = await catchError(() => c.showMirror(123));
    expect(e).toBeInstanceOf(CodeArtsConfigError);
    expect(e.message).toMatch(/HW_AUTH_TOKEN was rejected \(expired or invalid\) and cannot be renewed/);
    expect(e.message).not.toContain(token);
  });

  it("fails with the missing variable names when neither a token nor the password credentials are set", () => {
    const env = { ...t.env };
    delete env.HW_USER_PASSWORD;
    delete env.HW_DOMAIN_NAME;
    expect(() => client(env)).toThrow(/HW_DOMAIN_NAME, HW_USER_PASSWORD are not set/);
  });

  it("reports wrong IAM credentials without echoing the password", async () => {
    const e = await catchError(() => client({ ...t.env, HW_USER_PASSWORD: "Wrong-Password-123" }).showMirror(123));
    expect(e.message).toMatch(/IAM user ci in domain acme: 401 The username or password is wrong/);
    expect(JSON.stringify(e)).not.toContain("Wrong-Password-123");
    expect(e.message).not.toContain(IAM_PASSWORD);
  });

  it("names the variables that hold the rejected credentials, as the connection renames them", async () => {
    const wrong = await catchError(() => client({ ...t.env, HW_USER_PASSWORD: "Wrong-Password-123" }).showMirror(123));
    expect(wrong).toBeInstanceOf(AuthError);
    expect(wrong.authHint).toBe("check HW_DOMAIN_NAME, HW_USER_NAME and HW_USER_PASSWORD");

    const env = { ...t.env, CI_DOMAIN: "acme", CI_USER: "ci", CI_PASSWORD: "Wrong-Password-123" };
    const renamed = CodeArtsClient.fromEnv(
      env,
      { domainEnv: "CI_DOMAIN", userEnv: "CI_USER", passwordEnv: "CI_PASSWORD" },
      { maxRetries: 0, limiter: new RateLimiter() },
    );
    expect((await catchError(() => renamed.showMirror(123))).authHint).toBe("check CI_DOMAIN, CI_USER and CI_PASSWORD");
  });
});

describe("CodeArts client: operations and errors", () => {
  it("base64-encodes the start-sync credentials and returns the jid", async () => {
    const { jid } = await client().startMirrorSync(123, {
      username: "u",
      password: "p@ss wörd",
      endpoint_uuid: "ep-1",
      force_fetch: true,
    });
    expect(jid).toMatch(/^[0-9a-f-]{36}$/);
    const start = (await t.mirror(123)).starts[0];
    expect(start.body).toEqual({
      username: b64("u"),
      password: b64("p@ss wörd"),
      endpoint_uuid: "ep-1",
      force_fetch: true,
    });
  });

  it("names the repository and the code: 404 CH.004404 and 403 CH.004403", async () => {
    const c = client();
    const missing = await catchError(() => c.showRepository(999));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ status: 404, code: "CH.004404" });
    expect(missing.message).toBe("ShowRepository CodeArts repository 999: 404 CH.004404 Repository Not Found");

    await t.admin("POST", "/codearts/faults", { rules: [{ method: "POST", path: "/remote-mirror$", status: 403 }] });
    const denied = await catchError(() => c.startMirrorSync(123, { username: "secret-user", password: "secret-pass" }));
    expect(denied).toBeInstanceOf(AuthError);
    expect(denied.message).toBe(
      "StartRemoteMirrorSynchronization CodeArts repository 123: 403 CH.004403 Insufficient permissions. Apply for the required permission and try again.",
    );
    expect(c.auth.stats.renewals).toBe(0);
  });

  it("retries a throttled (429 APIG.0308) or failing (500) read, but not a start-sync POST", async () => {
    const c = client();
    await t.admin("POST", "/codearts/faults", {
      rules: [
        { method: "GET", status: 429 },
        { method: "GET", status: 500 },
      ],
    });
    expect((await c.showMirror(123)).url).toBe(SOURCE_URL);
    await t.admin("POST", "/codearts/faults", { rules: [{ method: "POST", path: "/remote-mirror$", status: 500 }] });
    const e = await catchError(() => c.startMirrorSync(123));
    expect(e).toMatchObject({ status: 500, code: "CH.000001", ambiguous: true });
    expect(t.count("POST /v4/repositories/{repository_id}/remote-mirror")).toBe(1);
  });

  it("says a gateway 404 (APIG.0101) is about the route, not the repository, and reads an empty ShowRemoteMirror body as no fields", async () => {
    const c = client();
    const body = JSON.stringify({
      error_code: "APIG.0101",
      error_msg: "The API does not exist or has not been published in the environment.",
    });
    await t.admin("POST", "/codearts/faults", {
      rules: [{ method: "GET", path: "remote-mirror$", status: 404, body }],
    });
    const route = await catchError(() => c.showMirror(123));
    expect(route).toMatchObject({ status: 404, code: "APIG.0101" });
    expect(route.message).toBe(
      "ShowRemoteMirror CodeArts repository 123: 404 APIG.0101 The API does not exist or has not been published in the environment.; this 404 comes from Huawei Cloud's API gateway, not from CodeArts Repo: the endpoint does not serve this route; check HW_CODEARTS_REPO_ENDPOINT (or the CodeArtsConnection's endpoint and region)",
    );
    for (const empty of ["", "null", "{}"]) {
      await t.admin("POST", "/codearts/faults", {
        rules: [{ method: "GET", path: "remote-mirror$", status: 200, body: empty }],
      });
      const m = await c.showMirror(123);
      expect([empty, isEmptyMirror(m)]).toEqual([empty, true]);
    }
    expect(isEmptyMirror(await c.showMirror(123))).toBe(false);
  });

  it("rejects repository ids outside 1..2147483647 before sending anything", async () => {
    await expect(client().showMirror(0)).rejects.toThrow(/whole number from 1 to 2147483647/);
  });
});

// --- a scripted server for the cases the emulator cannot produce ---

async function scripted(reply: (path: string) => any): Promise<TestServer> {
  return startServer((req) => reply(req.path));
}

let issued = 0;
function iamOk() {
  issued++;
  const now = Date.now();
  return {
    status: 201,
    headers: { "X-Subject-Token": `tok-${issued}` },
    body: { token: { expires_at: new Date(now + 86_400_000).toISOString(), issued_at: new Date(now).toISOString() } },
  };
}

function scriptedClient(server: TestServer): CodeArtsClient {
  issued = 0;
  const auth = new IamTokenProvider({
    authUrl: `${server.url}/v3`,
    password: { domainName: "d", userName: "u", password: "pw-12345", projectName: "cn-north-4" },
    limiter: new RateLimiter(),
    retryBaseMs: 5,
  });
  return new CodeArtsClient({ endpoint: server.url, auth, limiter: new RateLimiter(), retryBaseMs: 5, maxRetries: 1 });
}

/**
 * Issue 27 item 4: a doctor that cannot harm or lie. Against the emulator: a 500 on each probe in
 * turn (every other check still has its line, exit 1, no stack trace, no scratch token left);
 * failing reads or a lost answer after the scratch create (no token left); a delete that keeps
 * failing (the line names the token and cloudsmith-cli's command); auth checked with a request
 * whatever the token source; --codearts-repository writing nothing without --yes and putting back
 * every field it read; URLs printed without credentials; one line per check id.
 */
import type { Emulator } from "../../src/emulator";
import type { CheckResult } from "../../src/cli/doctor/check";
import { CLOUDSMITH_CHECKS, cloudsmithChecks } from "../../src/cli/doctor/cloudsmith";
import { CODEARTS_CHECKS, codeartsChecks } from "../../src/cli/doctor/codearts";
import { doctorEmulator } from "../helpers/doctor-emulator";
import { emulatorAdmin } from "../helpers/emulator-admin";
import { reposmith } from "../helpers/harness";

const API_KEY = "doctor-faults-key-3c9e1a7f-secret";
const IAM_PASSWORD = "Doctor-Faults-Pa55-2b7d-secret";
const MIRRORED = 123;
const ALL_IDS = [...CLOUDSMITH_CHECKS, ...CODEARTS_CHECKS];
const SEED = {
  repositories: [
    { owner: "acme", slug: "prod" },
    { owner: "acme", slug: "scratch" },
  ],
  tokens: ["a", "b"].map((name) => ({ owner: "acme", repository: "prod", name })),
  packages: [{ owner: "acme", repository: "prod", format: "npm", name: "left-pad", version: "1.3.0" }],
  codearts: {
    users: [{ domain: "acme", name: "ci", password: IAM_PASSWORD }],
    repositories: [{ id: MIRRORED, name: "app", mirror: { url: "https://git.example.com/app.git", scheduled: true } }],
    endpoints: [{ uuid: "ep-1", username: "u", password: "p" }],
  },
};

let emu: Emulator;
let env: NodeJS.ProcessEnv;
let cwd: string;
const admin = (method: string, route: string, body?: unknown) => emulatorAdmin(emu.url, method, route, body);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const scratchTokens = async () =>
  ((await admin("GET", "/state")).tokens as { repository: string; name: string; slug_perm: string }[]).filter(
    (t) => t.repository === "scratch" && t.name.startsWith("reposmith-doctor-"),
  );
const mirror = async () =>
  (await admin("GET", "/codearts")).repositories.find((r: { id: number }) => r.id === MIRRORED).mirror;
const FULL = [
  "--repo",
  "acme/prod",
  "--scratch-repo",
  "acme/scratch",
  "--codearts-repository",
  String(MIRRORED),
  "--yes",
];
const run = (args: string[] = FULL, e: NodeJS.ProcessEnv = env) => reposmith(["doctor", ...args], { cwd, env: e });
/** The check lines of a run's output: [status, id]. */
const lines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => /^(\w+)\s+(\S+)/.exec(l)!.slice(1, 3) as [string, string]);
const inProcess = async (e: NodeJS.ProcessEnv = env) => [
  ...(await cloudsmithChecks({
    env: e,
    repo: { owner: "acme", repo: "prod" },
    scratch: { owner: "acme", repo: "scratch" },
    sleep,
    clientOptions: { retryBaseMs: 5 },
  })),
  ...(await codeartsChecks({ env: e, repositoryId: MIRRORED, yes: true, clientOptions: { retryBaseMs: 5 } })),
];
const byId = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r]));

doctorEmulator({ apiKey: API_KEY, iamPassword: IAM_PASSWORD, seed: SEED, dirPrefix: "doctor-faults-" }, (d) => {
  ({ emu, env, cwd } = d);
});

/** Each probe the doctor sends, with the checks that use it (and so fail when it answers 500). */
const PROBES: { probe: string; rule: Record<string, unknown>; codearts?: boolean; failing: string[] }[] = [
  { probe: "GET /user/self/ (auth)", rule: { method: "GET", path: "^/user/self/$" }, failing: ["cloudsmith.auth"] },
  {
    probe: "GET /user/self (no slash)",
    rule: { method: "GET", path: "^/user/self$" },
    failing: ["cloudsmith.trailing-slash"],
  },
  {
    probe: "GET the --repo token list",
    rule: { method: "GET", path: "^/entitlements/acme/prod/$" },
    failing: ["cloudsmith.pagination"],
  },
  {
    probe: "GET the --repo package list",
    rule: { method: "GET", path: "^/packages/acme/prod/$" },
    failing: ["cloudsmith.bare-word-search"],
  },
  {
    probe: "POST a scratch token (field errors and creates)",
    rule: { method: "POST", path: "^/entitlements/acme/scratch/$" },
    failing: ["cloudsmith.field-errors", "cloudsmith.token-read-after-create", "cloudsmith.token-delete"],
  },
  {
    probe: "GET the scratch token (reads after writes)",
    rule: { method: "GET", path: "^/entitlements/acme/scratch/[^/]+/$" },
    failing: [
      "cloudsmith.token-read-after-create",
      "cloudsmith.token-read-after-patch",
      "cloudsmith.is-active-after-disable",
      "cloudsmith.token-delete",
    ],
  },
  {
    probe: "GET the scratch list",
    rule: { method: "GET", path: "^/entitlements/acme/scratch/$" },
    failing: ["cloudsmith.token-list-after-create"],
  },
  {
    probe: "PATCH the scratch token",
    rule: { method: "PATCH", path: "^/entitlements/acme/scratch/" },
    failing: ["cloudsmith.token-read-after-patch"],
  },
  {
    probe: "POST disable",
    rule: { method: "POST", path: "/disable/$" },
    failing: ["cloudsmith.is-active-after-disable"],
  },
  {
    probe: "DELETE the scratch token (the delete check; the cleanup's retry succeeds)",
    rule: { method: "DELETE", path: "^/entitlements/acme/scratch/", times: 3 },
    failing: ["cloudsmith.token-delete"],
  },
  {
    probe: "POST the IAM login",
    rule: { method: "POST", path: "^/v3/auth/tokens$" },
    codearts: true,
    failing: ["codearts.auth", "codearts.no-mirror-answer"],
  },
  {
    probe: "GET the CodeArts repository (auth's request)",
    rule: { method: "GET", path: "^/v4/repositories/\\d+$" },
    codearts: true,
    failing: ["codearts.auth"],
  },
  {
    probe: "GET the CodeArts mirror",
    rule: { method: "GET", path: "remote-mirror$" },
    codearts: true,
    failing: ["codearts.no-mirror-answer"],
  },
  {
    probe: "PUT the CodeArts mirror",
    rule: { method: "PUT", path: "remote-mirror$", times: 3 },
    codearts: true,
    failing: ["codearts.mirroring-enabled-roundtrip"],
  },
];

describe("a 500 on each probe in turn", () => {
  it.each(PROBES)("$probe: its checks fail, every other check has its line, exit 1, no stack trace", async (p) => {
    const rule = { status: 500, times: 100, ...p.rule };
    await admin("POST", p.codearts ? "/codearts/faults" : "/faults", { rules: [rule] });
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
    const got = lines(r.stdout);
    expect(got.map(([, id]) => id)).toEqual(ALL_IDS);
    const failedIds = got.filter(([status]) => status === "failed").map(([, id]) => id);
    for (const id of p.failing) expect(failedIds).toContain(id);
    // Nothing fails but what uses this probe.
    expect(failedIds.filter((id) => !p.failing.includes(id))).toEqual([]);
    await admin("DELETE", "/faults");
    expect(await scratchTokens()).toEqual([]);
    expect((await mirror()).scheduled).toBe(true);
  });
});

describe("the scratch token is deleted on every path once it may exist", () => {
  it("reads that fail after the create: every line printed, no token left", async () => {
    await admin("POST", "/faults", {
      rules: [{ method: "GET", path: "^/entitlements/acme/scratch/[^/]+/$", status: 500, times: 1000 }],
    });
    const r = byId(await inProcess());
    expect(Object.keys(r)).toEqual(ALL_IDS);
    expect(r["cloudsmith.token-read-after-create"].status).toBe("failed");
    expect(await scratchTokens()).toEqual([]);
  });

  it("a create whose answer is lost after it acted: found by its name and deleted", async () => {
    await admin("POST", "/faults", {
      rules: [{ method: "POST", path: "^/entitlements/acme/scratch/$", status: 500, afterHandler: true, times: 2 }],
    });
    const r = byId(await inProcess());
    expect(r["cloudsmith.token-read-after-create"]).toMatchObject({
      status: "failed",
      detail: expect.stringMatching(
        /creating scratch token reposmith-doctor-\w+ failed: .*500.* \(it was made all the same as \w+, and is deleted\)/,
      ),
    });
    expect(await scratchTokens()).toEqual([]);
  });

  it("a delete that keeps failing: the line names the token and cloudsmith-cli's command for it", async () => {
    await admin("POST", "/faults", {
      rules: [{ method: "DELETE", path: "^/entitlements/acme/scratch/", status: 500, times: 1000 }],
    });
    const results = await inProcess();
    expect(results.map((x) => x.id)).toEqual(ALL_IDS);
    const [left] = await scratchTokens();
    expect(byId(results)["cloudsmith.token-delete"]).toMatchObject({
      status: "failed",
      detail: expect.stringContaining(
        `could not delete scratch token ${left.name} (${left.slug_perm}): entitlements_delete acme/scratch/${left.slug_perm}: 500`,
      ),
    });
    expect(byId(results)["cloudsmith.token-delete"].detail).toContain(
      `delete it with: cloudsmith entitlements delete acme/scratch/${left.slug_perm}`,
    );
  });
});

describe("auth is checked with a request, whatever the token source", () => {
  const tokenEnv = (token: string) => {
    const e: NodeJS.ProcessEnv = { ...env, HW_AUTH_TOKEN: token };
    delete e.HW_USER_PASSWORD;
    return e;
  };

  it("a garbage HW_AUTH_TOKEN fails codearts.auth (CodeArts answered 401), and the other CodeArts checks say why they were skipped", async () => {
    const r = await codeartsChecks({ env: tokenEnv("not-a-real-iam-token"), repositoryId: MIRRORED, yes: true });
    expect(r.map((x) => [x.id, x.status])).toEqual([
      ["codearts.auth", "failed"],
      ["codearts.no-mirror-answer", "skipped"],
      ["codearts.mirroring-enabled-roundtrip", "skipped"],
      ["codearts.mirroring-enabled-reading", "skipped"],
    ]);
    expect(r[0].detail).toMatch(/HW_AUTH_TOKEN was rejected/);
  });

  it("a real HW_AUTH_TOKEN is ok, after a request CodeArts answered", async () => {
    const login = await fetch(`${emu.url}/v3/auth/tokens`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ["password"],
            password: { user: { name: "ci", password: IAM_PASSWORD, domain: { name: "acme" } } },
          },
          scope: { project: { name: "cn-north-4" } },
        },
      }),
    });
    const before = emu.stats().requests.byRoute["GET /v4/repositories/{repository_id}"] ?? 0;
    const r = await codeartsChecks({ env: tokenEnv(login.headers.get("x-subject-token")!) });
    expect(r[0]).toMatchObject({ id: "codearts.auth", status: "ok" });
    expect(emu.stats().requests.byRoute["GET /v4/repositories/{repository_id}"]).toBe(before + 1);
  });
});

describe("--codearts-repository", () => {
  it("without --yes writes nothing: the roundtrip is skipped, naming --yes", async () => {
    const before = await mirror();
    const r = byId(await codeartsChecks({ env, repositoryId: MIRRORED }));
    expect(r["codearts.mirroring-enabled-roundtrip"]).toMatchObject({
      status: "skipped",
      detail: expect.stringMatching(/run again with --yes to allow it/),
    });
    expect(emu.stats().requests.byRoute["PUT /v4/repositories/{repository_id}/remote-mirror"] ?? 0).toBe(0);
    expect(await mirror()).toEqual(before);
  });

  it("with --yes puts back every field it read and checks them by a read, also where a PUT resets what it leaves out", async () => {
    await admin("POST", "/codearts/settings", { putOmittedFields: "reset" });
    await admin("POST", "/codearts/mirror", { repository_id: MIRRORED, endpoint_uuid: "ep-1" });
    const before = await mirror();
    const r = byId(await codeartsChecks({ env, repositoryId: MIRRORED, yes: true }));
    expect(r["codearts.mirroring-enabled-roundtrip"]).toMatchObject({
      status: "ok",
      detail: expect.stringMatching(/put back as read \(mirroring_enabled, url, endpoint_uuid\) and read again/),
    });
    const after = await mirror();
    expect([after.url, after.endpoint_uuid, after.scheduled]).toEqual([before.url, "ep-1", before.scheduled]);
  });
});

describe("output", () => {
  it("prints URLs without their credentials, and each check id once", async () => {
    const withCredentials = {
      ...env,
      CLOUDSMITH_API_URL: `${emu.url.replace("http://", "http://doctor:url-pa55word-9f2e@")}/v1`,
      HW_CODEARTS_REPO_ENDPOINT: emu.url.replace("http://", "http://ca:endpoint-pa55-4d1c@"),
    };
    const r = await run(["--repo", "acme/prod", "--codearts-repository", String(MIRRORED)], withCredentials);
    expect(r.stdout).toContain(`at ${emu.url}/v1`);
    expect(r.stdout + r.stderr).not.toMatch(/url-pa55word|endpoint-pa55|doctor:|ca:/);
    const ids = lines(r.stdout).map(([, id]) => id);
    expect(ids).toEqual(ALL_IDS);
  });
});

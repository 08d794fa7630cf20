/**
 * `reposmith doctor` against the emulator, in each setting of the behaviours the documentation
 * leaves open (item 1: mirroring_enabled's reading; item 2: how "no mirror" is answered; item 7:
 * a missing slash, Retry-After, bare search words; plus field-error status and read lags): each
 * check says ok in the emulator's default and differs, naming the setting, in the other. Most cases
 * call the checks in-process; the CLI cases show flags, exit codes and that nothing secret is printed.
 */
import type { Emulator } from "../../src/emulator";
import type { CheckResult } from "../../src/cli/doctor/check";
import { CLOUDSMITH_CHECKS, cloudsmithChecks } from "../../src/cli/doctor/cloudsmith";
import { CODEARTS_CHECKS, codeartsChecks } from "../../src/cli/doctor/codearts";
import { doctorEmulator } from "../helpers/doctor-emulator";
import { emulatorAdmin } from "../helpers/emulator-admin";
import { reposmith } from "../helpers/harness";

const API_KEY = "doctor-api-key-5f1e9c2b-secret";
const IAM_PASSWORD = "Doctor-Iam-Pa55-8e2d1f-secret";
const MIRRORED = 123;
const BARE = 124;

const SEED = {
  repositories: [
    { owner: "acme", slug: "prod" },
    { owner: "acme", slug: "scratch" },
  ],
  tokens: ["a", "b", "c"].map((name) => ({ owner: "acme", repository: "prod", name })),
  packages: [{ owner: "acme", repository: "prod", format: "npm", name: "left-pad", version: "1.3.0" }],
  codearts: {
    users: [{ domain: "acme", name: "ci", password: IAM_PASSWORD }],
    repositories: [
      { id: MIRRORED, name: "app", mirror: { url: "https://git.example.com/app.git", scheduled: true } },
      { id: BARE, name: "bare" },
    ],
  },
};

let emu: Emulator;
let env: NodeJS.ProcessEnv;
let cwd: string;

const admin = (method: string, route: string, body?: unknown) => emulatorAdmin(emu.url, method, route, body);
const cloudsmith = (body: object) => admin("POST", "/cloudsmith/settings", body);
const codearts = (body: object) => admin("POST", "/codearts/settings", body);
/** What the CodeArts console would show for the mirror's scheduled sync (the emulator's truth, not the raw flag). */
const consoleSays = async (id: number): Promise<"on" | "off"> =>
  (await admin("GET", "/codearts")).repositories.find((r: { id: number }) => r.id === id).mirror.scheduled
    ? "on"
    : "off";
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const byId = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r]));
const scratchRun = async () =>
  byId(
    await cloudsmithChecks({
      env,
      repo: { owner: "acme", repo: "prod" },
      scratch: { owner: "acme", repo: "scratch" },
      sleep,
    }),
  );
const codeartsRun = async (repositoryId: number, says?: "on" | "off", yes = true) =>
  byId(await codeartsChecks({ env, repositoryId, consoleSays: says, yes }));

doctorEmulator({ apiKey: API_KEY, iamPassword: IAM_PASSWORD, seed: SEED, dirPrefix: "doctor-" }, (d) => {
  ({ emu, env, cwd } = d);
});

describe("Cloudsmith checks", () => {
  it("say ok for every assumption in the emulator's defaults, and leave no scratch token behind", async () => {
    const r = await scratchRun();
    for (const id of [
      "auth",
      "base-url",
      "rate-limit-headers",
      "trailing-slash",
      "pagination",
      "page-beyond-last",
      "bare-word-search",
      "field-errors",
      "token-read-after-create",
      "token-list-after-create",
      "token-read-after-patch",
      "is-active-after-disable",
      "unique-token-names",
      "token-delete",
    ]) {
      expect([id, r[`cloudsmith.${id}`].status, r[`cloudsmith.${id}`].detail]).toEqual([id, "ok", expect.any(String)]);
    }
    expect(r["cloudsmith.pagination"].detail).toMatch(/4 tokens, 4 pages/);
    expect(r["cloudsmith.field-errors"].detail).toBe("an empty name answered 422 {detail, fields{name}}");
    const left = (await admin("GET", "/state")).tokens.filter(
      (t: { repository: string }) => t.repository === "scratch",
    );
    expect(left.filter((t: { name: string }) => t.name.startsWith("reposmith-doctor-"))).toEqual([]);
  });

  it.each([
    {
      reason: "item 7: a missing slash answered 404",
      setting: { missingSlash: "not-found" },
      check: "trailing-slash",
      detail: /answered 404/,
    },
    {
      reason: "item 7: a missing slash served as if it had one",
      setting: { missingSlash: "lenient" },
      check: "trailing-slash",
      detail: /served as \/user\/self\//,
    },
    {
      reason: "item 7: bare search words match names only",
      setting: { bareWordSearch: "name" },
      check: "bare-word-search",
      detail: /did not find left-pad 1.3.0/,
    },
    {
      reason: "item 6: field errors answered 400",
      setting: { fieldErrorStatus: 400 },
      check: "field-errors",
      detail: /answered 400 \{detail, fields\{name\}\}/,
    },
    {
      reason: "item 5: a new token reads 404 for a while",
      setting: { tokenReadLagMs: 600 },
      check: "token-read-after-create",
      detail: /read back only after about \d+ ms/,
    },
    {
      reason: "item 5: is_active lags a disable",
      setting: { isActiveLagMs: 600 },
      check: "is-active-after-disable",
      detail: /read back only after about \d+ ms/,
    },
    {
      reason: "issue 27: a new token shows in lists only later",
      setting: { listLagMs: 600 },
      check: "token-list-after-create",
      detail: /read back only after about \d+ ms/,
    },
    {
      reason: "issue 27: a read answers the version before a PATCH for a while",
      setting: { patchReadLagMs: 600 },
      check: "token-read-after-patch",
      detail: /read back only after about \d+ ms/,
    },
    {
      reason: "issue 27: token names are not unique (older repositories)",
      setting: { uniqueTokenNames: false },
      check: "unique-token-names",
      detail: /a second token named reposmith-doctor-\w+ was made \(deleted again\)/,
    },
  ])("$reason: differs, naming the emulator setting", async ({ setting, check, detail }) => {
    await cloudsmith(setting);
    const r = (await scratchRun())[`cloudsmith.${check}`];
    expect(r.status).toBe("differs");
    expect(r.detail).toMatch(detail);
    const [name, value] = Object.entries(setting)[0];
    expect(r.reproduce).toEqual({
      api: "cloudsmith",
      setting: name,
      value: typeof value === "number" && name.endsWith("Ms") ? expect.any(Number) : value,
    });
  });

  it("a lag is measured, not assumed: the reproducing value is about the lag set", async () => {
    await cloudsmith({ tokenReadLagMs: 800 });
    const value = (await scratchRun())["cloudsmith.token-read-after-create"].reproduce!.value as number;
    expect(value).toBeGreaterThanOrEqual(700);
    expect(value).toBeLessThan(5_000);
  });

  it.each([
    {
      reason: "item 7 default: a 429 with X-RateLimit-* only is ok",
      retryAfter: false,
      status: "ok",
      detail: /carried X-RateLimit-Reset and no Retry-After/,
    },
    {
      reason: "item 7 retryAfter: a 429 with Retry-After differs",
      retryAfter: true,
      status: "differs",
      detail: /carried Retry-After/,
    },
  ])("$reason", async ({ retryAfter, status, detail }) => {
    await cloudsmith({ retryAfter });
    // A window of one request, spent before the doctor starts: its first call meets a real 429.
    await admin("POST", "/ratelimit", { limit: 1, windowSeconds: 1 });
    await fetch(`${emu.url}/v1/user/self/`, { headers: { "X-Api-Key": API_KEY } });
    const r = byId(await cloudsmithChecks({ env, sleep }))["cloudsmith.throttle-headers"];
    expect([r.status, r.detail]).toEqual([status, expect.stringMatching(detail)]);
  });

  it("without --repo or --scratch-repo it only reads: no write reaches the API", async () => {
    const before = emu.stats().requests.byRoute;
    const r = byId(await cloudsmithChecks({ env, sleep }));
    expect(r["cloudsmith.auth"].status).toBe("ok");
    expect(r["cloudsmith.field-errors"]).toMatchObject({
      status: "skipped",
      detail: expect.stringMatching(/needs --scratch-repo/),
    });
    const after = emu.stats().requests.byRoute;
    const writes = Object.keys(after).filter(
      (k) => /^(POST|PUT|PATCH|DELETE) /.test(k) && !k.includes("/v3/auth/tokens") && after[k] !== before[k],
    );
    expect(writes).toEqual([]);
  });

  it("a wrong key fails the auth check; every other check says it was skipped for it, and none is sent", async () => {
    const before = emu.stats().requests.total;
    const r = await cloudsmithChecks({ env: { ...env, CLOUDSMITH_API_KEY: "not-the-key" }, sleep });
    expect(r[0]).toEqual(
      expect.objectContaining({
        id: "cloudsmith.auth",
        status: "failed",
        detail: expect.stringMatching(/answered 401.*CLOUDSMITH_API_KEY/),
      }),
    );
    expect(r.map((x) => x.id)).toEqual(CLOUDSMITH_CHECKS);
    expect(r.slice(1).map((x) => [x.status, x.detail])).toEqual(
      r.slice(1).map(() => ["skipped", "the API did not accept the key (see cloudsmith.auth)"]),
    );
    expect(emu.stats().requests.total - before).toBe(1);
  });
});

describe("CodeArts checks", () => {
  it.each([
    {
      reason: 'item 1 default: the server implements "true-means-off", as documented',
      reading: "true-means-off",
      status: "ok",
    },
    {
      reason: 'item 1 other reading: "true-means-on" differs and names the setting',
      reading: "true-means-on",
      status: "differs",
    },
  ])("$reason", async ({ reading, status }) => {
    await codearts({ mirroringEnabledReading: reading });
    const r = await codeartsRun(MIRRORED, await consoleSays(MIRRORED));
    expect(r["codearts.mirroring-enabled-roundtrip"].status).toBe("ok");
    expect(r["codearts.mirroring-enabled-reading"]).toMatchObject({
      status,
      detail: expect.stringContaining(`implements "${reading}"`),
    });
    if (status === "differs")
      expect(r["codearts.mirroring-enabled-reading"].reproduce).toEqual({
        api: "codearts",
        setting: "mirroringEnabledReading",
        value: reading,
      });
    // The flag it flipped is back as it was: scheduled sync still on.
    expect(await consoleSays(MIRRORED)).toBe("on");
  });

  it("without --console-says the reading is skipped, saying what to look at", async () => {
    const r = await codeartsRun(MIRRORED);
    expect(r["codearts.mirroring-enabled-reading"]).toMatchObject({
      status: "skipped",
      detail: expect.stringMatching(/mirroring_enabled=false.*--console-says on\|off/),
    });
  });

  it.each([
    { reason: "item 2 default: a 404 says no mirror", noMirrorResponse: "404", status: "ok", detail: /with a 404/ },
    {
      reason: "item 2 other answer: an empty 200 differs and names the setting",
      noMirrorResponse: "empty200",
      status: "differs",
      detail: /a 200 whose fields are empty/,
    },
  ])("$reason", async ({ noMirrorResponse, status, detail }) => {
    await codearts({ noMirrorResponse });
    const r = (await codeartsRun(BARE))["codearts.no-mirror-answer"];
    expect([r.status, r.detail]).toEqual([status, expect.stringMatching(detail)]);
  });

  it("a repository that does not exist fails the check", async () => {
    const r = (await codeartsRun(999))["codearts.no-mirror-answer"];
    expect([r.status, r.detail]).toEqual(["failed", expect.stringMatching(/repository 999 does not exist/)]);
  });

  it("without HW_* variables every CodeArts check is skipped", async () => {
    const r = await codeartsChecks({ env: { PATH: process.env.PATH } });
    expect(r.map((x) => [x.id, x.status])).toEqual(CODEARTS_CHECKS.map((id) => [id, "skipped"]));
  });
});

describe("reposmith doctor (CLI)", () => {
  const run = (...args: string[]) => reposmith(["doctor", ...args], { cwd, env });

  it("prints one line per check, exits 0 when all agree, and never prints a secret", async () => {
    const says = await consoleSays(MIRRORED);
    const r = await run(
      "--scratch-repo",
      "acme/scratch",
      "--codearts-repository",
      String(MIRRORED),
      "--console-says",
      says,
      "--yes",
    );
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^ok {7}cloudsmith\.auth {2,}authenticated as "emulator-user"/m);
    expect(r.stdout).toMatch(/^ok {7}codearts\.mirroring-enabled-reading {2,}.*"true-means-off"/m);
    expect(r.stdout.trim().split("\n")).toHaveLength(CLOUDSMITH_CHECKS.length + CODEARTS_CHECKS.length);
    const tokens = (await admin("GET", "/codearts")).tokens ?? [];
    for (const secret of [API_KEY, IAM_PASSWORD, ...tokens.map((t: { value?: string }) => t.value).filter(Boolean)])
      expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it("exits 2 when a check differs, and --json names the setting that reproduces it", async () => {
    await cloudsmith({ missingSlash: "not-found" });
    const r = await run("--json");
    expect(r.code).toBe(2);
    const checks = JSON.parse(r.stdout).checks as CheckResult[];
    expect(checks.find((c) => c.id === "cloudsmith.trailing-slash")).toMatchObject({
      status: "differs",
      reproduce: { api: "cloudsmith", setting: "missingSlash", value: "not-found" },
    });
  });

  it.each([
    { args: ["--scratch-repo", "acme"], message: /--scratch-repo must be OWNER\/REPO/ },
    { args: ["--codearts-repository", "abc"], message: /--codearts-repository must be a CodeArts repository id/ },
    { args: ["--console-says", "on"], message: /--console-says needs --codearts-repository/ },
    { args: ["--codearts-repository", "1", "--console-says", "maybe"], message: /--console-says must be on or off/ },
  ])("refuses $args with a clear error (exit 1)", async ({ args, message }) => {
    const r = await run(...args);
    expect([r.code, r.stdout]).toEqual([1, ""]);
    expect(r.stderr).toMatch(message);
  });
});

/**
 * Issue 27 item 5: the app runs at synth without reposmith's secrets. Synth needs none (a
 * Secret.fromEnv synthesizes only a variable's name), so the child never gets CLOUDSMITH_API_KEY,
 * the HW_* variables, a variable named like a key, token or password, one holding a URL with a
 * password, or one the last synth output names through Secret.fromEnv.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { appEnv, secretNamesIn } from "../../src/cli/synth";
import { nodeApp, srcBundle } from "../helpers/app-bundle";
import { reposmith, ROOT } from "../helpers/harness";

let dir: string;
beforeEach(() => {
  // Inside the checkout, so that the app finds cdktf.
  mkdirSync(path.join(ROOT, ".test-work"), { recursive: true });
  dir = mkdtempSync(path.join(ROOT, ".test-work", "synth-env-"));
  writeFileSync(
    path.join(dir, "app.js"),
    `const { App, TerraformStack } = require("cdktf");
const { writeFileSync } = require("node:fs");
const { CloudsmithConnection, EntitlementToken, RepositoryMirror, Secret } = require(${JSON.stringify(srcBundle())});
writeFileSync(__dirname + "/seen-env.json", JSON.stringify(process.env));
const app = new App();
const stack = new TerraformStack(app, "app");
const connection = new CloudsmithConnection(stack, "cs", { apiKey: Secret.fromEnv("ACME_CS") });
new EntitlementToken(stack, "ci", { owner: "acme", repository: "prod", name: "ci", connection });
new RepositoryMirror(stack, "mirror", {
  repositoryId: 7,
  sourceUrl: "https://git.example.com/app.git",
  credentials: { username: Secret.fromEnv("SRC_GIT_USER"), password: Secret.fromEnv("SRC_GIT_PW") },
});
app.synth();
`,
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SECRETS = {
  CLOUDSMITH_API_KEY: "cs-key-0b1e2d3c-secret",
  HW_USER_PASSWORD: "hw-pa55-7c6b5a-secret",
  HW_AUTH_TOKEN: "hw-token-1a2b3c-secret",
  DEPLOY_TOKEN: "deploy-token-4d5e6f-secret",
  DATABASE_URL: "postgres://app:db-pa55-9e8d7c-secret@db.example.com/app",
  ACME_CS: "named-by-secret-fromenv-1",
  SRC_GIT_USER: "mirror-user-by-fromenv-2",
  SRC_GIT_PW: "mirror-pw-by-fromenv-3",
};
const synth = async () => {
  const env = { PATH: process.env.PATH, NO_COLOR: "1", PLAIN_SETTING: "kept", ...SECRETS };
  const r = await reposmith(["synth", "--app", nodeApp("app.js"), "--output", "cdktf.out"], { cwd: dir, env });
  expect([r.code, r.stderr]).toEqual([0, ""]);
  return JSON.parse(readFileSync(path.join(dir, "seen-env.json"), "utf8")) as Record<string, string>;
};

describe("the synth child's environment", () => {
  it("holds no secret by name or by value; after one synth, none that Secret.fromEnv names either", async () => {
    const first = await synth();
    expect(first.PLAIN_SETTING).toBe("kept");
    for (const name of ["CLOUDSMITH_API_KEY", "HW_USER_PASSWORD", "HW_AUTH_TOKEN", "DEPLOY_TOKEN", "DATABASE_URL"])
      expect([name, first[name]]).toEqual([name, undefined]);
    expect(secretNamesIn(path.join(dir, "cdktf.out")).sort()).toEqual(["ACME_CS", "SRC_GIT_PW", "SRC_GIT_USER"]);
    const second = await synth();
    expect(second.PLAIN_SETTING).toBe("kept");
    expect(Object.values(second).filter((v) => Object.values(SECRETS).includes(v))).toEqual([]);
  });

  it("appEnv leaves out the names it is given, and keeps the rest", () => {
    const env = appEnv({}, "/out", { PATH: "/bin", MIRROR_LOGIN: "x", OTHER: "y" }, ["MIRROR_LOGIN"]);
    expect(env).toMatchObject({ PATH: "/bin", OTHER: "y" });
    expect(env).not.toHaveProperty("MIRROR_LOGIN");
  });
});

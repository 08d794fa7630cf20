import { spawnSync } from "node:child_process";
import path from "node:path";
import { createLogger, errInfo, secretsFromEnv } from "../../src/controller/logger";
import { ROOT } from "../helpers/harness";
import { tempDir } from "./helpers";

describe("controller logger", () => {
  it("reconcile runs when the environment holds no secret to scrub", () => {
    const w = tempDir("reposmith-log-");
    try {
      // No *KEY*/*SECRET*/*TOKEN*/*PASSWORD* variables: the logger has nothing to redact.
      const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1" };
      const r = spawnSync(
        process.execPath,
        [path.join(ROOT, "bin/reposmith.js"), "reconcile", "--skip-synth", "--output", w.outdir, "--state", w.stateDir],
        { cwd: w.dir, env, encoding: "utf8", timeout: 30_000 },
      );
      expect(r.stderr).toBe("");
      const lines = r.stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.msg)).toContain("reconcile starting");
      expect(r.status).toBe(1); // there is no synth output to reconcile
    } finally {
      w.cleanup();
    }
  }, 40_000);
});

describe("secrets from the environment, scrubbed from log lines", () => {
  const env = {
    PGPASSWORD: "pg-Pa55-3f9a1c",
    HW_USER_PASSWORD: "Iam-Pa55word-7f3c9e1a",
    mirror_password: "src-pa55-lower-8e2d",
    SRC_PASSWD: "passwd-5c1b7e",
    CLOUDSMITH_API_KEY: "cs-key-0a9b8c7d",
    HW_SECRET_KEY: "hw-secret-6d5e4f",
    GITHUB_TOKEN: "ghp-token-1a2b3c",
    SHORT_PASSWORD: "abc12", // under 6 characters: too short to scrub without mangling ordinary text
    SIX_TOKEN: "t0k3n6", // exactly 6: scrubbed
    HOME: "/home/operator",
    REGION: "cn-north-4",
  };

  it("takes the values of *KEY*, *SECRET*, *TOKEN*, *PASSWORD* and *PASSWD* variables (any case), 6 characters or more", () => {
    expect(secretsFromEnv(env).sort()).toEqual(
      [
        env.PGPASSWORD,
        env.HW_USER_PASSWORD,
        env.mirror_password,
        env.SRC_PASSWD,
        env.CLOUDSMITH_API_KEY,
        env.HW_SECRET_KEY,
        env.GITHUB_TOKEN,
        env.SIX_TOKEN,
      ].sort(),
    );
  });

  it("a line quoting them (message, error, any field) shows [REDACTED] instead, and keeps the rest", () => {
    const out: string[] = [];
    const log = createLogger({ secrets: secretsFromEnv(env), destination: { write: (l: string) => out.push(l) } });
    const quoted = Object.entries(env)
      .filter(([k]) => k !== "SHORT_PASSWORD")
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    log.error(
      { err: errInfo(new Error(`connect failed: ${quoted}`)), url: `postgres://app:${env.PGPASSWORD}@db/state` },
      `reconcile failed (${quoted})`,
    );
    expect(out).toHaveLength(1);
    const line = JSON.parse(out[0]);
    for (const [k, v] of Object.entries(env).filter(
      ([k]) => /KEY|SECRET|TOKEN|PASSW/i.test(k) && k !== "SHORT_PASSWORD",
    )) {
      expect(out[0]).not.toContain(v);
      expect(line.msg).toContain(`${k}=[REDACTED]`);
    }
    expect(line.msg).toContain(`HOME=${env.HOME} REGION=${env.REGION}`);
    expect(line.url).toBe("postgres://app:[REDACTED]@db/state");
    expect(line.err).toMatchObject({ type: "Error", message: expect.stringContaining("PGPASSWORD=[REDACTED]") });
  });

  it("scrubs the longest secret first, so one that contains another leaves no piece behind; ignores ones under 4 characters", () => {
    const out: string[] = [];
    const log = createLogger({
      secrets: ["abcd", "abcd-longer-secret-9f", "ab"],
      destination: { write: (l: string) => out.push(l) },
    });
    log.info("token abcd-longer-secret-9f and key abcd, about a cab");
    const line = JSON.parse(out[0]);
    expect(line.msg).toBe("token [REDACTED] and key [REDACTED], about a cab");
  });

  it("each line names the program, its pid and its level by name; fields named like secrets are redacted wherever they sit", () => {
    const out: string[] = [];
    const log = createLogger({ level: "debug", destination: { write: (l: string) => out.push(l) } });
    log.debug(
      {
        password: "p",
        apiKey: "k",
        api_key: "k2",
        token: "t",
        secret: "s",
        config: { any: "thing" },
        headers: { "X-Api-Key": "h" },
        request: { headers: { authorization: "a" }, token: "t2", password: "p2", apiKey: "k3", secret: "s2" },
        err: { type: "ApiError", message: "kept as given" },
        kept: "visible",
      },
      "with fields",
    );
    log.trace("below the level: not written");
    expect(out).toHaveLength(1);
    const line = JSON.parse(out[0]);
    expect(line).toMatchObject({
      name: "reposmith",
      pid: process.pid,
      level: "debug",
      msg: "with fields",
      password: "[REDACTED]",
      apiKey: "[REDACTED]",
      api_key: "[REDACTED]",
      token: "[REDACTED]",
      secret: "[REDACTED]",
      config: "[REDACTED]",
      headers: "[REDACTED]",
      request: {
        headers: "[REDACTED]",
        token: "[REDACTED]",
        password: "[REDACTED]",
        apiKey: "[REDACTED]",
        secret: "[REDACTED]",
      },
      err: { type: "ApiError", message: "kept as given" },
      kept: "visible",
    });
  });

  it("logs an Error as type, message and HTTP details only, never its stack or request", () => {
    const out: string[] = [];
    const log = createLogger({ destination: { write: (l: string) => out.push(l) } });
    const e = Object.assign(new TypeError("bad"), {
      status: 502,
      operation: "entitlements_list",
      code: "E1",
      request: { h: 1 },
    });
    log.error({ err: e }, "failed");
    expect(JSON.parse(out[0]).err).toEqual({
      type: "TypeError",
      message: "bad",
      status: 502,
      operation: "entitlements_list",
      code: "E1",
    });
    expect(errInfo("plain text")).toEqual({ type: "string", message: "plain text" });
    expect(errInfo(undefined)).toEqual({ type: "undefined", message: "undefined" });
  });
});

import { Testing, TerraformStack } from "cdktf";
import { readFileSync } from "node:fs";
import path from "node:path";
import { CodeArtsConnection, RepositoryMirror, Secret, type RepositoryMirrorProps } from "../../src";
import { synthesizedHooks } from "../helpers/synth";

const base: RepositoryMirrorProps = { repositoryId: 123, sourceUrl: "https://git.example.com/app.git" };
const stack = () => new TerraformStack(Testing.app(), "s1");

describe("RepositoryMirror construct", () => {
  it("fails synth when two mirrors manage one repositoryId, naming both paths, the repository, both sources and the fix", () => {
    const s = stack();
    new RepositoryMirror(s, "app", base);
    new RepositoryMirror(s, "app-fork", { ...base, sourceUrl: "https://git.example.com/fork.git" });
    new RepositoryMirror(s, "other", { ...base, repositoryId: 124 });
    expect(() => Testing.synth(s, true)).toThrow(
      /RepositoryMirrors "s1\/app" and "s1\/app-fork" both manage CodeArts repository 123 \(sources "https:\/\/git\.example\.com\/app\.git" and "https:\/\/git\.example\.com\/fork\.git"\), which has one mirror: each apply would undo the other; declare one RepositoryMirror per repositoryId/,
    );
  });

  it("accepts the same repositoryId in other regions", () => {
    const app = Testing.app();
    for (const region of ["cn-north-4", "cn-east-3"]) {
      const s = new TerraformStack(app, region);
      new CodeArtsConnection(s, "codearts", { region });
      new RepositoryMirror(s, "app", base);
    }
    expect(() => app.synth()).not.toThrow();
    for (const region of ["cn-north-4", "cn-east-3"]) {
      const doc = JSON.parse(readFileSync(path.join(app.outdir, "stacks", region, "cdk.tf.json"), "utf8"));
      expect(synthesizedHooks(doc).map((h) => [h.kind, h.key, h.spec.repositoryId])).toEqual([
        ["RepositoryMirror", `${region}/app`, 123],
      ]);
      const hook = Object.values(doc.resource.terraform_data as Record<string, any>).find((r) => r.input.kind);
      expect(JSON.parse(hook.input.connection)).toMatchObject({ codearts: { region } });
    }
  });

  it("synthesizes a hook carrying the spec with defaults, and only the variable names of secrets", () => {
    const s = stack();
    new CodeArtsConnection(s, "codearts", {
      region: "cn-north-4",
      password: Secret.fromEnv("MY_HW_PASSWORD"),
      mirroringEnabledReading: "true-means-on",
    });
    const m = new RepositoryMirror(s, "mirror", {
      ...base,
      credentials: { username: Secret.fromEnv("GIT_USER"), password: Secret.fromEnv("GIT_PASSWORD") },
      syncTriggers: { release: "1" },
    });
    expect(m.spec).toEqual({
      repositoryId: 123,
      sourceUrl: base.sourceUrl,
      syncBranchType: "all",
      scheduledSync: true,
      forceFetch: false,
      credentials: { usernameEnv: "GIT_USER", passwordEnv: "GIT_PASSWORD" },
      syncTriggers: { release: "1" },
      waitForSync: { timeout: "20m" },
    });
    const synth = Testing.synth(s);
    const hook = Object.values(JSON.parse(synth).resource.terraform_data as Record<string, any>)[0].input;
    expect(hook).toMatchObject({ kind: "RepositoryMirror", key: "s1/mirror" });
    expect(JSON.parse(hook.connection)).toEqual({
      codearts: { region: "cn-north-4", passwordEnv: "MY_HW_PASSWORD", mirroringEnabledReading: "true-means-on" },
    });
    expect(synth).toContain("GIT_PASSWORD");
  });

  const cases: { reason: string; props: Record<string, unknown>; want: RegExp }[] = [
    { reason: "a repository id of 0", props: { repositoryId: 0 }, want: /repositoryId must be at least 1 \(got 0\)/ },
    {
      reason: "an ftp source",
      props: { sourceUrl: "ftp://git.example.com/app.git" },
      want: /sourceUrl must be an http:\/\/ or https:\/\/ URL such as "https:\/\/git\.example\.com\/app\.git" \(got a URL starting "ftp:\/\/"\)/,
    },
    {
      reason: "a source that is not a URL",
      props: { sourceUrl: "git.example.com/app.git" },
      want: /sourceUrl must be an http:\/\/ or https:\/\/ URL .*\(got "git\.example\.com\/app\.git"\)/,
    },
    {
      reason: "a query string in the source URL",
      props: { sourceUrl: "https://git.example.com/app.git?ref=main" },
      want: /sourceUrl must not have a query string or fragment: a Git clone URL has none/,
    },
    {
      reason: "an unknown branch type",
      props: { syncBranchType: "main" },
      want: /syncBranchType must be "all" or "default" \(got "main"\)/,
    },
    {
      reason: "a plain-text password",
      props: { credentials: { username: Secret.fromEnv("U"), password: "hunter2" } },
      want: /must be Secret references/,
    },
    {
      reason: "a timeout that is not a duration",
      props: { waitForSync: { timeout: "soon" } },
      want: /waitForSync\.timeout must be a duration/,
    },
    { reason: "a misspelt prop", props: { scheduledSynch: false }, want: /unknown field\(s\) "scheduledSynch"/ },
  ];
  it.each(cases)("rejects $reason at synth time", ({ props, want }) => {
    expect(() => new RepositoryMirror(stack(), "m", { ...base, ...props } as RepositoryMirrorProps)).toThrow(want);
  });

  // What a user sees in CI logs when a credential slipped into sourceUrl: one accurate message,
  // the fix, and never the credential itself.
  const leaks: { reason: string; sourceUrl: string; secrets: string[]; want: RegExp }[] = [
    {
      reason: "user:password@ in the URL",
      sourceUrl: "https://bob:hunter2secret@git.example.com/app.git",
      secrets: ["hunter2secret", "bob"],
      want: /^RepositoryMirror at "s1\/m": sourceUrl must not contain credentials \(user:password@ or token@ before the host\) \(got "https:\/\/\*\*\*@git\.example\.com\/app\.git"\); give them as credentials: \{ username: Secret\.fromEnv\("GIT_USER"\), password: Secret\.fromEnv\("GIT_PASSWORD"\) \}/,
    },
    {
      reason: "a token as the user name",
      sourceUrl: "https://glpat-Tok3nValue@git.example.com/app.git",
      secrets: ["glpat-Tok3nValue"],
      want: /sourceUrl must not contain credentials .*\(got "https:\/\/\*\*\*@git\.example\.com\/app\.git"\)/,
    },
    {
      reason: "a password holding @ and /",
      sourceUrl: "https://bob:p@ss/w0rd@git.example.com/app.git",
      secrets: ["p@ss/w0rd", "ss/w0rd"],
      want: /sourceUrl must .*(credentials|not a URL)/,
    },
    {
      reason: "a private_token query parameter",
      sourceUrl: "https://git.example.com/app.git?private_token=QueryTok-99",
      secrets: ["QueryTok-99"],
      want: /sourceUrl must not carry credentials in its query string \("private_token"\) \(got "https:\/\/git\.example\.com\/app\.git\?\*\*\*"\); give them as credentials/,
    },
    {
      reason: "an access_token in any case, after another parameter",
      sourceUrl: "https://git.example.com/app.git?ref=x&Access_Token=QueryTok-42",
      secrets: ["QueryTok-42"],
      want: /sourceUrl must not carry credentials in its query string \("access_token"\)/,
    },
    {
      reason: "an SSH URL with a password",
      sourceUrl: "ssh://git:SshPw-1234@git.example.com/app.git",
      secrets: ["SshPw-1234"],
      want: /sourceUrl must be an http:\/\/ or https:\/\/ URL \(got an SSH URL\)/,
    },
    {
      reason: "a URL without a scheme but with a password",
      sourceUrl: "bob:NoSchemePw-5@git.example.com/app.git",
      secrets: ["NoSchemePw-5"],
      want: /sourceUrl must be an http:\/\/ or https:\/\/ URL .*\(got a value that is not a URL\)/,
    },
  ];
  it.each(leaks)("rejects $reason without echoing the credential", ({ sourceUrl, secrets, want }) => {
    let message = "";
    try {
      new RepositoryMirror(stack(), "m", { ...base, sourceUrl });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(want);
    for (const secret of secrets) expect(message).not.toContain(secret);
  });

  it("says an SSH source URL is SSH, in one error, and points at the HTTPS address", () => {
    expect(() => new RepositoryMirror(stack(), "m", { ...base, sourceUrl: "git@git.example.com:app.git" })).toThrow(
      new Error(
        'RepositoryMirror at "s1/m": sourceUrl must be an http:// or https:// URL (got an SSH URL); CodeArts mirrors pull over HTTP(S) only, ' +
          'so use the repository\'s HTTPS clone address, e.g. "https://git.example.com/app.git"',
      ),
    );
  });

  it("shows a URL pasted into another field redacted when it echoes the value", () => {
    const message = (() => {
      try {
        new RepositoryMirror(stack(), "m", {
          ...base,
          syncBranchType: "https://bob:Pasted-Pw-9@git.example.com/x?token=Pasted-Tok-9" as never,
        });
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message).toMatch(
      /syncBranchType must be "all" or "default" \(got "https:\/\/\*\*\*@git\.example\.com\/x\?\*\*\*"\)/,
    );
    expect(message).not.toMatch(/Pasted-(Pw|Tok)-9/);
  });

  it("accepts an http source with a port, as CodeArts does", () => {
    const m = new RepositoryMirror(stack(), "m", { ...base, sourceUrl: "http://git.internal:8080/team/app.git" });
    expect(m.spec.sourceUrl).toBe("http://git.internal:8080/team/app.git");
  });

  it("rejects secrets given as values on the connection", () => {
    expect(() => new CodeArtsConnection(stack(), "c", { password: "hunter2" as never })).toThrow(
      /password must be a Secret reference such as Secret.fromEnv\("HW_USER_PASSWORD"\)/,
    );
  });
});

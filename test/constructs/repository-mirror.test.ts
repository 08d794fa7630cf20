import { Testing, TerraformStack } from "cdktf";
import { CodeArtsConnection, RepositoryMirror, Secret, type RepositoryMirrorProps } from "../../src";

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
  });

  it("synthesizes a hook carrying the spec with defaults, and only the variable names of secrets", () => {
    const s = stack();
    new CodeArtsConnection(s, "codearts", { region: "cn-north-4", password: Secret.fromEnv("MY_HW_PASSWORD"), mirroringEnabledInverted: true });
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
    expect(JSON.parse(hook.connection)).toEqual({ codearts: { region: "cn-north-4", passwordEnv: "MY_HW_PASSWORD", mirroringEnabledInverted: true } });
    expect(synth).toContain("GIT_PASSWORD");
  });

  const cases: { reason: string; props: Record<string, unknown>; want: RegExp }[] = [
    { reason: "a repository id of 0", props: { repositoryId: 0 }, want: /repositoryId must be at least 1 \(got 0\)/ },
    { reason: "an ssh source", props: { sourceUrl: "git@git.example.com:app.git" }, want: /sourceUrl must start with "http:\/\/" or "https:\/\/"/ },
    { reason: "credentials in the source URL", props: { sourceUrl: "https://u:p@git.example.com/app.git" }, want: /without user:password@/ },
    { reason: "an unknown branch type", props: { syncBranchType: "main" }, want: /syncBranchType must be "all" or "default" \(got "main"\)/ },
    { reason: "a plain-text password", props: { credentials: { username: Secret.fromEnv("U"), password: "hunter2" } }, want: /must be Secret references/ },
    { reason: "a timeout that is not a duration", props: { waitForSync: { timeout: "soon" } }, want: /waitForSync\.timeout must be a duration/ },
    { reason: "a misspelt prop", props: { scheduledSynch: false }, want: /unknown field\(s\) "scheduledSynch"/ },
  ];
  it.each(cases)("rejects $reason at synth time", ({ props, want }) => {
    expect(() => new RepositoryMirror(stack(), "m", { ...base, ...props } as RepositoryMirrorProps)).toThrow(want);
  });

  it("rejects secrets given as values on the connection", () => {
    expect(() => new CodeArtsConnection(stack(), "c", { password: "hunter2" as never })).toThrow(/password must be a Secret reference such as Secret.fromEnv\("HW_USER_PASSWORD"\)/);
  });
});

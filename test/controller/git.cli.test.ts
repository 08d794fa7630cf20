/**
 * `reposmith reconcile --git` as a user runs it: the app synthesized in a clean checkout of the
 * revision, the revision in the log, and /status and the metric label served on `--listen :PORT`.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { reposmith, ROOT, startTestEmulator, Workdir, type TestEmulator } from "../helpers/harness";
import { nodeApp } from "../helpers/app-bundle";
import { waitFor } from "./helpers";

let t: TestEmulator;
let w: Workdir;
let remoteDir: string;

beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.reseed({ repositories: [{ owner: "acme", slug: "prod" }] });
  w = new Workdir();
  remoteDir = mkdtempSync(path.join(tmpdir(), "reposmith-remote-"));
});
afterEach(() => {
  w.cleanup();
  rmSync(remoteDir, { recursive: true, force: true });
});

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "ci",
  GIT_AUTHOR_EMAIL: "ci@example.com",
  GIT_COMMITTER_NAME: "ci",
  GIT_COMMITTER_EMAIL: "ci@example.com",
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** The Workdir's app (app.js + tokens.json) pushed to a bare repository; returns its URL and the commit. */
function pushApp(tokens: unknown[]): { url: string; sha: string } {
  const remote = path.join(remoteDir, "app.git");
  const src = path.join(remoteDir, "src");
  git(remoteDir, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  git(remoteDir, "init", "--quiet", "--initial-branch=main", src);
  writeFileSync(path.join(src, "app.js"), readFileSync(path.join(w.dir, "app.js")));
  writeFileSync(path.join(src, "tokens.json"), JSON.stringify(tokens));
  writeFileSync(path.join(src, "cdktf.json"), JSON.stringify({ app: nodeApp("app.js"), output: "cdktf.out" }));
  git(src, "add", "-A");
  git(src, "commit", "--quiet", "-m", "declare the tokens");
  git(src, "push", "--quiet", remote, "main");
  return { url: `file://${remote}`, sha: git(src, "rev-parse", "HEAD") };
}

const jsonLines = (s: string) =>
  s
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
const ci = { id: "ci", props: { owner: "acme", repository: "prod", name: "ci" } };

describe("reposmith reconcile --git", () => {
  it("one pass: synthesizes the app in a clean checkout of the revision and logs the revision", async () => {
    const { url, sha } = pushApp([ci]);
    // The checkout lives beside the project so that the app finds cdktf in node_modules.
    const checkout = path.join(w.dir, "checkout");
    const r = await reposmith(["reconcile", "--git", url, "--git-checkout", checkout, "--state", "state"], {
      cwd: w.dir,
      env: t.env,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.find((l) => /^checked out revision/.test(l.msg))).toMatchObject({ revision: sha, ref: "HEAD" });
    expect(lines.find((l) => l.msg === "reconcile pass done")).toMatchObject({ revision: sha, applied: 1 });
    expect((await t.tokens("acme", "prod")).map((x) => x.name)).toContain("ci");
    // A clean checkout: only what the commit holds, and the synth output.
    expect(git(checkout, "status", "--porcelain", "--ignored")).toBe("?? cdktf.out/");
  });

  it("--watch --listen :PORT serves /status (revision, last pass, stacks) and the revision as a metric label", async () => {
    const { url, sha } = pushApp([ci]);
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "bin/reposmith.js"),
        "reconcile",
        "--watch",
        "--interval",
        "1s",
        "--listen",
        ":0",
        "--git",
        url,
        "--git-checkout",
        path.join(w.dir, "checkout"),
        "--state",
        "state",
      ],
      { cwd: w.dir, env: t.env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const exited = new Promise((resolve) => child.on("close", resolve));
    try {
      const serving = await waitFor(
        "the probe server",
        () => jsonLines(out).find((l) => /^serving/.test(l.msg)),
        20_000,
      );
      expect(serving.url).toMatch(/^http:\/\/(\[::\]|0\.0\.0\.0):\d+$/);
      const base = `http://127.0.0.1:${serving.url.replace(/^.*:/, "")}`;
      const status = await waitFor(
        "a pass",
        async () => {
          const s = (await (await fetch(`${base}/status`)).json()) as any;
          return s.lastPass && s;
        },
        30_000,
        200,
      );
      expect(status).toMatchObject({
        revision: sha,
        lastPass: { revision: sha, result: "success" },
        stacks: { app: { managed: 1, applied: 1 } },
        source: { ref: "HEAD", revision: { sha } },
      });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain(`reposmith_git_revision_info{revision="${sha}",ref="HEAD"} 1`);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }, 60_000);
});

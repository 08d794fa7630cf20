/**
 * The controller following a git repository (`--git URL`): local repositories reached as file://
 * URLs (no network), rendered manifests committed to them as CI would commit `cdktf.out`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, GitSource, redactGitUrl, startProbeServer } from "../../src/controller";
import type { TestEmulator } from "../helpers/harness";
import { token, writeOutdir, type Decl } from "../helpers/outdir";
import { collectingLogger, metric, emulatorAndDir, testController, waitFor, type TempDir } from "./helpers";

let t: TestEmulator;
let w: TempDir;
emulatorAndDir("reposmith-git-", (emulator, dir) => {
  t = emulator;
  w = dir;
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

/** A bare "remote" and a clone CI commits rendered manifests from. */
function repositories() {
  const remote = path.join(w.dir, "remote.git");
  const work = path.join(w.dir, "work");
  git(w.dir, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  git(w.dir, "init", "--quiet", "--initial-branch=main", work);
  git(work, "remote", "add", "origin", remote);
  /** Commits `cdktf.out` declaring `decls` and pushes it (forced when asked); the commit's sha. */
  const publish = (decls: Decl[], message: string, force = false): string => {
    rmSync(path.join(work, "cdktf.out"), { recursive: true, force: true });
    writeOutdir(path.join(work, "cdktf.out"), { app: decls });
    git(work, "add", "-A");
    git(work, "commit", "--quiet", "-m", message);
    git(work, "push", "--quiet", ...(force ? ["--force"] : []), "origin", "main");
    return git(work, "rev-parse", "HEAD");
  };
  return { remote, url: `file://${remote}`, work, publish };
}

const managed = async () => (await t.tokens("acme", "prod")).filter((x) => x.metadata?.["managed-by"] === "reposmith");
const byName = async (name: string) => (await managed()).find((x) => x.name === name);

describe("reconcile --git (the controller follows a repository)", () => {
  it("follows two pushed commits and a force-push, and keeps the last revision (reported) when the remote is gone", async () => {
    const repo = repositories();
    const first = repo.publish([token("ci", { limits: { numDownloads: 100 } })], "first");
    const checkout = path.join(w.dir, "checkout");
    // One logger for both, as the CLI gives them.
    const { logger, lines } = collectingLogger([t.apiKey]);
    const source = new GitSource({ url: repo.url, dir: checkout, log: logger });
    const { controller } = testController(t, {
      outdir: path.join(checkout, "cdktf.out"),
      store: w.store(),
      source,
      logger,
      intervalMs: 150,
      graceMs: 100,
    });
    const server = await startProbeServer({ host: "127.0.0.1", port: 0 }, controller.probes());
    const status = async (): Promise<any> => (await fetch(`${server.url}/status`)).json();
    const running = controller.run();
    try {
      await waitFor("the first commit applied", async () => (await byName("ci"))?.limit_num_downloads === 100).catch(
        (err) => {
          throw new Error(`${err.message}; log: ${JSON.stringify(lines.filter((l) => l.level !== "debug"))}`);
        },
      );
      await waitFor("its pass to finish", async () => (await status()).lastPass?.revision === first);

      const second = repo.publish(
        [token("ci", { limits: { numDownloads: 250 } }), token("partner")],
        "second: raise the limit, add a partner",
      );
      await waitFor("the second commit applied", async () => (await byName("ci"))?.limit_num_downloads === 250);
      await waitFor("partner", async () => !!(await byName("partner")));
      await waitFor("its pass", async () => (await status()).lastPass?.revision === second);

      // History rewritten: back to the first commit, then another on top of it, force-pushed.
      git(repo.work, "reset", "--quiet", "--hard", first);
      const forced = repo.publish([token("ci", { limits: { numDownloads: 300 } })], "rewritten", true);
      // Not a descendant of what was applied: git exits 1.
      expect(() => git(repo.work, "merge-base", "--is-ancestor", second, forced)).toThrow();
      await waitFor("the force-pushed commit applied", async () => (await byName("ci"))?.limit_num_downloads === 300);
      await waitFor("its pass", async () => (await status()).lastPass?.revision === forced);

      const s = await status();
      expect(s).toMatchObject({
        phase: "leader",
        ready: true,
        healthy: true,
        revision: forced,
        source: {
          url: repo.url,
          ref: "HEAD",
          revision: { sha: forced, subject: "rewritten" },
          lastFetch: { ok: true },
        },
        lastPass: { result: "success", revision: forced, stackErrors: 0 },
        stacks: { app: { managed: 1, failed: 0 } },
      });
      const m = await controller.metrics.text();
      expect(metric(m, `reposmith_git_revision_info{revision="${forced}",ref="HEAD"}`)).toBe(1);
      expect(m).not.toContain(`revision="${first}"`);
      // Each revision is logged when it is checked out, and on every pass done.
      expect(lines.filter((l) => /^checked out revision/.test(l.msg)).map((l) => l.revision)).toEqual([
        first,
        second,
        forced,
      ]);
      expect(lines.filter((l) => l.msg === "reconcile pass done").map((l) => l.revision)).toContain(second);

      // The remote disappears: passes go on with the last good revision, and the failure is reported.
      rmSync(repo.remote, { recursive: true, force: true });
      await waitFor("a failed fetch in /status", async () => (await status()).source.lastFetch.ok === false);
      const after = lines.length;
      await waitFor("a pass after it", async () => lines.slice(after).some((l) => l.msg === "reconcile pass done"));
      const gone = await status();
      expect(gone).toMatchObject({ revision: forced, lastPass: { revision: forced, result: "success" }, ready: true });
      expect(gone.source.lastFetch.error).toMatch(/^could not fetch HEAD from file:\/\/\S*remote\.git: \S/);
      expect(lines.find((l) => /git fetch failed/.test(l.msg))).toMatchObject({ level: "error", revision: forced });
      expect(metric(await controller.metrics.text(), "reposmith_git_fetch_failures_total")).toBeGreaterThan(0);
      expect((await byName("ci"))?.limit_num_downloads).toBe(300);
    } finally {
      await controller.stop();
      await running;
      await server.close();
    }
  }, 60_000);

  it("fails the pass (nothing applied, not ready) while no revision was ever fetched", async () => {
    const source = new GitSource({
      url: `file://${path.join(w.dir, "nowhere.git")}`,
      dir: path.join(w.dir, "checkout"),
      log: createLogger({ level: "fatal" }),
    });
    const { controller, lines } = testController(t, {
      outdir: path.join(w.dir, "checkout", "cdktf.out"),
      store: w.store(),
      source,
    });
    const r = await controller.reconcileOnce();
    expect(r.stackErrors).toHaveLength(1);
    expect(lines.find((l) => l.level === "error")!.msg).toMatch(
      /^the git repository could not be fetched; nothing was applied/,
    );
    expect(controller.readiness().ready).toBe(false);
    expect(await t.writes()).toBe(0);
  });
});

describe("credentials in the git URL", () => {
  it("are removed from URLs, whatever their form", () => {
    expect(redactGitUrl("https://ci:s3cret@git.example.com/app.git")).toBe("https://git.example.com/app.git");
    expect(redactGitUrl("https://s3cret@git.example.com/app.git")).toBe("https://git.example.com/app.git");
    expect(redactGitUrl("https://git.example.com/app.git")).toBe("https://git.example.com/app.git");
    expect(redactGitUrl("git@git.example.com:app.git")).toBe("git@git.example.com:app.git");
    // Not a URL the WHATWG parser takes: the credentials part is cut from the text.
    expect(redactGitUrl("https://ci:s3cret@[bad/app.git")).toBe("https://[bad/app.git");
  });

  it("never reach a failed fetch's error, which names the ref and the URL without them", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "reposmith-git-cred-"));
    try {
      // Port 1 of this machine: refused at once, no network involved.
      const url = "http://ci:s3cret-pass@127.0.0.1:1/app.git";
      const source = new GitSource({ url, dir: path.join(dir, "checkout"), log: createLogger({ level: "fatal" }) });
      const err = await source.sync().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/^could not fetch HEAD from http:\/\/127\.0\.0\.1:1\/app\.git: \S/);
      expect(err?.message).not.toContain("s3cret-pass");
      expect(source.lastFetch()).toMatchObject({ ok: false, error: err?.message, failuresInARow: 1 });
      await source.sync().catch(() => undefined);
      expect(source.lastFetch()?.failuresInARow).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

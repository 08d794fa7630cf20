/**
 * The controller's desired state from a git repository (`reposmith reconcile --git URL [--ref REF]`),
 * as Argo CD and Flux follow one: each pass fetches REF and, when it points at another commit, puts
 * a clean checkout of that commit in place. A force-push is followed like any other move of the ref
 * (the fetch is forced). A fetch that fails keeps the last good checkout and is reported: the
 * controller goes on reconciling what it last read rather than nothing.
 *
 * It drives the real `git` binary through simple-git (a maintained, typed wrapper that also guards
 * against option injection): every transport git has (https with credential helpers, ssh with its
 * agent and known_hosts, file://) works as the user's git does, and no git is reimplemented here.
 * isomorphic-git, the pure-JavaScript alternative, speaks only HTTP(S).
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import type { Logger } from "./logger";

/** Where the fetched ref is kept: apart from branches and tags, and forced on every fetch. */
const TARGET = "refs/reposmith/target";

export interface GitSourceOptions {
  url: string;
  /** A branch, tag or full ref name. @default "HEAD" (the remote's default branch) */
  ref?: string;
  /** The working tree of the checkout (created when missing). */
  dir: string;
  log: Logger;
  /** How long one git command may take. @default 300 s */
  timeoutMs?: number;
}

/** The commit the controller reconciles. */
export interface GitRevision {
  sha: string;
  ref: string;
  /** The commit's subject line. */
  subject: string;
  /** When this commit was first checked out. */
  since: string;
}

export interface FetchOutcome {
  at: string;
  ok: boolean;
  /** What failed (credentials removed). */
  error?: string;
}

/** `https://user:token@host/x.git` → `https://host/x.git`: URLs are logged and served by /status. */
export function redactGitUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//");
  }
}

export class GitSource {
  private readonly git: SimpleGit;
  private readonly ref: string;
  private current: GitRevision | undefined;
  private last: FetchOutcome | undefined;
  private failures = 0;

  constructor(private readonly opts: GitSourceOptions) {
    this.ref = opts.ref ?? "HEAD";
    mkdirSync(opts.dir, { recursive: true });
    // Never wait for a password on a terminal nobody watches.
    const env = { ...process.env, GIT_TERMINAL_PROMPT: "0" };
    this.git = simpleGit({
      baseDir: opts.dir,
      timeout: { block: opts.timeoutMs ?? 300_000 },
      // The environment is the operator's own (the Pod spec, the CI job), not input from a request:
      // what it sets for git (GIT_SSH_COMMAND, a credential helper's variables) reaches git as from a shell.
      allowEnvironment: Object.keys(env),
    }).env(env);
  }

  /** The checkout's working tree. */
  get dir(): string {
    return this.opts.dir;
  }

  /** The commit checked out, once one was. */
  revision(): GitRevision | undefined {
    return this.current;
  }

  /** The last fetch's outcome, and how many fetches failed in a row. */
  lastFetch(): (FetchOutcome & { failuresInARow: number }) | undefined {
    return this.last && { ...this.last, failuresInARow: this.failures };
  }

  /** What /status shows of the source. */
  status(): Record<string, unknown> {
    return {
      url: redactGitUrl(this.opts.url),
      ref: this.ref,
      revision: this.current ?? null,
      lastFetch: this.lastFetch() ?? null,
    };
  }

  /**
   * Fetches the ref and checks out the commit it points at when that changed. A failed fetch keeps
   * the last good checkout (logged, and in lastFetch()); it throws only while there is none yet.
   */
  async sync(): Promise<{ revision: GitRevision; changed: boolean }> {
    let sha: string;
    try {
      await this.ensureRepository();
      await this.git.fetch(["--force", "--no-tags", "--depth", "1", "origin", `+${this.ref}:${TARGET}`]);
      sha = (await this.git.revparse([`${TARGET}^{commit}`])).trim();
      this.last = { at: new Date().toISOString(), ok: true };
      this.failures = 0;
    } catch (err) {
      this.failures++;
      // git's own message may not name the remote (it depends on how the remote broke), so say which one.
      const detail = redactMessage((err as Error)?.message ?? String(err), this.opts.url).trim();
      const error = `could not fetch ${this.ref} from ${redactGitUrl(this.opts.url)}: ${detail}`;
      this.last = { at: new Date().toISOString(), ok: false, error };
      if (!this.current) throw new Error(error);
      this.opts.log.error(
        {
          url: redactGitUrl(this.opts.url),
          ref: this.ref,
          revision: this.current.sha,
          failuresInARow: this.failures,
          err: { message: detail },
        },
        `git fetch failed; reconciling the last good revision ${this.current.sha.slice(0, 12)} again`,
      );
      return { revision: this.current, changed: false };
    }
    if (this.current?.sha === sha) return { revision: this.current, changed: false };
    // A clean checkout of exactly that commit: nothing left from the previous one or from a synth.
    await this.git.raw(["checkout", "--force", "--detach", sha]);
    await this.git.raw(["clean", "-ffdx"]);
    const subject = (await this.git.raw(["log", "-1", "--format=%s", sha])).trim();
    const previous = this.current?.sha;
    this.current = { sha, ref: this.ref, subject, since: new Date().toISOString() };
    this.opts.log.info(
      { url: redactGitUrl(this.opts.url), ref: this.ref, revision: sha, previous: previous ?? null, subject },
      `checked out revision ${sha.slice(0, 12)} of ${this.ref}${previous ? ` (was ${previous.slice(0, 12)})` : ""}`,
    );
    return { revision: this.current, changed: true };
  }

  /** A repository whose origin is the URL (re-pointed when the flag changed between runs). */
  private async ensureRepository(): Promise<void> {
    if (!existsSync(path.join(this.opts.dir, ".git"))) {
      await this.git.init();
      await this.git.addRemote("origin", this.opts.url);
      return;
    }
    const remotes = await this.git.getRemotes(true);
    const origin = remotes.find((r) => r.name === "origin");
    if (!origin) await this.git.addRemote("origin", this.opts.url);
    else if (origin.refs.fetch !== this.opts.url) await this.git.remote(["set-url", "origin", this.opts.url]);
  }
}

/** An error message without the URL's credentials. */
function redactMessage(message: string, url: string): string {
  const clean = redactGitUrl(url);
  return message
    .split(url)
    .join(clean)
    .replace(/\/\/[^@/\s]+:[^@/\s]+@/g, "//");
}

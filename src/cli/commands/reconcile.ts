import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Option, type Command } from "commander";
import {
  Controller,
  LOG_LEVELS,
  addLogSecrets,
  createLogger,
  errInfo,
  exitCodeOf,
  GitSource,
  parseListen,
  redactGitUrl,
  secretsFromEnv,
  startProbeServer,
  type Logger,
  type ProbeServer,
} from "../../controller";
import { DRIFT_POLICIES, type DriftPolicy } from "../../resources/lifecycle";
import { openStore, parseDurationFlag, parseParallelism, withCommon, type CommonOptions } from "../common";
import { CliError } from "../errors";
import { appWroteNothing, couldNotRunApp, notOneOf } from "../messages";
import { envNamesIn } from "../../util/secret-env";
import { resolveApp, secretNamesIn, setManifestAside, synthFailed } from "../synth";

type ReconcileOpts = CommonOptions & {
  watch?: boolean;
  interval: string;
  driftPolicy: string;
  listen?: string;
  logFormat: string;
  logLevel: string;
  shutdownGrace: string;
  git?: string;
  ref?: string;
  gitCheckout?: string;
};

/** Runs the app like `reposmith synth`, without blocking the event loop (probes keep answering). */
function synthesizer(
  app: string,
  outdir: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
): () => Promise<void> {
  return () =>
    new Promise<void>((resolve, reject) => {
      // As `reposmith synth`: only the manifest is set aside, and put back if the synth fails.
      const aside = setManifestAside(outdir);
      const child = spawn(app, {
        cwd,
        shell: true,
        stdio: ["ignore", "pipe", "pipe"],
        env,
      });
      let stderr = "";
      child.stdout.resume();
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", (err) => {
        aside.restore();
        reject(new CliError(couldNotRunApp(app, err.message)));
      });
      child.on("close", (code) => {
        if (code !== 0 || !existsSync(path.join(outdir, "manifest.json"))) {
          aside.restore();
          return reject(code !== 0 ? synthFailed(app, code, stderr) : new CliError(appWroteNothing(app, outdir)));
        }
        aside.drop();
        log.debug({ outdir }, "synthesized");
        resolve();
      });
    });
}

function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((r) => (timer = setTimeout(r, ms))),
  ]).finally(() => clearTimeout(timer));
}

async function run(o: ReconcileOpts): Promise<void> {
  if (!(DRIFT_POLICIES as readonly string[]).includes(o.driftPolicy))
    throw new CliError(notOneOf("--drift-policy", DRIFT_POLICIES, o.driftPolicy));
  if (o.logFormat !== "json" && o.logFormat !== "pretty")
    throw new CliError(`--log-format must be json or pretty (got "${o.logFormat}")`);
  if (!(LOG_LEVELS as readonly string[]).includes(o.logLevel))
    throw new CliError(notOneOf("--log-level", LOG_LEVELS, o.logLevel));
  const intervalMs = parseDurationFlag("--interval", o.interval, 100);
  const graceMs = parseDurationFlag("--shutdown-grace", o.shutdownGrace);
  if (o.ref && !o.git) throw new CliError("--ref names what to follow in the repository given by --git: add --git URL");
  const parallelism = parseParallelism(o.parallelism);
  let listen;
  try {
    listen = o.listen ? parseListen(o.listen) : undefined;
  } catch (err) {
    throw new CliError((err as Error).message);
  }

  // Every value a Secret.fromEnv names is scrubbed too, whatever its variable is called: those the
  // last synth output names now (not yet known when following git), and those each pass's desired
  // state names (onDesired below).
  const secrets = secretsFromEnv(process.env, o.git ? [] : secretNamesIn(resolveApp(o).outdir));
  if (o.state && /^postgres(ql)?:\/\//.test(o.state)) {
    const pw = (() => {
      try {
        return decodeURIComponent(new URL(o.state).password);
      } catch {
        return "";
      }
    })();
    if (pw) secrets.push(pw);
  }
  if (o.git) {
    // Credentials in the repository URL (https://user:token@host/...) never reach a log line.
    try {
      const u = new URL(o.git);
      for (const part of [u.password, u.username]) if (part) secrets.push(decodeURIComponent(part));
    } catch {
      /* an scp-like address (git@host:repo.git) carries no password */
    }
  }
  const log = createLogger({ format: o.logFormat as "json" | "pretty", level: o.logLevel, secrets });
  const source = o.git
    ? new GitSource({ url: o.git, ref: o.ref, dir: path.resolve(o.gitCheckout ?? defaultCheckout(o.git, o.ref)), log })
    : undefined;
  let outdir: string;
  let refresh: (() => Promise<void>) | undefined;
  if (source) {
    // The repository's root is where --output is read and where the app runs: a clean checkout of the revision.
    outdir = path.resolve(source.dir, o.output ?? "cdktf.out");
    refresh = o.skipSynth
      ? undefined
      : () => {
          const r = resolveApp({ ...o, cwd: source.dir });
          if (!r.app)
            return Promise.reject(
              new CliError(
                `no app to synthesize in ${redactGitUrl(o.git!)}: give --app, add "app" to its cdktf.json, ` +
                  `or commit the synthesized output and pass --skip-synth --output DIR`,
              ),
            );
          return synthesizer(r.app, r.outdir, r.cwd, r.env, log)();
        };
  } else {
    const r = resolveApp(o);
    outdir = r.outdir;
    refresh = r.app && !o.skipSynth ? synthesizer(r.app, r.outdir, r.cwd, r.env, log) : undefined;
  }
  const store = openStore(o.state);
  const controller = new Controller({
    outdir,
    store,
    stacks: o.stack,
    parallelism,
    driftPolicy: o.driftPolicy as DriftPolicy,
    intervalMs,
    graceMs,
    refresh,
    source,
    logger: log,
    onDesired: (d) =>
      addLogSecrets(
        log,
        secretsFromEnv(process.env, envNamesIn(d.resources.map((r) => ({ spec: r.spec, connection: r.connection })))),
      ),
  });

  let server: ProbeServer | undefined;
  let code = 0;
  let signalled = false;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        // A second signal: stop waiting for in-flight work (a dead session's locks go with it).
        log.warn({ signal }, "second signal: exiting now");
        process.exit(1);
      }
      signalled = true;
      log.info({ signal }, "signal received; shutting down");
      void controller.stop().then(resolve);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  try {
    if (listen) {
      server = await startProbeServer(listen, controller.probes());
      log.info({ url: server.url }, `serving /healthz, /readyz, /status and /metrics on ${server.url}`);
    }
    log.info(
      {
        outdir,
        state: store.location,
        watch: !!o.watch,
        intervalMs,
        driftPolicy: o.driftPolicy,
        synth: !!refresh,
        ...(o.git ? { git: redactGitUrl(o.git), ref: o.ref ?? "HEAD" } : {}),
      },
      "reconcile starting",
    );
    if (o.watch) {
      await Promise.race([controller.run(), stopped]);
    } else {
      const result = await Promise.race([controller.reconcileOnce(), stopped.then(() => undefined)]);
      code = result ? exitCodeOf(result) : 0;
    }
  } catch (err) {
    log.error({ err: errInfo(err) }, "reconcile failed");
    code = 1;
  } finally {
    // Also after a signal: stop() is shared, and main() exits the process as soon as run() returns,
    // so this is what makes the locks' release and the final log line happen first.
    await controller.stop();
    await server?.close();
    await withTimeout(store.close(), 1_000);
  }
  process.exitCode = code;
}

/**
 * Where --git's checkout goes without --git-checkout: one
 * directory per repository and ref under the temporary directory.
 */
function defaultCheckout(url: string, ref: string | undefined): string {
  const id = createHash("sha256")
    .update(`${url}\n${ref ?? "HEAD"}`)
    .digest("hex")
    .slice(0, 16);
  return path.join(tmpdir(), "reposmith-git", id);
}

export function registerReconcile(program: Command): void {
  withCommon(
    program
      .command("reconcile")
      .description(
        "the GitOps controller: make the remote resources match the synthesized stacks, once or continuously (--watch)",
      ),
  )
    .option("--watch", "keep reconciling: every --interval and whenever the synth output changes")
    .addOption(
      new Option("--interval <duration>", "time between passes in watch mode (e.g. 30s, 5m, 1h)")
        .default("60s")
        .env("REPOSMITH_INTERVAL"),
    )
    .addOption(
      new Option(
        "--drift-policy <policy>",
        "what to do about out-of-band changes: correct, report or ignore (a resource's driftPolicy prop wins)",
      )
        .default("correct")
        .env("REPOSMITH_DRIFT_POLICY"),
    )
    .addOption(
      new Option(
        "--listen <[host]:port>",
        "serve /healthz, /readyz, /status and /metrics (Prometheus): " +
          ":9464 on every interface, 127.0.0.1:9464 on this machine only",
      ).env("REPOSMITH_LISTEN"),
    )
    .addOption(
      new Option("--log-format <format>", "json (one object a line) or pretty")
        .default("json")
        .env("REPOSMITH_LOG_FORMAT"),
    )
    .addOption(
      new Option("--log-level <level>", "trace, debug, info, warn, error or fatal")
        .default("info")
        .env("REPOSMITH_LOG_LEVEL"),
    )
    .addOption(
      new Option(
        "--shutdown-grace <duration>",
        "on SIGTERM/SIGINT, how long in-flight operations may finish before they are abandoned",
      )
        .default("3s")
        .env("REPOSMITH_SHUTDOWN_GRACE"),
    )
    .addOption(
      new Option(
        "--git <url>",
        "follow a git repository: fetch it every pass and reconcile the revision's output " +
          "(--skip-synth --output DIR: synthesized output committed by CI) or its app " +
          "(synthesized in a clean checkout)",
      ).env("REPOSMITH_GIT"),
    )
    .addOption(
      new Option("--ref <ref>", "the branch, tag or ref --git follows (default: the remote's HEAD)").env(
        "REPOSMITH_GIT_REF",
      ),
    )
    .addOption(
      new Option(
        "--git-checkout <dir>",
        "where --git's checkout is kept (default: a directory under the system's temp dir)",
      ).env("REPOSMITH_GIT_CHECKOUT"),
    )
    .action((o: ReconcileOpts) => run(o));
}

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import {
  Controller,
  LOG_LEVELS,
  addLogSecrets,
  createLogger,
  errInfo,
  exitCodeOf,
  parseListen,
  secretsFromEnv,
  startProbeServer,
  type Logger,
  type ProbeServer,
} from "../../controller";
import { DRIFT_POLICIES, type DriftPolicy } from "../../resources/lifecycle";
import { openStore, parseParallelism, withCommon, type CommonOptions } from "../common";
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
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** "500ms", "30s", "5m", "1h", or a bare number of seconds. */
function parseInterval(text: string, option = "--interval", min = 100): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? "s"] : NaN;
  if (!Number.isFinite(ms) || ms < min)
    throw new CliError(`${option} must be a duration of at least ${min}ms such as 30s, 5m or 1h (got "${text}")`);
  return ms;
}

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
  const intervalMs = parseInterval(o.interval);
  const graceMs = parseInterval(o.shutdownGrace, "--shutdown-grace", 0);
  const parallelism = parseParallelism(o.parallelism);
  let listen;
  try {
    listen = o.listen ? parseListen(o.listen) : undefined;
  } catch (err) {
    throw new CliError((err as Error).message);
  }

  const { app, outdir, cwd, env } = resolveApp(o);
  // Every value a Secret.fromEnv names is scrubbed too, whatever its variable is called: those the
  // last synth output names now, and those each pass's desired state names (onDesired below).
  const secrets = secretsFromEnv(process.env, secretNamesIn(outdir));
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
  const log = createLogger({ format: o.logFormat as "json" | "pretty", level: o.logLevel, secrets });
  const refresh = app && !o.skipSynth ? synthesizer(app, outdir, cwd, env, log) : undefined;
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
      log.info({ url: server.url }, `serving /healthz, /readyz and /metrics on ${server.url}`);
    }
    log.info(
      { outdir, state: store.location, watch: !!o.watch, intervalMs, driftPolicy: o.driftPolicy, synth: !!refresh },
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

export function registerReconcile(program: Command): void {
  withCommon(
    program
      .command("reconcile")
      .description(
        "the GitOps controller: make the remote resources match the synthesized stacks, once or continuously (--watch)",
      ),
  )
    .option("--watch", "keep reconciling: every --interval and whenever the synth output changes")
    .option("--interval <duration>", "time between passes in watch mode (e.g. 30s, 5m)", "60s")
    .option(
      "--drift-policy <policy>",
      "what to do about out-of-band changes: correct, report or ignore (a resource's driftPolicy prop wins)",
      "correct",
    )
    .option(
      "--listen <host:port>",
      "serve /healthz, /readyz and /metrics (Prometheus) on this address, e.g. 127.0.0.1:9464",
    )
    .option("--log-format <format>", "json (one object a line) or pretty", "json")
    .option("--log-level <level>", "trace, debug, info, warn, error or fatal", "info")
    .option(
      "--shutdown-grace <duration>",
      "on SIGTERM/SIGINT, how long in-flight operations may finish before they are abandoned",
      "3s",
    )
    .action((o: ReconcileOpts) => run(o));
}

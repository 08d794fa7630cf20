import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import { escapeControlKeepingLines } from "../util/escape";
import { secretValues } from "../util/secret-env";

export type { Logger };
type LogFormat = "json" | "pretty";
/** pino's levels, least severe first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

export interface LoggerOptions {
  format?: LogFormat;
  level?: string;
  /** Values that must never appear in a log line (API keys, passwords); replaced by "[REDACTED]". */
  secrets?: string[];
  /** Where lines go (default: stdout, written synchronously so nothing is lost on exit). */
  destination?: DestinationStream;
}

/** Field names whose values are never logged, wherever they appear. */
const REDACT = [
  "apiKey",
  "api_key",
  "password",
  "token",
  "secret",
  "*.apiKey",
  "*.password",
  "*.token",
  "*.secret",
  "headers",
  "*.headers",
  "config",
];

/**
 * Environment values that are secrets (util/secret-env.ts): by their name (CLOUDSMITH_API_KEY, the
 * HW_* variables, PGPASSWORD, ...), by being named through Secret.fromEnv (`named`: the `…Env`
 * names of the desired state, see addLogSecrets), or by their value (a URL with a password), so
 * they are scrubbed from any log line that might quote them (an error message, a URL).
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv, named: readonly string[] = []): string[] {
  return secretValues(env, named).filter((v) => v.length >= 6);
}

/** Each logger's secrets, longest first (a secret that contains another is scrubbed whole). */
const scrubbed = new WeakMap<Logger, { list: string[] }>();

/**
 * Adds values to what `logger` scrubs from every line from now on: the controller adds the values
 * of the variables each desired state names through Secret.fromEnv, whatever their names.
 */
export function addLogSecrets(logger: Logger, values: readonly string[]): void {
  const s = scrubbed.get(logger);
  if (!s) return;
  const fresh = values.filter((v) => v.length >= 4 && !s.list.includes(v));
  if (fresh.length) s.list = [...s.list, ...fresh].sort((a, b) => b.length - a.length);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const secrets = {
    list: [...new Set((opts.secrets ?? []).filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length),
  };
  // Secrets first, then control characters shown escaped (a message may quote what an API answered).
  const scrub = (line: string) =>
    escapeControlKeepingLines(secrets.list.reduce((s, secret) => s.split(secret).join("[REDACTED]"), line));
  const destination =
    opts.destination ??
    (opts.format === "pretty"
      ? pretty({ sync: true, colorize: false, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", destination: 1 })
      : pino.destination({ dest: 1, sync: true }));
  const logger = pino(
    {
      name: "reposmith",
      level: opts.level ?? "info",
      base: { pid: process.pid },
      redact: { paths: REDACT, censor: "[REDACTED]" },
      hooks: { streamWrite: scrub },
      formatters: { level: (label) => ({ level: label }) },
      // pino's own err serializer would turn errInfo's plain object into {type: "Object", stack: ""}.
      serializers: { err: (e: unknown) => (isPlainObject(e) ? e : errInfo(e)) },
    },
    destination,
  );
  scrubbed.set(logger, secrets);
  return logger;
}

/** An error as a log field: type, message and HTTP details, never the request (its headers carry the key). */
export function errInfo(err: unknown): Record<string, unknown> {
  const e = err as { name?: string; message?: string; status?: number; operation?: string; code?: string } | undefined;
  const out: Record<string, unknown> = { type: e?.name ?? typeof err, message: e?.message ?? String(err) };
  if (typeof e?.status === "number") out.status = e.status;
  if (typeof e?.operation === "string") out.operation = e.operation;
  if (typeof e?.code === "string") out.code = e.code;
  return out;
}

function isPlainObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

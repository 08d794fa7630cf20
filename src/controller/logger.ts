import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";

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
 * Environment values that are secrets by their name (CLOUDSMITH_API_KEY, HW_SECRET_KEY, PGPASSWORD,
 * ...), so they are scrubbed from any log line that might quote them (an error message, a URL).
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([k, v]) => /(KEY|SECRET|TOKEN|PASSWORD|PASSWD)/i.test(k) && typeof v === "string" && v.length >= 6)
    .map(([, v]) => v as string);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const secrets = [...new Set((opts.secrets ?? []).filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  const scrub = (line: string) => secrets.reduce((s, secret) => s.split(secret).join("[REDACTED]"), line);
  const destination =
    opts.destination ??
    (opts.format === "pretty"
      ? pretty({ sync: true, colorize: false, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", destination: 1 })
      : pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      name: "reposmith",
      level: opts.level ?? "info",
      base: { pid: process.pid },
      redact: { paths: REDACT, censor: "[REDACTED]" },
      // pino fails on `hooks: undefined`, so the key is only there when there is something to scrub.
      ...(secrets.length ? { hooks: { streamWrite: scrub } } : {}),
      formatters: { level: (label) => ({ level: label }) },
      // pino's own err serializer would turn errInfo's plain object into {type: "Object", stack: ""}.
      serializers: { err: (e: unknown) => (isPlainObject(e) ? e : errInfo(e)) },
    },
    destination,
  );
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

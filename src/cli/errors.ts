import { isNoResourcePermission } from "../api/codearts";
import { AuthError, NetworkError, requestNotSent } from "../api/http";
import { PlanError } from "../engine";
import { escapeControlKeepingLines } from "../util/escape";
import { colors } from "./color";

/** A failure the CLI explains in one line: printed as "Error: <message>", exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * The one cause every failure shares, when there is one worth a single line: the API could not be
 * reached at all (refused, no such host), or it rejected the credentials — either of which
 * otherwise repeats once per resource.
 */
export function sharedCause(errors: unknown[]): string | undefined {
  if (!errors.length) return undefined;
  const causes = new Set(
    errors.map((e) => {
      if (e instanceof NetworkError && requestNotSent(e.code)) return e.message.slice(e.message.indexOf(": ") + 2);
      // Not about credentials: each failure's own message names its repository and what to grant.
      if (isNoResourcePermission(e)) return undefined;
      if (e instanceof AuthError && e.status === 401) {
        // The client that sent the credentials says which ones:
        // CLOUDSMITH_API_KEY, or the HW_* variables for CodeArts and IAM.
        return (
          `the API rejected the credentials (401 ${e.detail ?? "Unauthorized"}); ` +
          `${e.authHint ?? "check the API credentials"}`
        );
      }
      return undefined;
    }),
  );
  return causes.size === 1 && !causes.has(undefined) ? [...causes][0] : undefined;
}

/** Prints an error the way every command does: one clear line (more only for lists of failures). */
export function printError(err: unknown): void {
  const e = err as Error;
  const msg =
    (err instanceof PlanError ? sharedCause(err.failures.map((f) => f.error)) : undefined) ?? e?.message ?? String(err);
  const pc = colors(process.stderr);
  // A message may quote what an API answered: never a raw control character on the terminal.
  process.stderr.write(`${pc.red("Error:")} ${escapeControlKeepingLines(msg)}\n`);
  if (process.env.REPOSMITH_DEBUG && e?.stack)
    process.stderr.write(pc.dim(e.stack.split("\n").slice(1).join("\n")) + "\n");
}

import pc from "picocolors";

/** Prints an error the way every command does: one clear line (more only for lists of failures). */
export function printError(err: unknown): void {
  const e = err as Error;
  const msg = e?.message ?? String(err);
  process.stderr.write(`${pc.red("Error:")} ${msg}\n`);
  if (process.env.REPOSMITH_DEBUG && e?.stack) process.stderr.write(pc.dim(e.stack.split("\n").slice(1).join("\n")) + "\n");
}

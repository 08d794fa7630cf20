/**
 * Bench children asked over IPC, one request at a time, each answered with one message: the parent's
 * side (startChild) and the child's (answerRequests). Imports nothing else of the bench: a child that
 * stands for a client (bench/plan-child.ts) must hold only what a client holds.
 */
import { spawn } from "node:child_process";
import path from "node:path";

/** The one message a child sends for each request: its answer, or what it failed with. */
type Answer<Rep> = { reply: Rep } | { error: string };

export interface BenchChild<Req, Rep> {
  /** The child's answer to `m`; rejects with what it failed with, or when it exits first. */
  ask(m: Req): Promise<Rep>;
  stop(): Promise<void>;
}

/** bench/<file> in its own process. */
export function startChild<Req, Rep>(file: string): BenchChild<Req, Rep> {
  const child = spawn(
    process.execPath,
    ["-e", `require("tsx/cjs/api").register(); require(${JSON.stringify(path.join(__dirname, file))});`],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  return {
    ask: (m) =>
      new Promise((resolve, reject) => {
        const exited = (code: number | null) => reject(new Error(`bench: ${file} exited with ${code}`));
        child.once("exit", exited);
        child.once("message", (a: Answer<Rep>) => {
          child.off("exit", exited);
          if ("error" in a) reject(new Error(`bench: ${file}: ${a.error}`));
          else resolve(a.reply);
        });
        child.send(m as object);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}

/** The child's side: answers each request with `handle`'s reply (a throw becomes the error), and exits with its parent. */
export function answerRequests<Req, Rep>(handle: (m: Req) => Promise<Rep>): void {
  process.on("message", (m: Req) => {
    handle(m).then(
      (reply) => process.send!({ reply } satisfies Answer<Rep>),
      (err: unknown) => process.send!({ error: String((err as Error)?.stack ?? err) } satisfies Answer<Rep>),
    );
  });
  process.on("disconnect", () => process.exit(0));
}

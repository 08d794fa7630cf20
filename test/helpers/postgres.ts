import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** PATH, then Debian's versioned directories (apt-get install postgresql puts the server tools there). */
function searchDirs(): string[] {
  const debian = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql")
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  return [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), ...debian, "/usr/sbin", "/sbin"];
}

function which(bin: string): string | undefined {
  for (const d of searchDirs()) if (existsSync(path.join(d, bin))) return path.join(d, bin);
  return undefined;
}

const onPath = (bin: string) => which(bin) !== undefined;

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * Why PostgreSQL tests cannot run here, or undefined when they can (initdb and pg_ctl on PATH,
 * and, as root, a `postgres` user to run them as: they refuse to run as root).
 */
export function postgresUnavailable(): string | undefined {
  for (const bin of ["initdb", "pg_ctl", "postgres"])
    if (!onPath(bin)) return `${bin} is not on PATH (install PostgreSQL, e.g. apt-get install postgresql)`;
  if (isRoot && !onPath("runuser")) return "running as root without runuser to start PostgreSQL as the postgres user";
  if (isRoot && !/^postgres:/m.test(existsSync("/etc/passwd") ? readFileSync("/etc/passwd", "utf8") : ""))
    return "running as root and there is no postgres user to run PostgreSQL as";
  return undefined;
}

/** Skips a suite with a printed reason when PostgreSQL is unavailable. */
export function describePostgres(name: string, fn: () => void): void {
  const reason = postgresUnavailable();
  if (reason) {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED "${name}": ${reason}`);
    describe.skip(name, fn);
  } else describe(name, fn);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const asPostgres = (cmd: string, args: string[]) => {
  const bin = which(cmd) ?? cmd;
  return isRoot ? run(which("runuser") ?? "runuser", ["-u", "postgres", "--", bin, ...args]) : run(bin, args);
};

/** A throw-away PostgreSQL server on 127.0.0.1 (trust auth), in a temporary directory. Async: never blocks an in-process emulator. */
export async function startPostgres(): Promise<TestPostgres> {
  const base = mkdtempSync(path.join(tmpdir(), "reposmith-pg-"));
  const data = path.join(base, "data");
  if (isRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(base, Number(stdout.trim()), Number(gid.trim()));
  }
  await asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  await asPostgres("pg_ctl", [
    "-D",
    data,
    "-l",
    path.join(base, "log"),
    "-o",
    `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off`,
    "-w",
    "start",
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: async () => {
      await asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

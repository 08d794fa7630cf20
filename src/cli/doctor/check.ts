/**
 * `reposmith doctor`: each check compares one assumption the client and the emulator make (where
 * the public documentation is silent or contradicts itself) with what the live API answers. The
 * assumption is the emulator's default; a check that finds otherwise names the emulator setting
 * that reproduces the live answer, so the test suite can be run against it.
 */

/**
 * ok: the live API answers as assumed; differs: it answers otherwise (the client copes, but the
 * tests run against the other setting); skipped: not checked (why is said); failed: the check
 * could not run (credentials rejected, API unreachable).
 */
type CheckStatus = "ok" | "differs" | "skipped" | "failed";

export interface CheckResult {
  /** Stable id, e.g. `cloudsmith.trailing-slash`. */
  id: string;
  status: CheckStatus;
  /** One line: what was seen (never a secret). */
  detail: string;
  /**
   * The emulator setting that reproduces what a `differs` check saw, e.g.
   * `{ api: "cloudsmith", setting: "missingSlash", value: "not-found" }`.
   */
  reproduce?: { api: "cloudsmith" | "codearts"; setting: string; value: unknown };
}

export const ok = (id: string, detail: string): CheckResult => ({ id, status: "ok", detail });
export const skipped = (id: string, detail: string): CheckResult => ({ id, status: "skipped", detail });
export const failed = (id: string, detail: string): CheckResult => ({ id, status: "failed", detail });
export const differs = (id: string, detail: string, reproduce?: CheckResult["reproduce"]): CheckResult => ({
  id,
  status: "differs",
  detail,
  reproduce,
});

/** `/entitlements/{owner}/{repo}/` or `/packages/{owner}/{repo}/`, each segment encoded. */
export const repoPath = (r: { owner: string; repo: string }, what: "entitlements" | "packages") =>
  `/${what}/${encodeURIComponent(r.owner)}/${encodeURIComponent(r.repo)}/`;

/** An error's message for a check line (API errors are already scrubbed of secrets by the transport). */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Runs one check; whatever it throws becomes its own `failed` line, so no check ever stops another. */
export async function guard(id: string, check: () => Promise<CheckResult> | CheckResult): Promise<CheckResult> {
  try {
    return await check();
  } catch (e) {
    return failed(id, messageOf(e));
  }
}

const RANK: Record<CheckStatus, number> = { ok: 0, skipped: 1, differs: 2, failed: 3 };

/**
 * The lines of one run, one per check id in the order first added. A second result for an id (the
 * scratch token's cleanup after its delete check) keeps the worse status and both details, so an
 * id never shows twice.
 */
export class Results {
  private readonly byId = new Map<string, CheckResult>();

  add(...results: CheckResult[]): void {
    for (const r of results) {
      const had = this.byId.get(r.id);
      if (!had) this.byId.set(r.id, r);
      else if (RANK[r.status] >= RANK[had.status])
        this.byId.set(r.id, { ...r, detail: had.status === "ok" ? r.detail : `${had.detail}; ${r.detail}` });
    }
  }

  /** Each id not reported yet, as skipped with `why`. */
  skip(ids: readonly string[], why: string): void {
    for (const id of ids) if (!this.byId.has(id)) this.add(skipped(id, why));
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  list(): CheckResult[] {
    return [...this.byId.values()];
  }
}

/** Polls `read` until `done` holds or `maxMs` passes; how long it took, or undefined when it never held. */
export async function timeUntil<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  maxMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<number | undefined> {
  const started = Date.now();
  for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
    if (done(await read())) return wait === 100 ? 0 : Date.now() - started;
    if (Date.now() - started >= maxMs) return undefined;
    await sleep(wait);
  }
}

/** The exit code of a doctor run: 1 when a check failed, 2 when one differs (as drift's "changes"), else 0. */
export function exitCodeOf(results: CheckResult[]): number {
  if (results.some((r) => r.status === "failed")) return 1;
  return results.some((r) => r.status === "differs") ? 2 : 0;
}

/** One aligned line per check: `ok       cloudsmith.auth            authenticated as "acme-bot" …`. */
export function renderResults(results: CheckResult[]): string {
  const idWidth = Math.max(...results.map((r) => r.id.length));
  return results
    .map((r) => {
      const how = r.reproduce
        ? ` (the emulator reproduces it with ${r.reproduce.api} setting ${r.reproduce.setting}: ` +
          `${JSON.stringify(r.reproduce.value)})`
        : "";
      return `${r.status.padEnd(8)} ${r.id.padEnd(idWidth)}  ${r.detail}${how}`;
    })
    .join("\n");
}

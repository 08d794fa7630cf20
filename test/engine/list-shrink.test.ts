/**
 * A repository's token list shrinks while reposmith reads its pages (tokens deleted by someone else
 * between page 1 and page 3): page 3 answers 404 "Invalid page.". That is not "the token is gone":
 * the list is read again from page 1, so a managed token on the last page is neither reported as
 * deleted, nor forgotten, nor created again.
 */
import path from "node:path";
import { EntitlementToken } from "../../src";
import { applyAll, driftAll, FileStateStore, planAll } from "../../src/engine";
import { synthApp } from "../helpers/app";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-shrink-");
const LIST = "GET /entitlements/{owner}/{repo}/";
const FILLERS = 1_050; // with Default and zz-ci: three pages of 500
/** Sorts after every filler: the last page in the spec's default order (by name), as in creation order. */
const MANAGED = "zz-ci";

const synth = (names: string[]) =>
  synthApp(fx.dir, (stack) =>
    names.forEach((n) => new EntitlementToken(stack, n, { owner: "acme", repository: "prod", name: n })),
  );

const opts = (outdir: string) => ({
  outdir,
  store: new FileStateStore(path.join(fx.dir, "state")),
  env: fx.t.env,
  clientOptions: FAST_RETRIES,
});
const lists = () => fx.t.emu.stats().requests.byRoute[LIST] ?? 0;

/**
 * Holds the reply to the next page 1 (already computed: it says 3 pages) while 200 of the first
 * page's tokens are deleted, as by another user: the client then asks for pages 2 and 3 of a set
 * that has only 2.
 */
async function shrinkDuringNextList(run: () => Promise<unknown>): Promise<unknown> {
  await fx.t.admin("POST", "/faults", {
    rules: [
      { method: "GET", path: "^/entitlements/acme/prod/$", afterHandler: true, pass: true, delayMs: 2_000, times: 1 },
    ],
  });
  const fillers = ((await fx.t.admin("GET", "/state")).tokens as any[])
    .filter((x) => x.name.startsWith("filler-"))
    .slice(0, 200);
  const before = lists();
  const result = run();
  while (lists() === before) await new Promise((r) => setTimeout(r, 10));
  await Promise.all(fillers.map((x) => fx.t.api("DELETE", `/entitlements/acme/prod/${x.slug_perm}/`)));
  return result;
}

beforeEach(async () => {
  await fx.t.admin("POST", "/seed", {
    tokens: Array.from({ length: FILLERS }, (_, i) => ({
      owner: "acme",
      repository: "prod",
      name: `filler-${String(i).padStart(4, "0")}`,
    })),
  });
});

describe("a token list that shrinks between its pages", () => {
  it("drift of a managed token on the last page stays clean, and the list was read again from page 1", async () => {
    const outdir = synth([MANAGED]);
    expect((await applyAll(opts(outdir))).results[0].failed).toEqual([]);
    const before = lists();
    const drift = (await shrinkDuringNextList(() => driftAll(opts(outdir)))) as Awaited<ReturnType<typeof driftAll>>;
    expect(drift.items).toEqual([]);
    // First read: pages 1, 2, 3 (404); second read: pages 1 and 2.
    expect(lists() - before).toBe(5);
  });

  it("a removed construct's token on the last page is deleted, not forgotten as already gone", async () => {
    expect((await applyAll(opts(synth([MANAGED])))).results[0].failed).toEqual([]);
    const ci = (await fx.t.admin("GET", "/state")).tokens.find((x: any) => x.name === MANAGED);
    const outdir = synth([]);
    const { plan } = (await shrinkDuringNextList(() => planAll(opts(outdir)))) as Awaited<ReturnType<typeof planAll>>;
    expect(plan.stacks[0].resources).toMatchObject([{ key: `app/${MANAGED}`, action: "delete" }]);
    expect((await applyAll(opts(outdir))).results[0].failed).toEqual([]);
    expect((await fx.t.api("GET", `/entitlements/acme/prod/${ci.slug_perm}/`)).status).toBe(404);
  });
});

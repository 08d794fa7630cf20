/**
 * The emulator serves 10,000 tokens across 100 repositories quickly. Bounds are on the CPU this
 * process spends (emulator and test client both live here), not on wall time: on a 2-core machine
 * running other suites, wall time measures the load, not the emulator.
 */
import type { SeedDocument } from "../../src/emulator";
import { Harness, startHarness } from "./helpers";

let h: Harness;
/** CPU milliseconds (user + system, all threads of this process) spent since `since`. */
const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};
afterAll(() => h?.emu.close());

it("seeds 10,000 tokens in 100 repositories and lists them with page_size 500 in milliseconds", async () => {
  const seed: SeedDocument = { repositories: [], tokens: [] };
  for (let r = 0; r < 100; r++) {
    seed.repositories!.push({ owner: "bench", slug: `repo-${r}`, defaultToken: false });
    for (let t = 0; t < 100; t++) seed.tokens!.push({ owner: "bench", repository: `repo-${r}`, name: `token-${t}` });
  }
  let start = process.cpuUsage();
  h = await startHarness({ seed });
  const seedMs = cpuMs(start);
  await h.req("GET", "/entitlements/bench/repo-0/"); // warm up
  start = process.cpuUsage();
  let total = 0;
  await Promise.all(
    Array.from({ length: 100 }, async (_, r) => {
      const res = await h.req("GET", `/entitlements/bench/repo-${r}/?page_size=500&show_tokens=true`);
      total += res.body.length;
    }),
  );
  const listMs = cpuMs(start);
  expect(total).toBe(10_000);
  expect(seedMs).toBeLessThan(2_000);
  expect(listMs).toBeLessThan(3_000);
});

it("pages through one repository of 10,000 tokens, sorted by name", async () => {
  h.emu.seed({
    tokens: Array.from({ length: 10_000 }, (_, i) => ({ owner: "bench", repository: "huge", name: `t-${i}` })),
  });
  const start = process.cpuUsage();
  let seen = 0;
  for (let page = 1; page <= 21; page++) {
    const res = await h.req("GET", `/entitlements/bench/huge/?page=${page}&page_size=500&sort=name`);
    seen += res.body.length;
    if (page >= Number(res.headers.get("x-pagination-pagetotal"))) break;
  }
  expect(seen).toBe(10_001); // plus the repository's Default token
  expect(cpuMs(start)).toBeLessThan(3_000);
});

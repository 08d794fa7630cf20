/**
 * The test helpers' admin calls (Cloudsmith and CodeArts: seed, reset, faults, settings) fail the
 * test when the emulator refuses them, instead of handing back the refusal as if it were an answer.
 */
import { startCodeArtsEmulator, type CodeArtsTestEmulator } from "../helpers/codearts";
import { startTestEmulator, type TestEmulator } from "../helpers/harness";
import { startHarness, type Harness } from "./helpers";

let cs: TestEmulator;
let ca: CodeArtsTestEmulator;
let h: Harness;
beforeAll(async () => {
  [cs, ca, h] = await Promise.all([startTestEmulator(), startCodeArtsEmulator(), startHarness()]);
});
afterAll(() => Promise.all([cs.close(), ca.close(), h.emu.close()]));

describe("admin calls of the test helpers", () => {
  it("Cloudsmith: a refused fault rule, seed or reseed fails the call with the route, status and answer", async () => {
    await expect(cs.admin("POST", "/faults", { rules: [{ status: 9 }] })).rejects.toThrow(
      /^emulator admin POST \/_emulator\/faults answered 4\d\d: .*rules\[0\]\.status/,
    );
    await expect(cs.admin("POST", "/seed", { repositories: [{ owner: "a b", slug: "x" }] })).rejects.toThrow(
      /POST \/_emulator\/seed answered 4\d\d/,
    );
    await expect(
      cs.reseed({ tokens: [{ owner: "acme", repository: "prod", name: "x", limit_bandwidth_unit: "Bogus" }] }),
    ).rejects.toThrow(/POST \/_emulator\/seed answered 4\d\d/);
    await expect(cs.admin("GET", "/no-such-route")).rejects.toThrow(/answered 404/);
    expect(await cs.admin("POST", "/faults", { rules: [{ status: 503 }] })).toMatchObject({
      rules: [expect.objectContaining({ status: 503 })],
    });
  });

  it("CodeArts: refused settings and faults fail the call", async () => {
    await expect(ca.admin("POST", "/codearts/settings", { queueMs: -1 })).rejects.toThrow(
      /POST \/_emulator\/codearts\/settings answered 4\d\d: .*queueMs/,
    );
    await expect(ca.admin("POST", "/codearts/faults", { rules: "all" })).rejects.toThrow(/answered 4\d\d/);
    await expect(ca.reseed({ codearts: { users: [{ domain: "acme" }] } })).rejects.toThrow(
      /POST \/_emulator\/seed answered 4\d\d/,
    );
    expect(await ca.admin("POST", "/codearts/settings", { queueMs: 10 })).toMatchObject({ queueMs: 10 });
  });

  it("the emulator tests' harness: admin fails on a refusal, adminRaw hands it back", async () => {
    await expect(h.admin("POST", "/ratelimit", { limit: -1 })).rejects.toThrow(
      /POST \/_emulator\/ratelimit answered 4\d\d/,
    );
    expect((await h.adminRaw("POST", "/ratelimit", { limit: -1 })).status).toBe(400);
  });
});

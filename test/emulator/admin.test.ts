/** Admin routes: seed (merge), state, reset, and the Emulator object's methods. */
import { Harness, startHarness } from "./helpers";

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ seed: { repositories: [{ owner: "acme", slug: "prod" }] } });
});
afterEach(() => h.emu.close());

describe("admin", () => {
  it("seed merges repositories and tokens into the current state", async () => {
    const res = await h.admin("POST", "/seed", {
      repositories: [{ owner: "acme", slug: "dev", defaultToken: false }],
      tokens: [
        { owner: "acme", repository: "prod", name: "ci", token: "SeededToken0001", downloads: 4 },
        { owner: "acme", repository: "dev", name: "dev-only" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ repositories: 2, tokens: 3 });
    const prod = (await h.req("GET", "/entitlements/acme/prod/?show_tokens=true")).body;
    expect(prod.map((t: { name: string }) => t.name)).toEqual(["Default", "ci"]);
    expect(prod[1]).toMatchObject({ token: "SeededToken0001", downloads: 4 });
  });

  it("seeding a token with an existing name updates it", async () => {
    h.emu.seed({ tokens: [{ owner: "acme", repository: "prod", name: "Default", is_active: false }] });
    const list = (await h.req("GET", "/entitlements/acme/prod/")).body;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: "Default", default: true, is_active: false });
  });

  it("state dumps token values and hidden counters, in seed format", async () => {
    const state = (await h.admin("GET", "/state")).body;
    expect(state.repositories).toEqual([{ owner: "acme", slug: "prod", defaultToken: false }]);
    expect(state.tokens[0]).toMatchObject({ owner: "acme", repository: "prod", name: "Default", bandwidth: 0 });
    expect(state.tokens[0].token).toMatch(/^[A-Za-z0-9]{16}$/);
    const copy = await startHarness({ seed: state });
    try {
      expect((await copy.admin("GET", "/state")).body).toEqual(state);
    } finally {
      await copy.emu.close();
    }
  });

  it("rejects an invalid seed with 400 and field paths", async () => {
    const res = await h.adminRaw("POST", "/seed", {
      tokens: [{ owner: "acme", repository: "prod", name: "x", limit_bandwidth_unit: "Bogus" }],
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields)).toEqual(["tokens[0].limit_bandwidth_unit"]);
    expect(() => h.emu.seed({ repositories: [{ owner: "a b", slug: "x" }] })).toThrow();
  });

  it("reset empties state, stats and faults", async () => {
    await h.req("GET", "/entitlements/acme/prod/");
    await h.admin("POST", "/faults", { rules: [{ status: 500, times: 10 }] });
    expect((await h.admin("POST", "/reset")).status).toBe(204);
    expect((await h.admin("GET", "/state")).body).toEqual({ repositories: [], tokens: [] });
    expect(h.emu.stats()).toEqual({ requests: { total: 0, byRoute: {} }, faults: { total: 0, byKind: {} } });
    expect((await h.req("GET", "/entitlements/acme/prod/")).status).toBe(404);
    h.emu.reset();
    expect(h.emu.stats().requests.total).toBe(0);
  });
});

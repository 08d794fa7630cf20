/** List pagination headers, Link rels, page size cap and filters. */
import { Harness, startHarness } from "./helpers";

let h: Harness;
const names = Array.from({ length: 74 }, (_, i) => `tok-${String(i).padStart(3, "0")}`);

beforeAll(async () => {
  h = await startHarness({
    seed: {
      repositories: [
        { owner: "acme", slug: "big", defaultToken: false },
        { owner: "acme", slug: "empty", defaultToken: false },
      ],
      tokens: names.map((name, i) => ({ owner: "acme", repository: "big", name, is_active: i % 2 === 0 })),
    },
  });
});
afterAll(() => h.emu.close());

function links(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(/,\s*(?=<)/)) {
    const m = /^<([^>]+)>;\s*rel="(\w+)"$/.exec(part.trim());
    if (m) out[m[2]] = m[1];
  }
  return out;
}

describe("pagination", () => {
  it("defaults to 30 per page with X-Pagination headers", async () => {
    const res = await h.req("GET", "/entitlements/acme/big/");
    expect(res.body).toHaveLength(30);
    expect(res.headers.get("x-pagination-count")).toBe("74");
    expect(res.headers.get("x-pagination-page")).toBe("1");
    expect(res.headers.get("x-pagination-pagesize")).toBe("30");
    expect(res.headers.get("x-pagination-pagetotal")).toBe("3");
  });

  it("emits first/prev/next/last Link rels as absolute URLs keeping the query string", async () => {
    const res = await h.req("GET", "/entitlements/acme/big/?page=2&page_size=20&show_tokens=true");
    const l = links(res.headers.get("link"));
    expect(Object.keys(l).sort()).toEqual(["first", "last", "next", "prev"]);
    const next = new URL(l.next);
    expect(`${next.origin}${next.pathname}`).toBe(`${h.emu.url}/v1/entitlements/acme/big/`);
    expect(Object.fromEntries(next.searchParams)).toEqual({ page: "3", page_size: "20", show_tokens: "true" });
    expect(new URL(l.last).searchParams.get("page")).toBe("4");
    expect(new URL(l.prev).searchParams.get("page")).toBe("1");
    const first = links((await h.req("GET", "/entitlements/acme/big/?page_size=20")).headers.get("link"));
    expect(Object.keys(first).sort()).toEqual(["first", "last", "next"]);
  });

  it("walking every page returns every token once", async () => {
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const res = await h.req("GET", `/entitlements/acme/big/?page=${page}&page_size=25`);
      seen.push(...res.body.map((t: { name: string }) => t.name));
      if (page >= Number(res.headers.get("x-pagination-pagetotal"))) break;
    }
    expect(seen).toEqual(names);
  });

  it("caps page_size at 500 instead of rejecting it", async () => {
    const res = await h.req("GET", "/entitlements/acme/big/?page_size=1000");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-pagination-pagesize")).toBe("500");
    expect(res.body).toHaveLength(74);
  });

  it("treats a missing or non-positive page as page 1 and answers 404 past the last page", async () => {
    expect((await h.req("GET", "/entitlements/acme/big/?page=0")).headers.get("x-pagination-page")).toBe("1");
    const past = await h.req("GET", "/entitlements/acme/big/?page=4");
    expect(past.status).toBe(404);
    expect(past.body).toEqual({ detail: "Invalid page." });
  });

  it("paginates an empty repository as one empty page", async () => {
    const res = await h.req("GET", "/entitlements/acme/empty/");
    expect(res.body).toEqual([]);
    expect(res.headers.get("x-pagination-count")).toBe("0");
    expect(res.headers.get("x-pagination-pagetotal")).toBe("1");
  });
});

describe("list filters", () => {
  it("filters by name substring (query) and active", async () => {
    const q = await h.req("GET", "/entitlements/acme/big/?query=tok-01&page_size=500");
    expect(q.body.map((t: { name: string }) => t.name)).toEqual(names.filter((n) => n.includes("tok-01")));
    const active = await h.req("GET", "/entitlements/acme/big/?active=true&page_size=500");
    expect(active.body).toHaveLength(37);
    expect(active.body.every((t: { is_active: boolean }) => t.is_active)).toBe(true);
  });

  it("keeps insertion order unless sorted by name or -name", async () => {
    const desc = await h.req("GET", "/entitlements/acme/big/?sort=-name&page_size=500");
    expect(desc.body.map((t: { name: string }) => t.name)).toEqual([...names].reverse());
    const bad = await h.req("GET", "/entitlements/acme/big/?sort=created_at");
    expect(bad.status).toBe(422);
    expect(bad.body.fields.sort[0]).toMatch(/not a valid sort field/);
  });
});

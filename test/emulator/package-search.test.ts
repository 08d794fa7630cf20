/**
 * packages_list `query`: the documented `downloads:`, `size:` and `uploaded:` fields with their
 * comparison operators, negation, and what a bare word matches in each bareWordSearch setting
 * (https://docs.cloudsmith.com/artifact-management/search-filter-sort-packages).
 */
import { Harness, startHarness } from "./helpers";

let h: Harness;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

beforeAll(async () => {
  h = await startHarness();
  const pkg = (name: string, extra: Record<string, unknown>) => ({
    owner: "acme",
    repository: "search",
    format: "npm",
    version: "1.0.0",
    name,
    ...extra,
  });
  await h.admin("POST", "/seed", {
    packages: [
      pkg("left-pad", { version: "1.3.0", size: 1_000, downloads: 5, uploaded_at: "2022-08-14T10:00:00.000000Z" }),
      pkg("right-pad", { version: "2.0.0", size: 50_000, downloads: 120, uploaded_at: "2024-01-01T00:00:00.000000Z" }),
      pkg("requests", {
        format: "python",
        version: "2.31.0",
        size: 200_000,
        downloads: 0,
        uploaded_at: iso(Date.now() - 3_600_000),
      }),
      pkg("bundle", {
        format: "raw",
        filename: "bundle-npm.zip",
        size: 10_000,
        downloads: 8,
        uploaded_at: iso(Date.now() - 3 * DAY),
      }),
    ],
  });
});
afterAll(() => h.emu.close());

async function names(query: string): Promise<string[] | { status: number; message: string }> {
  const res = await h.req("GET", `/packages/acme/search/?page_size=100&query=${encodeURIComponent(query)}`);
  if (res.status !== 200) return { status: res.status, message: res.body.fields?.query?.[0] };
  return (res.body as { name: string }[]).map((p) => p.name).sort();
}

describe("documented fields", () => {
  it.each([
    { query: "downloads:>8", want: ["right-pad"] },
    { query: "downloads:<100", want: ["bundle", "left-pad", "requests"] },
    { query: "downloads:>=8", want: ["bundle", "right-pad"] },
    { query: "downloads:5", want: ["left-pad"] },
    { query: "size:>50000", want: ["requests"] },
    { query: "size:>=50000", want: ["requests", "right-pad"] },
    { query: "size:<10000", want: ["left-pad"] },
    { query: "size:<=10000", want: ["bundle", "left-pad"] },
    { query: 'uploaded:>"1 day ago"', want: ["requests"] },
    { query: "uploaded: >'1 month ago'", want: ["bundle", "requests"] },
    { query: 'uploaded:<"August 14, 2022 EST"', want: [] },
    { query: 'uploaded:<"August 15, 2022 EST"', want: ["left-pad"] },
    { query: "uploaded:'August 14, 2022 EST'", want: ["left-pad"] },
    { query: "uploaded:'2024-01-01 00:00:00 UTC'", want: ["right-pad"] },
    { query: "uploaded:>=2024-01-01", want: ["bundle", "requests", "right-pad"] },
    { query: "uploaded:'1 day ago'", want: ["bundle", "left-pad", "right-pad"] },
    { query: "downloads:>=5 AND size:<100000", want: ["bundle", "left-pad", "right-pad"] },
    { query: "size:>100000 OR downloads:>100", want: ["requests", "right-pad"] },
    { query: "NOT downloads:0", want: ["bundle", "left-pad", "right-pad"] },
    { query: "name:~pad", want: ["bundle", "requests"] },
    { query: "name:^*-pad$", want: ["left-pad", "right-pad"] },
  ])("$query", async ({ query, want }) => {
    expect(await names(query)).toEqual(want);
  });

  it.each([
    { query: "downloads:many", message: /downloads needs a whole number/ },
    { query: "size:>1.5", message: /size needs a whole number/ },
    { query: 'uploaded:>"whenever"', message: /uploaded needs a date/ },
  ])("rejects $query with a 422 naming the query", async ({ query, message }) => {
    const got = await names(query);
    expect(got).toMatchObject({ status: 422 });
    expect((got as { message: string }).message).toMatch(message);
  });
});

describe("a bare word", () => {
  const cases = [
    { word: "pad", anyField: ["left-pad", "right-pad"], name: ["left-pad", "right-pad"] },
    { word: "npm", anyField: ["bundle", "left-pad", "right-pad"], name: [] },
    { word: "2.31", anyField: ["requests"], name: [] },
    { word: "completed", anyField: ["bundle", "left-pad", "requests", "right-pad"], name: [] },
  ];
  afterAll(() => h.admin("POST", "/cloudsmith/settings", { bareWordSearch: "any-field" }));

  it.each(cases)(
    "default any-field: $word matches names, filenames, versions, formats and statuses",
    async ({ word, anyField }) => {
      expect(await names(word)).toEqual(anyField);
    },
  );

  it.each(cases)("bareWordSearch name: $word matches names only", async ({ word, name }) => {
    await h.admin("POST", "/cloudsmith/settings", { bareWordSearch: "name" });
    expect(await names(word)).toEqual(name);
  });
});

/**
 * A list that changes while its pages are read: a later page that answers 404 ("Invalid page.",
 * the set shrank below it) or pages that count different totals make the client read the whole
 * list again from page 1, never end it early nor conclude that anything is gone.
 */
import { isNotFound, ListChangedError, RELISTS } from "../../src/api/cloudsmith";
import { catchError, makeClient, startServer, TestServer, token } from "./helpers";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A page of `names` (2 a page) out of `all`, with the headers Cloudsmith sends. */
function page(all: string[], n: number) {
  const total = Math.max(1, Math.ceil(all.length / 2));
  if (n > total) return { status: 404, body: { detail: "Invalid page." } };
  const headers = {
    "X-Pagination-Count": String(all.length),
    "X-Pagination-Page": String(n),
    "X-Pagination-PageSize": "2",
    "X-Pagination-PageTotal": String(total),
  };
  return { status: 200, body: all.slice((n - 1) * 2, n * 2).map((x) => token(x)), headers };
}

const pageOf = (r: { query: URLSearchParams }) => Number(r.query.get("page"));

describe("a list that changes between its pages", () => {
  it("reads it again from page 1 when a later page answers 404, and returns every item of the new set", async () => {
    const before = ["a", "b", "c", "d", "e"];
    // "a" and "b" are deleted once page 1 of the first read has been served: pages 2 and 3 shift.
    const after = ["c", "d", "e"];
    let served = 0;
    server = await startServer((r) => page(served++ === 0 ? before : after, pageOf(r)));
    const list = await makeClient(server).entitlements.list("acme", "prod", { pageSize: 2 });
    expect(list.map((t) => t.name)).toEqual(["c", "d", "e"]);
    expect(server.requests.map(pageOf)).toEqual([1, 2, 3, 1, 2]);
  });

  it("reads it again when the pages count different totals (items moved onto a page already read)", async () => {
    const before = ["a", "b", "c", "d", "e", "f", "g"];
    const after = ["b", "c", "d", "e", "f", "g"]; // "a" went: "c" moved onto page 1, already read
    let served = 0;
    server = await startServer((r) => page(served++ === 0 ? before : after, pageOf(r)));
    const list = await makeClient(server).entitlements.list("acme", "prod", { pageSize: 2 });
    expect(list.map((t) => t.name)).toEqual(after);
  });

  it("gives up with ListChangedError (not a 404) when it changes every time it is read", async () => {
    let size = 12;
    server = await startServer((r) => {
      // Shrinks by two items after every first page.
      if (pageOf(r) === 1) size -= 2;
      return page(
        Array.from({ length: pageOf(r) === 1 ? size + 2 : size }, (_, i) => `t${i}`),
        pageOf(r),
      );
    });
    const err = await catchError(() => makeClient(server!).entitlements.list("acme", "prod", { pageSize: 2 }));
    expect(err).toBeInstanceOf(ListChangedError);
    expect(isNotFound(err)).toBe(false);
    expect(err.message).toMatch(
      /^acme\/prod: the list changed while its pages were read \(page 3 of 3 answered 404\), 4 times in a row; nothing was concluded from it, try again$/,
    );
    expect(server.requests.filter((r) => pageOf(r) === 1)).toHaveLength(RELISTS + 1);
  });

  it("still reports a 404 on page 1 as not found (the repository itself is missing), after one request", async () => {
    server = await startServer(() => ({ status: 404, body: { detail: "Not found." } }));
    const err = await catchError(() => makeClient(server!).entitlements.list("acme", "gone"));
    expect(isNotFound(err)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });
});

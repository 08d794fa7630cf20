/**
 * Cloudsmith list pagination (docs/api/cloudsmith.md#pagination): bare JSON array bodies, page metadata in
 * `X-Pagination-*` headers. Loop page = 1..X-Pagination-PageTotal; missing headers = a single page
 * (empty result sets are not paginated, and the official CLI does the same).
 */
import { z, ZodType } from "zod";
import { isNotFound } from "../http/errors";
import { describeIssue, markMalformed } from "../http/malformed";
import type { HttpTransport, RequestSpec } from "../http/transport";

/** Documented maximum page size. */
const MAX_PAGE_SIZE = 500;
/** Safety stop against a server that keeps announcing more pages. */
const MAX_PAGES = 10_000;
/** How many times a list that changed while its pages were read is read again from page 1. */
export const RELISTS = 3;

/**
 * A list that kept changing while its pages were read, every time it was read: what it holds is
 * unknown, so nothing may be concluded from it (least of all that an object is gone).
 */
export class ListChangedError extends Error {
  constructor(subject: string, why: string) {
    super(
      `${subject}: the list changed while its pages were read (${why}), ${RELISTS + 1} times in a row; nothing ` +
        `was concluded from it, try again`,
    );
    this.name = "ListChangedError";
  }
}

type ListSpec<T, K> = Omit<RequestSpec<T[], K[]>, "schema" | "method" | "reuse" | "landed"> & {
  item: ZodType<T>;
  pageSize?: number;
  /**
   * What the caller keeps of each item. With it, a page that comes back byte for byte as before is
   * given the kept items made from it then (frozen, shared: see api/http/reused-bodies.ts), and the
   * parsed items are not kept. Pass the same function each time. Without it nothing is reused.
   */
  keep?: (item: T) => K;
  /**
   * What stands for an item its schema rejects (what could be read of it), so that one malformed
   * object fails alone instead of the whole list (see api/http/malformed.ts): marked malformed with
   * the problem. Without it, such a list fails as a whole.
   */
  malformed?: (raw: unknown) => T & object;
};

/**
 * One salvage function per item schema and stand-in maker (the transport calls it only for a page its schema rejects).
 */
function salvager<T>(item: ZodType<T>, malformed: (raw: unknown) => T & object): (json: unknown) => T[] | undefined {
  return (json) => {
    if (!Array.isArray(json)) return undefined;
    return json.map((raw) => {
      const r = item.safeParse(raw);
      return r.success ? r.data : markMalformed(malformed(raw), describeIssue(r.error, raw));
    });
  };
}

const countOf = (headers: Record<string, unknown>) => {
  const n = Number(headers["x-pagination-count"]);
  return headers["x-pagination-count"] === undefined || !Number.isFinite(n) ? undefined : n;
};

/** One read of every page: the items, or why they cannot be trusted (the set changed meanwhile). */
async function readOnce<T, K>(
  transport: HttpTransport,
  spec: ListSpec<T, K>,
): Promise<{ items: K[] } | { changed: string }> {
  const pageSize = Math.min(Math.max(1, Math.floor(spec.pageSize ?? MAX_PAGE_SIZE)), MAX_PAGE_SIZE);
  const schema = z.array(spec.item);
  const { keep } = spec;
  // The projection is known by `keep` itself: a page kept by the same function is reused.
  const reuse = keep && { key: keep, as: (page: T[]) => page.map(keep) };
  const salvage = spec.malformed && salvager(spec.item, spec.malformed);
  const fetchPage = (page: number) =>
    transport.request<T[], K[]>({
      operation: spec.operation,
      method: "GET",
      path: spec.path,
      subject: spec.subject,
      redact: spec.redact,
      query: { ...spec.query, page, page_size: pageSize },
      schema,
      reuse,
      salvage,
    });
  // A 404 here means the repository itself is missing: the caller decides what that means.
  const first = await fetchPage(1);
  const total = Number(first.headers["x-pagination-pagetotal"]);
  if (!Number.isFinite(total) || total <= 1 || first.data.length === 0) return { items: first.data };
  // A later page that answers 404 ("Invalid page.", Django REST framework's PageNumberPagination) means
  // the set shrank below it since page 1 was read; terraform-provider-cloudsmith ends its list there
  // (PaginateAllHTTP: "A 404 response is treated as an empty list",
  // https://github.com/cloudsmith-io/terraform-provider-cloudsmith/blob/2a8a8970aa6c82ed375ce74c3c34af2cb0e282d1/cloudsmith/pagination.go).
  // But what the shrink moved onto pages already read is missing too, so it is not the end: read again.
  const gone = Symbol("404");
  const rest = await Promise.all(
    Array.from({ length: Math.min(total, MAX_PAGES) - 1 }, (_, i) =>
      fetchPage(i + 2).catch((e: unknown) => (isNotFound(e) ? gone : Promise.reject(e))),
    ),
  );
  const lost = rest.findIndex((p) => p === gone);
  if (lost >= 0) return { changed: `page ${lost + 2} of ${total} answered 404` };
  // Pages that count a different total were read from a different set: items shifted between them.
  const count = countOf(first.headers);
  for (const p of rest as Awaited<ReturnType<typeof fetchPage>>[]) {
    const other = countOf(p.headers);
    if (count !== undefined && other !== undefined && other !== count)
      return { changed: `its count went from ${count} to ${other}` };
  }
  const all = first.data.slice();
  for (const page of rest as Awaited<ReturnType<typeof fetchPage>>[]) for (const item of page.data) all.push(item);
  return { items: all };
}

/**
 * Every page of a list. The first page says how many there are; the rest are then requested at
 * once (the transport's limiter bounds how many run together), so a list of n pages costs one round
 * trip plus ceil((n - 1) / concurrency), not n in a row. Pages are joined in order.
 * When the set changed between its pages (a later page answers 404, or the pages count different
 * totals), the whole list is read again from page 1, up to RELISTS times, then ListChangedError.
 */
export async function listAllPages<T, K = T>(transport: HttpTransport, spec: ListSpec<T, K>): Promise<K[]> {
  for (let attempt = 0; ; attempt++) {
    const read = await readOnce(transport, spec);
    if ("items" in read) return read.items;
    if (attempt >= RELISTS) throw new ListChangedError(spec.subject ?? spec.path, read.changed);
  }
}

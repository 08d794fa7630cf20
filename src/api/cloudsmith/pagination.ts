/**
 * Cloudsmith list pagination (cloudsmith-api.md §2): bare JSON array bodies, page metadata in
 * `X-Pagination-*` headers. Loop page = 1..X-Pagination-PageTotal; missing headers = a single page
 * (empty result sets are not paginated, and the official CLI does the same).
 */
import { z, ZodType } from "zod";
import type { HttpTransport, RequestSpec } from "../http/transport";

/** Documented maximum page size. */
export const MAX_PAGE_SIZE = 500;
/** Safety stop against a server that keeps announcing more pages. */
const MAX_PAGES = 10_000;

const arrays = new WeakMap<ZodType, ZodType>();
/** One array schema per item schema, so that its in-place check (src/api/http/in-place-check.ts) is built once. */
function arrayOf<T>(item: ZodType<T>): ZodType<T[]> {
  let a = arrays.get(item);
  if (!a) arrays.set(item, (a = z.array(item)));
  return a as ZodType<T[]>;
}

/**
 * Every page of a list. The first page says how many there are; the rest are then requested at
 * once (the transport's limiter bounds how many run together), so a repository of 10,000 tokens
 * costs one round trip plus ceil(19 / concurrency), not 20 in a row. Pages are joined in order.
 */
export async function listAllPages<T>(
  transport: HttpTransport,
  spec: Omit<RequestSpec<T[]>, "schema" | "method"> & { item: ZodType<T>; pageSize?: number },
): Promise<T[]> {
  const pageSize = Math.min(Math.max(1, Math.floor(spec.pageSize ?? MAX_PAGE_SIZE)), MAX_PAGE_SIZE);
  const schema = arrayOf(spec.item);
  const fetchPage = (page: number) =>
    transport.request({
      operation: spec.operation,
      method: "GET",
      path: spec.path,
      subject: spec.subject,
      redact: spec.redact,
      query: { ...spec.query, page, page_size: pageSize },
      schema,
    });
  const first = await fetchPage(1);
  const total = Number(first.headers["x-pagination-pagetotal"]);
  if (!Number.isFinite(total) || total <= 1 || first.data.length === 0) return first.data;
  const rest = await Promise.all(Array.from({ length: Math.min(total, MAX_PAGES) - 1 }, (_, i) => fetchPage(i + 2)));
  const all = first.data.slice();
  for (const page of rest) for (const item of page.data) all.push(item);
  return all;
}

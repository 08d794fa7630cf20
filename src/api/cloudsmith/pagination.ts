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

export async function listAllPages<T>(
  transport: HttpTransport,
  spec: Omit<RequestSpec<T[]>, "schema" | "method"> & { item: ZodType<T>; pageSize?: number },
): Promise<T[]> {
  const pageSize = Math.min(Math.max(1, Math.floor(spec.pageSize ?? MAX_PAGE_SIZE)), MAX_PAGE_SIZE);
  const schema = z.array(spec.item);
  const all: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await transport.request({
      operation: spec.operation,
      method: "GET",
      path: spec.path,
      subject: spec.subject,
      redact: spec.redact,
      query: { ...spec.query, page, page_size: pageSize },
      schema,
    });
    all.push(...res.data);
    const total = Number(res.headers["x-pagination-pagetotal"]);
    if (!Number.isFinite(total) || page >= total || res.data.length === 0) break;
  }
  return all;
}

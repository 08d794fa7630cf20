/**
 * Cloudsmith-style pagination: bare JSON array body, X-Pagination-* headers and an RFC 5988 Link
 * header (first/prev/next/last, absolute URLs keeping the request's other query parameters).
 */
import { ApiError } from "./errors";
import { queryParam } from "./util";

export interface PageOptions {
  /** @default 30 */
  defaultPageSize?: number;
  /** Larger requests are capped, not rejected. @default 500 */
  maxPageSize?: number;
}

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

/** Headers for a response that holds the whole collection as one page (e.g. entitlements sync). */
export function singlePageHeaders(count: number): Record<string, string> {
  return {
    "x-pagination-count": String(count),
    "x-pagination-page": "1",
    "x-pagination-pagesize": String(Math.max(count, 1)),
    "x-pagination-pagetotal": "1",
  };
}

/**
 * Slices `items` for the request's `page`/`page_size`. A missing or non-positive page means 1;
 * a page past the last one is a 404 `{"detail":"Invalid page."}`, as Django REST framework's
 * PageNumberPagination answers (`invalid_page_message`, raised as NotFound:
 * https://github.com/encode/django-rest-framework/blob/master/rest_framework/pagination.py), so a
 * list that shrank while a client walked its pages answers its last pages with 404.
 * `requestUrl` is the absolute URL of the request (used for the Link header).
 */
export function paginate<T>(items: readonly T[], query: unknown, requestUrl: string, opts: PageOptions = {}): Page<T> {
  const maxSize = opts.maxPageSize ?? 500;
  const pageSize = Math.min(positiveInt(queryParam(query, "page_size")) ?? opts.defaultPageSize ?? 30, maxSize);
  const page = positiveInt(queryParam(query, "page")) ?? 1;
  const count = items.length;
  const pageTotal = Math.max(1, Math.ceil(count / pageSize));
  if (page > pageTotal) throw new ApiError(404, { detail: "Invalid page." });

  const link = (p: number, rel: string) => {
    const url = new URL(requestUrl);
    url.searchParams.set("page", String(p));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links = [link(1, "first")];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < pageTotal) links.push(link(page + 1, "next"));
  links.push(link(pageTotal, "last"));

  return {
    items: items.slice((page - 1) * pageSize, page * pageSize),
    headers: {
      "x-pagination-count": String(count),
      "x-pagination-page": String(page),
      "x-pagination-pagesize": String(pageSize),
      "x-pagination-pagetotal": String(pageTotal),
      link: links.join(", "),
    },
  };
}

/** URL helpers (generic). */

/** Joins a base URL and a path with exactly one `/` between them. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** Builds `?a=1&b=2` from the defined entries; "" when there are none. */
export function queryString(query: Record<string, string | number | boolean | undefined> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}

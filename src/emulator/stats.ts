/** Request counters for API routes (admin routes are not counted). */
import type { EmulatorStats } from "./types";

export class RequestStats {
  private total = 0;
  private byRoute: Record<string, number> = {};

  /** Counts one request under e.g. `"GET /entitlements/{owner}/{repo}/"`. */
  count(key: string): void {
    this.total++;
    this.byRoute[key] = (this.byRoute[key] ?? 0) + 1;
  }

  snapshot(): Pick<EmulatorStats, "requests"> {
    return { requests: { total: this.total, byRoute: { ...this.byRoute } } };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = {};
  }
}

/** `/v1/entitlements/:owner/:repo/` under prefix `/v1` → `/entitlements/{owner}/{repo}/`. */
export function routeTemplate(routeUrl: string, prefix: string): string {
  const path = prefix && routeUrl.startsWith(prefix) ? routeUrl.slice(prefix.length) : routeUrl;
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/** A tiny scripted HTTP server on 127.0.0.1 for the API client tests. */
import http, { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { CloudsmithClient, CloudsmithClientOptions, RateLimiter } from "../../src/api/cloudsmith";

export const API_KEY = "csk_TEST_super_secret_api_key_1234567890";

export interface Recorded {
  n: number;
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  at: number;
}

export type Reply =
  { status: number; body?: unknown; raw?: string; headers?: Record<string, string>; delayMs?: number } | "reset";

export interface TestServer {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export async function startServer(handler: (req: Recorded) => Reply | Promise<Reply>): Promise<TestServer> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const u = new URL(req.url ?? "/", "http://x");
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const rec: Recorded = {
        n: requests.length + 1,
        method: req.method ?? "",
        url: req.url ?? "",
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body,
        json,
        at: Date.now(),
      };
      requests.push(rec);
      const reply = await handler(rec);
      if (reply === "reset") {
        req.socket.destroy();
        return;
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      const text = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
      res.writeHead(reply.status, { ...(text ? { "Content-Type": "application/json" } : {}), ...reply.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function makeClient(server: TestServer, opts: Partial<CloudsmithClientOptions> = {}): CloudsmithClient {
  return new CloudsmithClient({
    baseUrl: `${server.url}/v1`,
    apiKey: API_KEY,
    limiter: new RateLimiter(),
    retryBaseMs: 5,
    maxRetries: 3,
    ...opts,
  });
}

export function token(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, slug_perm: `sp-${name}`, is_active: true, token: "masked", metadata: null, ...extra };
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function catchError(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw");
}

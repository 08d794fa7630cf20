/**
 * Issue 27 item 5: response bodies are capped (maxResponseBytes), as received and once
 * decompressed: a body announced too large, one that keeps coming without a length, and a small
 * compressed one that inflates past the cap each fail with one clear error, read no further and
 * are not retried; a body within the cap reads as always.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { CloudsmithClient, RateLimiter, ResponseShapeError } from "../../src/api/cloudsmith";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/api/http/send";
import { catchError } from "./helpers";

type Answer = (res: http.ServerResponse) => void;
let server: http.Server;
let answer: Answer;
let requests = 0;
let url: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    requests++;
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
beforeEach(() => {
  requests = 0;
});

const client = (maxResponseBytes?: number) =>
  new CloudsmithClient({
    baseUrl: url,
    apiKey: "body-cap-key-0001",
    limiter: new RateLimiter(),
    retryBaseMs: 5,
    maxRetries: 3,
    maxResponseBytes,
  });
const tokens = (n: number) =>
  JSON.stringify(Array.from({ length: n }, (_, i) => ({ name: `t${i}`, slug_perm: `sp${i}`, is_active: true })));

describe("response body cap", () => {
  it("a body within the cap reads as always; the default cap is 32 MiB", async () => {
    answer = (res) => res.writeHead(200, { "Content-Type": "application/json" }).end(tokens(20));
    expect(await client(10_000).entitlements.list("acme", "prod")).toHaveLength(20);
    expect(DEFAULT_MAX_BODY_BYTES).toBe(32 * 1024 * 1024);
  });

  it("a body whose Content-Length is over the cap fails at once, naming the cap, and is not retried", async () => {
    const body = tokens(200);
    answer = (res) =>
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
    const e = await catchError(() => client(2_000).entitlements.list("acme", "prod"));
    expect(e).toBeInstanceOf(ResponseShapeError);
    expect(e.message).toMatch(
      /^entitlements_list acme\/prod: the response announced a body of \d+ bytes, over the 2000-byte cap; raise maxResponseBytes if such an answer is expected$/,
    );
    expect(requests).toBe(1);
  });

  it("a body without a length that keeps coming is cut at the cap", async () => {
    answer = (res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write("[");
      const more = () => (res.write(`${tokens(50).slice(1, -1)},`) ? setTimeout(more, 1) : res.once("drain", more));
      more();
      res.on("close", () => undefined);
    };
    const e = await catchError(() => client(50_000).entitlements.list("acme", "prod"));
    expect(e).toBeInstanceOf(ResponseShapeError);
    expect(e.message).toMatch(/the response body went past the 50000-byte cap \(not read further\)/);
  });

  it.each(["gzip", "deflate", "br"])("a %s body that inflates past the cap fails, read no further", async (coding) => {
    const big = Buffer.from(`[${" ".repeat(5_000_000)}]`);
    const packed =
      coding === "gzip"
        ? zlib.gzipSync(big)
        : coding === "deflate"
          ? zlib.deflateSync(big)
          : zlib.brotliCompressSync(big);
    expect(packed.length).toBeLessThan(100_000);
    answer = (res) =>
      res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": coding }).end(packed);
    const e = await catchError(() => client(1_000_000).entitlements.list("acme", "prod"));
    expect(e).toBeInstanceOf(ResponseShapeError);
    expect(e.message).toMatch(/the response body decompressed past the 1000000-byte cap \(not decoded further\)/);
    expect(requests).toBe(1);
  });
});

/**
 * The transport on the wire (src/api/http/send.ts): real servers on 127.0.0.1, real sockets.
 * Redirects, compressed bodies, the headers sent, bodies cut short, timeouts, refused connections,
 * proxies from the environment, keep-alive, and a short-lived process exiting once its request ends.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net, { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { z } from "zod";
import {
  ApiEvent,
  HttpTransport,
  HttpTransportOptions,
  isTransientNetworkCode,
  NetworkError,
  RateLimiter,
  requestNotSent,
} from "../../src/api/http";
import { send } from "../../src/api/http/send";
import { catchError } from "./helpers";

const KEY = "csk_WIRE_secret_api_key_0987654321";
const Ok = z.object({ ok: z.string() });

interface Served {
  url: string;
  port: number;
  /** Request lines seen ("GET /path"), in order. */
  seen: string[];
  requests: http.IncomingMessage[];
  bodies: string[];
  connections: number;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

async function listen(server: http.Server | https.Server, scheme = "http"): Promise<Served> {
  const s: Served = { url: "", port: 0, seen: [], requests: [], bodies: [], connections: 0, close: async () => {} };
  server.on("connection", () => s.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  s.port = (server.address() as AddressInfo).port;
  s.url = `${scheme}://127.0.0.1:${s.port}`;
  s.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return s;
}

function recorder(s: () => Served, handler: Handler): http.RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const me = s();
      me.seen.push(`${req.method} ${req.url}`);
      me.requests.push(req);
      me.bodies.push(Buffer.concat(chunks).toString("utf8"));
      handler(req, res, me.seen.length);
    });
  };
}

async function serve(handler: Handler): Promise<Served> {
  let s!: Served;
  s = await listen(http.createServer(recorder(() => s, handler)));
  return s;
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
};

function transport(baseUrl: string, opts: Partial<HttpTransportOptions> = {}): HttpTransport {
  return new HttpTransport({
    baseUrl,
    limiter: new RateLimiter({ concurrency: 4 }),
    userAgent: "reposmith-wire-test/1",
    headers: () => ({ "X-Api-Key": KEY }),
    secrets: () => [KEY],
    unreachableHint: "check WIRE_API_URL",
    retryBaseMs: 1,
    maxRetries: 3,
    ...opts,
  });
}

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});
async function track<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const s = await p;
  closers.push(() => s.close());
  return s;
}

/** Sets environment variables for one test (every spelling proxy-from-env reads), restored after it. */
function withEnv(vars: Record<string, string | undefined>): void {
  const names = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"].flatMap((n) => [n, n.toUpperCase()]);
  const saved = new Map([...names, ...Object.keys(vars)].map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  for (const [n, v] of Object.entries(vars)) if (v !== undefined) process.env[n] = v;
  closers.push(() => {
    for (const [n, v] of saved)
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
  });
}

beforeEach(() => withEnv({}));

describe("redirects", () => {
  it("hands a 302 back as it is and never asks the host in Location (the API key stays home)", async () => {
    const elsewhere = await track(serve((_req, res) => json(res, 200, { ok: "stolen" })));
    const api = await track(
      serve((_req, res) => {
        res.writeHead(302, { Location: `${elsewhere.url}/grab`, "Content-Length": 0 });
        res.end();
      }),
    );
    const t = transport(`${api.url}/v1`);
    const r = await t.request({ operation: "probe", method: "GET", path: "/x/", accept: (s) => s === 302 });
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`${elsewhere.url}/grab`);
    // Without accept, a 3xx is an error, still without following it.
    await expect(t.request({ operation: "read", method: "GET", path: "/x/", schema: Ok })).rejects.toThrow(/302/);
    expect(api.seen).toEqual(["GET /v1/x/", "GET /v1/x/"]);
    expect(elsewhere.seen).toEqual([]);
  });
});

describe("compressed bodies", () => {
  const codings: Array<[string, (b: Buffer) => Buffer]> = [
    ["gzip", zlib.gzipSync],
    ["deflate", zlib.deflateSync],
    ["deflate", zlib.deflateRawSync], // raw deflate, as some servers send it
    ["br", zlib.brotliCompressSync],
  ];
  it.each(codings)("decodes Content-Encoding: %s", async (coding, compress) => {
    const page = { ok: `${coding} ${"x".repeat(20_000)}` }; // above the 16 KB deferred-parse threshold
    const api = await track(
      serve((_req, res) => {
        const bytes = compress(Buffer.from(JSON.stringify(page)));
        res.writeHead(200, {
          "Content-Type": "application/json",
          "Content-Encoding": coding,
          "Content-Length": bytes.length,
        });
        res.end(bytes);
      }),
    );
    const r = await transport(api.url).request({ operation: "read", method: "GET", path: "/p", schema: Ok });
    expect(r.data).toEqual(page);
    expect(r.headers["content-encoding"]).toBeUndefined();
    expect(api.requests[0].headers["accept-encoding"]).toBe("gzip, deflate, br");
  });

  it("decodes a chunked gzip body (no Content-Length)", async () => {
    const api = await track(
      serve((_req, res) => {
        res.writeHead(200, { "Content-Encoding": "gzip" });
        const bytes = zlib.gzipSync(Buffer.from(JSON.stringify({ ok: "chunked" })));
        res.write(bytes.subarray(0, 7));
        setTimeout(() => res.end(bytes.subarray(7)), 20);
      }),
    );
    const r = await transport(api.url).request({ operation: "read", method: "GET", path: "/p", schema: Ok });
    expect(r.data).toEqual({ ok: "chunked" });
  });
});

describe("request headers", () => {
  it("sends Accept, User-Agent, the client's headers, and Content-Type/Content-Length with a body", async () => {
    const api = await track(serve((_req, res) => json(res, 201, { ok: "made" })));
    const body = { name: "grüße ✓" }; // multi-byte: Content-Length counts bytes, not characters
    const r = await transport(api.url).request({ operation: "create", method: "POST", path: "/t", body, schema: Ok });
    expect(r.status).toBe(201);
    const h = api.requests[0].headers;
    expect(h.accept).toBe("application/json");
    expect(h["user-agent"]).toBe("reposmith-wire-test/1");
    expect(h["x-api-key"]).toBe(KEY);
    expect(h["content-type"]).toBe("application/json");
    expect(Number(h["content-length"])).toBe(Buffer.byteLength(JSON.stringify(body)));
    expect(JSON.parse(api.bodies[0])).toEqual(body);
  });

  it("sends no Content-Type or Content-Length without a body, and response headers come back lowercase", async () => {
    const api = await track(
      serve((_req, res) =>
        json(res, 200, { ok: "y" }, { "X-RateLimit-Remaining": "41", "Set-Cookie": ["a=1", "b=2"] }),
      ),
    );
    const r = await transport(api.url).request({ operation: "read", method: "GET", path: "/t", schema: Ok });
    expect(api.requests[0].headers["content-type"]).toBeUndefined();
    expect(api.requests[0].headers["content-length"]).toBeUndefined();
    expect(r.headers["x-ratelimit-remaining"]).toBe("41");
    expect(r.headers["set-cookie"]).toBe("a=1, b=2");
  });
});

describe("a header Node refuses", () => {
  it("fails at once, without sending, naming the header but not its value, and leaves no timer", async () => {
    const api = await track(serve((_req, res) => json(res, 200, { ok: "y" })));
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await new Promise((r) => setTimeout(r, 50));
    const before = timers();
    const t = transport(api.url, { headers: () => ({ "X-Api-Key": `${KEY}\r\nX-Evil: 1` }), timeoutMs: 60_000 });
    const e = await catchError(() => t.request({ operation: "read", method: "GET", path: "/p" }));
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.code).toBe("ERR_INVALID_CHAR");
    expect(e.message).toMatch(/X-Api-Key/);
    expect(e.message).not.toContain(KEY);
    expect(api.seen).toEqual([]);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe("a body cut short", () => {
  // Content-Length 1000, 10 bytes, then the socket is destroyed.
  const cut: Handler = (req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": 1000 });
    res.write('{"ok":"par');
    setTimeout(() => req.socket.destroy(), 20);
  };

  it("is a transient network error: a GET is retried and gets the whole body", async () => {
    const api = await track(serve((req, res, n) => (n === 1 ? cut(req, res, n) : json(res, 200, { ok: "whole" }))));
    const events: ApiEvent[] = [];
    const t = transport(api.url, { onEvent: (e) => events.push(e) });
    const r = await t.request({ operation: "read", method: "GET", path: "/p", schema: Ok });
    expect(r.data).toEqual({ ok: "whole" });
    expect(t.stats).toMatchObject({ requests: 2, retries: 1, errors: 0 });
    const failed = events.find((e) => e.type === "request" && e.code);
    expect(failed?.code).toBeDefined();
    expect(isTransientNetworkCode(failed!.code)).toBe(true);
    expect(requestNotSent(failed!.code)).toBe(false);
  });

  it("on a POST without a way to look, fails at once as possibly applied", async () => {
    const api = await track(serve(cut));
    const e = await catchError(() =>
      transport(api.url).request({ operation: "create", method: "POST", path: "/p", body: { a: 1 }, schema: Ok }),
    );
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.ambiguous).toBe(true);
    expect(e.message).toMatch(/may have been applied/);
    expect(e.message).toMatch(/10 of 1000 bytes/);
    expect(api.seen).toHaveLength(1);
  });
});

describe("timeouts", () => {
  it("a server that accepts and never answers gives a timeout retry.ts treats as one, after timeoutMs", async () => {
    const silent = await track(serve(() => {}));
    const started = Date.now();
    const e = await catchError(() =>
      transport(silent.url, { timeoutMs: 300, maxRetries: 0 }).request({
        operation: "read",
        method: "GET",
        path: "/p",
      }),
    );
    const took = Date.now() - started;
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.code).toBe("ETIMEDOUT");
    expect(isTransientNetworkCode(e.code)).toBe(true);
    expect(e.message).toMatch(/timeout of 300ms/);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
  });

  it("the timeout covers the whole body, not only the wait for the head", async () => {
    const slow = await track(
      serve((_req, res) => {
        res.writeHead(200, { "Content-Length": 100 });
        const drip = setInterval(() => res.write("x"), 50); // never idle long, never done
        res.on("close", () => clearInterval(drip));
      }),
    );
    const e = await catchError(() =>
      transport(slow.url, { timeoutMs: 400, maxRetries: 0 }).request({ operation: "read", method: "GET", path: "/p" }),
    );
    expect(e.code).toBe("ETIMEDOUT");
  });

  it("leaves no timer behind once a request has finished", async () => {
    const api = await track(serve((_req, res) => json(res, 200, { ok: "y" })));
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await new Promise((r) => setTimeout(r, 50)); // earlier tests' short timers run out first
    const before = timers();
    const t = transport(api.url, { timeoutMs: 60_000 });
    for (let i = 0; i < 3; i++) await t.request({ operation: "read", method: "GET", path: "/p", schema: Ok });
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe("a refused connection", () => {
  it("is 'unreachable', names the URL and the hint, and never shows the key", async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const t = transport(`http://127.0.0.1:${port}/api/`, { maxUnreachableRetries: 1 });
    const e = await catchError(() => t.request({ operation: "read", method: "GET", path: "/p" }));
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.code).toBe("ECONNREFUSED");
    expect(e.message).toContain(`the API at http://127.0.0.1:${port}/api is unreachable`);
    expect(e.message).toContain("check WIRE_API_URL");
    expect(e.message).not.toContain(KEY);
    expect(t.stats.requests).toBe(2);
  });
});

/** A plain forward proxy: takes absolute-form requests and CONNECT tunnels, records what it was asked. */
async function forwardProxy(): Promise<Served> {
  let s!: Served;
  const server = http.createServer(
    recorder(
      () => s,
      (req, res) => {
        const up = http.request(req.url!, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on("error", () => res.destroy());
        up.end(s.bodies[s.bodies.length - 1]);
      },
    ),
  );
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    s.seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? "").split(":");
    const up = net.connect(Number(port), host === "localhost" ? "127.0.0.1" : host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
  });
  s = await listen(server);
  return s;
}

describe("proxies from the environment", () => {
  it("sends an http request through HTTP_PROXY, and straight to a host in NO_PROXY", async () => {
    const api = await track(serve((_req, res) => json(res, 200, { ok: "y" })));
    const proxy = await track(forwardProxy());
    withEnv({ HTTP_PROXY: proxy.url });
    const t = transport(api.url);
    await t.request({ operation: "read", method: "GET", path: "/via", schema: Ok });
    expect(proxy.seen).toEqual([`GET ${api.url}/via`]);
    expect(api.seen).toEqual(["GET /via"]);

    withEnv({ HTTP_PROXY: proxy.url, NO_PROXY: "localhost,127.0.0.1" });
    await t.request({ operation: "read", method: "GET", path: "/direct", schema: Ok });
    expect(proxy.seen).toHaveLength(1);
    expect(api.seen).toEqual(["GET /via", "GET /direct"]);
  });

  const openssl = (() => {
    try {
      execFileSync("openssl", ["version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  // In a child process: NODE_EXTRA_CA_CERTS (read at start) makes it trust the test's self-signed certificate.
  (openssl ? it : it.skip)("tunnels an https request through HTTPS_PROXY with CONNECT", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "wire-tls-"));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const [key, cert] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"].concat([
        "-addext",
        "subjectAltName=DNS:localhost",
        "-keyout",
        key,
        "-out",
        cert,
      ]),
      { stdio: "ignore" },
    );
    let s!: Served;
    const server = https.createServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      recorder(
        () => s,
        (_req, res) => json(res, 200, { ok: "tls" }),
      ),
    );
    s = await track(listen(server, "https"));
    const proxy = await track(forwardProxy());
    // By name: https-proxy-agent 7 checks an IP target's certificate against "localhost" (it drops the host).
    const target = `https://localhost:${s.port}`;
    const r = await runChild(target, "/secure", { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: cert });
    expect(r).toMatchObject({ out: "done 200 tls", err: "", code: 0 });
    expect(proxy.seen).toEqual([`CONNECT localhost:${s.port}`]); // a tunnel: the proxy never sees the path or the key
    expect(s.seen).toEqual(["GET /secure"]);
    expect(s.requests[0].headers["x-api-key"]).toBe(KEY);
  });
});

describe("keep-alive", () => {
  it("20 sequential requests share one connection", async () => {
    const api = await track(serve((_req, res) => json(res, 200, { ok: "y" })));
    const t = transport(api.url);
    for (let i = 0; i < 20; i++) await t.request({ operation: "read", method: "GET", path: `/p${i}`, schema: Ok });
    expect(api.seen).toHaveLength(20);
    expect(api.connections).toBe(1);
  });
});

describe("list-page bodies", () => {
  /** A JSON array of about `bytes` bytes whose every element names `tag`. */
  const page = (tag: string, bytes: number) =>
    Array.from({ length: Math.ceil(bytes / 100) }, (_, i) => ({ tag, i, pad: "x".repeat(70) }));

  it("that equal the body expected are that very buffer; one that differs anywhere is its own", async () => {
    let tag = "a";
    const api = await track(serve((_req, res) => json(res, 200, page(tag, 100_000))));
    const get = (expected?: Buffer) =>
      send({ method: "GET", url: `${api.url}/p`, headers: {}, timeoutMs: 5_000, expected });
    const first = await get();
    const again = await get(first.body);
    expect(again.body).toBe(first.body);
    tag = "b"; // the same length, a different byte in every element
    const changed = await get(first.body);
    expect(changed.body).not.toBe(first.body);
    expect(JSON.parse(changed.body.toString("utf8"))[0].tag).toBe("b");
    expect(JSON.parse(first.body.toString("utf8"))[0].tag).toBe("a");
    // Only the last element differs: the body is the expected beginning and what came after it.
    const last = JSON.parse(first.body.toString("utf8")) as { tag: string }[];
    last[last.length - 1].tag = "z";
    const lastChanged = Buffer.from(JSON.stringify(last));
    const api2 = await track(serve((_req, res) => json(res, 200, last)));
    const tail = await send({
      method: "GET",
      url: `${api2.url}/p`,
      headers: {},
      timeoutMs: 5_000,
      expected: first.body,
    });
    expect(tail.body.equals(lastChanged)).toBe(true);
  });

  it("parse as they came when many arrive at once", async () => {
    const api = await track(
      serve((req, res) => {
        const tag = req.url ?? "";
        // Answers in a scrambled order, so bodies overtake one another while others wait to be parsed.
        setTimeout(() => json(res, 200, page(tag, 60_000 + (tag.length % 7) * 9_000)), (tag.charCodeAt(2) * 7) % 23);
      }),
    );
    const t = transport(api.url, { limiter: new RateLimiter({ concurrency: 8 }) });
    const Page = z.array(z.object({ tag: z.string(), i: z.number(), pad: z.string() }));
    const paths = Array.from({ length: 48 }, (_, i) => `/p${i}`);
    const pages = await Promise.all(
      paths.map((p) => t.request({ operation: "list", method: "GET", path: p, schema: Page })),
    );
    pages.forEach((r, n) => {
      expect(r.data.length).toBeGreaterThan(500);
      expect(r.data.every((e) => e.tag === paths[n])).toBe(true);
    });
  });
});

/** Runs one request from a fresh Node process (through tsx); how long it lived on after the request ended. */
async function runChild(
  baseUrl: string,
  requestPath: string,
  env: Record<string, string> = {},
): Promise<{ out: string; err: string; code: number | null; lingeredMs: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), "wire-child-"));
  closers.push(() => rmSync(dir, { recursive: true, force: true }));
  const script = path.join(dir, "one.ts");
  const src = path.resolve(__dirname, "../../src/api/http");
  writeFileSync(
    script,
    `import { HttpTransport, RateLimiter } from ${JSON.stringify(src)};
const t = new HttpTransport({ baseUrl: ${JSON.stringify(baseUrl)}, limiter: new RateLimiter(), userAgent: "child",
  headers: () => ({ "X-Api-Key": ${JSON.stringify(KEY)} }), timeoutMs: 30000 });
t.request({ operation: "read", method: "GET", path: ${JSON.stringify(requestPath)}, accept: () => true }).then(
  (r) => console.log("done " + r.status + " " + (r.data as { ok?: string })?.ok),
  (e) => console.error(String(e)),
);
`,
  );
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_proxy$/i.test(k)));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: path.resolve(__dirname, "../.."),
    env: { ...clean, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  closers.push(() => void child.kill("SIGKILL"));
  let out = "";
  let err = "";
  let doneAt = 0;
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
    if (!doneAt && out.includes("done")) doneAt = Date.now();
  });
  const code = await new Promise<number | null>((resolve) => {
    const guard = setTimeout(() => resolve(-1), 20_000);
    child.on("exit", (c) => {
      clearTimeout(guard);
      resolve(c);
    });
  });
  return { out: out.trim(), err: err.trim(), code, lingeredMs: Date.now() - doneAt };
}

describe("a short-lived process", () => {
  it("exits promptly after its one request (no pooled socket or timer holds it)", async () => {
    const api = await track(serve((_req, res) => json(res, 200, { ok: "y" }, { "Keep-Alive": "timeout=60" })));
    const r = await runChild(api.url, "/one");
    expect(r).toMatchObject({ out: "done 200 y", err: "", code: 0 });
    expect(api.seen).toEqual(["GET /one"]);
    expect(r.lingeredMs).toBeLessThan(1000);
  });
});

/**
 * One HTTP exchange over node:http / node:https (generic): the request goes out with its JSON text,
 * the whole response body comes back as one Buffer (decoded when the server compressed it).
 *
 * - Keep-alive agents shared by the process; an idle socket is unref'd by Node's Agent, so a
 *   finished CLI run or Terraform hook exits at once (https://nodejs.org/api/http.html#agentkeepsocketalivesocket).
 * - Redirects are never followed: node:http hands a 3xx back as it is, so the API key never travels
 *   to the host in a Location header.
 * - HTTP_PROXY / HTTPS_PROXY / NO_PROXY are honoured per URL (https://github.com/Rob--W/proxy-from-env);
 *   an https target goes through a CONNECT tunnel (https-proxy-agent), an http target through a
 *   forward proxy (http-proxy-agent).
 * - One timer covers connect, request and the whole response.
 * - The body is capped (`maxBodyBytes`), as received and once decompressed: a server (or a proxy)
 *   sending more, or a small compressed body that inflates past it, fails with ERR_BODY_TOO_LARGE
 *   instead of filling the memory.
 * - Errors carry only a code and a message, never headers or the request: the codes are those
 *   retry.ts knows (system codes as Node gives them, ETIMEDOUT for the timeout, ECONNRESET for a
 *   body cut short).
 */
import http from "node:http";
import https from "node:https";
import zlib from "node:zlib";
import { getProxyForUrl } from "proxy-from-env";
import { HttpProxyAgent } from "http-proxy-agent";
import { HttpsProxyAgent } from "https-proxy-agent";

export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Request body (JSON text); Content-Length is set from it. */
  body?: string;
  timeoutMs: number;
  /** The most bytes a response body may have, as received and decompressed. @default DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /**
   * The body this URL answered last time. The bytes are compared with it as they arrive, and when
   * the whole body is the same (and not compressed) `expected` itself is returned: an unchanged
   * page needs no buffer of its own.
   */
  expected?: Buffer;
}

/** The body cap by default: some ten times the largest list page the client reads (500 packages). */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** The code of a response whose body is over the cap. */
export const BODY_TOO_LARGE = "ERR_BODY_TOO_LARGE";

export interface WireResponse {
  status: number;
  /** Lowercase names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body, decoded when it came compressed (gzip, deflate, br). */
  body: Buffer;
}

/** A failed exchange: a code retry.ts can classify and a message free of headers and secrets. */
export class WireError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "WireError";
  }
}

/** What the client says it can decode (the same codings axios asked for, less the LZW `compress` nothing decodes). */
export const ACCEPT_ENCODING = "gzip, deflate, br";

/** A Content-Length above this is not trusted for one up-front allocation (the chunks are gathered instead). */
const MAX_PREALLOC_BYTES = 64 * 1024 * 1024;

// maxSockets stays unlimited: the rate limiter already bounds the requests in flight.
// The idle timeout is the one Node's global agent uses (https://nodejs.org/api/http.html#httpglobalagent).
const agentOptions = { keepAlive: true, timeout: 5_000 };
const directAgents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
const proxyAgents = new Map<string, http.Agent>();

/**
 * The agent for a URL: a proxy's (made on first use, then kept) when the environment asks for one, else a direct one.
 */
function agentFor(url: URL): http.Agent {
  const secure = url.protocol === "https:";
  const proxy = getProxyForUrl(url.href);
  if (!proxy) return secure ? directAgents.https : directAgents.http;
  const key = `${url.protocol}${proxy}`;
  let agent = proxyAgents.get(key);
  if (!agent) {
    agent = secure ? new HttpsProxyAgent(proxy, agentOptions) : new HttpProxyAgent(proxy, agentOptions);
    proxyAgents.set(key, agent);
  }
  return agent;
}

export function send(r: WireRequest): Promise<WireResponse> {
  return new Promise<WireResponse>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(r.url);
    } catch {
      reject(new WireError("ERR_INVALID_URL", "invalid URL"));
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      reject(new WireError("ERR_INVALID_URL", `unsupported protocol ${url.protocol}`));
      return;
    }
    const headers: Record<string, string | number> = { "Accept-Encoding": ACCEPT_ENCODING, ...r.headers };
    if (r.body !== undefined) headers["Content-Length"] = Buffer.byteLength(r.body);

    let done = false;
    let req: http.ClientRequest | undefined;
    const fail = (code: string | undefined, message: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req?.destroy();
      reject(new WireError(code, message));
    };
    const timer = setTimeout(() => fail("ETIMEDOUT", `timeout of ${r.timeoutMs}ms exceeded`), r.timeoutMs);

    const lib = url.protocol === "https:" ? https : http;
    try {
      req = lib.request(url, { method: r.method, headers, agent: agentFor(url) }, onResponse);
    } catch (e) {
      // A header Node refuses (a control character in a value)
      // throws here: the message names the header, not its value.
      const err = e as NodeJS.ErrnoException;
      return fail(err.code, err.message);
    }
    req.on("error", (e: NodeJS.ErrnoException) => fail(e.code, e.message));
    req.end(r.body);

    const max = r.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    function onResponse(res: http.IncomingMessage): void {
      const length = Number(res.headers["content-length"]);
      if (Number.isSafeInteger(length) && length > max)
        return fail(BODY_TOO_LARGE, `the response announced a body of ${length} bytes, over the ${max}-byte cap`);
      const known = Number.isSafeInteger(length);
      // Compared with the expected body until the first byte that differs; a compressed body is decoded first.
      let expected =
        r.expected && !res.headers["content-encoding"] && (!known || length === r.expected.length)
          ? r.expected
          : undefined;
      // One allocation when the length is known; else the chunks, joined once at the end.
      const allocate = () =>
        known && length > 0 && length <= MAX_PREALLOC_BYTES ? Buffer.allocUnsafe(length) : undefined;
      let whole = expected ? undefined : allocate();
      const chunks: Buffer[] = [];
      let received = 0;
      let filled = 0;
      const keep = (chunk: Buffer) => {
        if (whole && chunks.length === 0 && filled + chunk.length <= whole.length) {
          chunk.copy(whole, filled);
          filled += chunk.length;
        } else chunks.push(chunk);
      };
      res.on("data", (chunk: Buffer) => {
        // fail() ends the exchange (and so this response) first: what destroying it emits is then ignored.
        if (received + chunk.length > max)
          return fail(BODY_TOO_LARGE, `the response body went past the ${max}-byte cap (not read further)`);
        if (expected) {
          const end = received + chunk.length;
          if (end <= expected.length && chunk.equals(expected.subarray(received, end))) {
            received = end;
            return;
          }
          // The first difference: what came before it was the expected body's beginning.
          const prefix = expected.subarray(0, received);
          expected = undefined;
          whole = allocate();
          if (prefix.length) keep(prefix);
        }
        keep(chunk);
        received += chunk.length;
      });
      const cutShort = () =>
        fail(
          "ECONNRESET",
          `connection closed before the whole response arrived ` +
            `(${received}${Number.isSafeInteger(length) ? ` of ${length}` : ""} bytes)`,
        );
      res.on("aborted", cutShort);
      res.on("error", cutShort);
      res.on("end", () => {
        if (done) return;
        if (!res.complete) return cutShort();
        done = true;
        clearTimeout(timer);
        // (More bytes than Content-Length said cannot reach here: Node's parser stops at the length.)
        if (whole && filled > 0) chunks.unshift(filled === whole.length ? whole : whole.subarray(0, filled));
        // A body that matched the expected one throughout is it, or (shorter) a copy of its beginning.
        if (expected)
          chunks.push(received === expected.length ? expected : Buffer.from(expected.subarray(0, received)));
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
        const out = plainHeaders(res.headers);
        const status = res.statusCode ?? 0;
        decode(body, out["content-encoding"], r.method, status, max).then(
          (decoded) => {
            if (decoded !== body) delete out["content-encoding"];
            resolve({ status, headers: out, body: decoded });
          },
          (e: { code?: unknown; message?: unknown }) =>
            reject(
              e?.code === "ERR_BUFFER_TOO_LARGE"
                ? new WireError(
                    BODY_TOO_LARGE,
                    `the response body decompressed past the ${max}-byte cap (not decoded further)`,
                  )
                : new WireError(
                    typeof e?.code === "string" ? e.code : "ERR_BAD_RESPONSE",
                    `response body could not be decoded (${typeof e?.message === "string" ? e.message : "bad data"})`,
                  ),
            ),
        );
      });
    }
  });
}

type Inflater = (buf: Buffer, opts: zlib.ZlibOptions, cb: (e: Error | null, out: Buffer) => void) => void;
/** One decompression, stopped (ERR_BUFFER_TOO_LARGE) past `max` bytes of output. */
const inflate = (fn: Inflater) => (buf: Buffer, max: number) =>
  new Promise<Buffer>((resolve, reject) =>
    fn(buf, { maxOutputLength: max }, (e, out) => (e ? reject(e) : resolve(out))),
  );
const gunzip = inflate(zlib.unzip);
const inflateRaw = inflate(zlib.inflateRaw);
const brotli = inflate(zlib.brotliDecompress as unknown as Inflater);

/**
 * Decodes a compressed body (at most `max` bytes of it); an unknown
 * coding, a HEAD, a 204 or an empty body is returned as it is.
 */
function decode(
  body: Buffer,
  coding: string | undefined,
  method: string,
  status: number,
  max: number,
): Promise<Buffer> {
  if (!coding || body.length === 0 || method === "HEAD" || status === 204) return Promise.resolve(body);
  switch (coding.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return gunzip(body, max);
    case "deflate":
      // RFC 9110 says zlib-wrapped; some servers send raw deflate: a zlib header's low nibble is 8.
      return (body[0] & 0x0f) === 8 ? gunzip(body, max) : inflateRaw(body, max);
    case "br":
      return brotli(body, max);
    default:
      return Promise.resolve(body);
  }
}

function plainHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

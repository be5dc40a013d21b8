import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeChunked, encodeRequest, exchange, HttpClientError } from "./http-client";
import { serveHttp, type ByteStream } from "./http1";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Two ends of an in-memory connection, delivering writes in segments of `mss` bytes. */
function pipe(mss = 1460): [ByteStream, ByteStream] {
  type H = Record<string, ((b?: Uint8Array) => void)[]>;
  const make = (mine: H, theirs: H): ByteStream =>
    ({
      on: (e: string, fn: (b?: Uint8Array) => void) => void (mine[e] ??= []).push(fn),
      write: (b: Uint8Array) => {
        const copy = b.slice();
        queueMicrotask(() => {
          for (let i = 0; i < copy.length; i += mss) theirs.data?.forEach((f) => f(copy.subarray(i, i + mss)));
        });
      },
      close: () => queueMicrotask(() => theirs.close?.forEach((f) => f())),
    }) as ByteStream;
  const a: H = {};
  const b: H = {};
  return [make(a, b), make(b, a)];
}

/** A fake server end that answers any request with `raw` and then closes (or not). */
function rawServer(raw: string | Uint8Array, closeAfter = true): ByteStream {
  const [client, server] = pipe();
  server.on("data", () => {
    server.write(typeof raw === "string" ? enc.encode(raw) : raw);
    if (closeAfter) server.close();
  });
  return client;
}

const get = { method: "GET", target: "/", headers: [] as [string, string][] };

describe("HTTP client over a guest connection", () => {
  it("sends the request line, its headers, Host and Connection: close, and a body with its length", () => {
    const text = dec.decode(encodeRequest({ method: "POST", target: "/form?x=1", headers: [["Content-Type", "text/plain"], ["Connection", "keep-alive"]], body: enc.encode("hello") }, "guest:8080"));
    expect(text).toBe("POST /form?x=1 HTTP/1.1\r\nHost: guest:8080\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  });

  it("gets a response from our HTTP server: status, headers, a 5 MB body intact across segments", async () => {
    const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
    const [client, server] = pipe();
    serveHttp(server, async (req) => new Response(req.method === "POST" ? await req.text() : big, { status: 201, statusText: "Made", headers: { "X-Id": "7" } }), "http://x");
    const res = await exchange(client, get, "guest");
    expect(res.status).toBe(201);
    expect(res.statusText).toBe("Made");
    expect(res.headers).toContainEqual(["x-id", "7"]);
    const digest = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    expect(digest(res.body)).toBe(digest(big));
  });

  it("posts a body and reads the echo", async () => {
    const [client, server] = pipe(3);
    serveHttp(server, async (req) => new Response(`got ${await req.text()}`), "http://x");
    const res = await exchange(client, { method: "POST", target: "/", headers: [], body: enc.encode("a=1&b=2") }, "guest");
    expect(dec.decode(res.body)).toBe("got a=1&b=2");
  });

  it("reads chunked bodies, bodies delimited by the close, and empty ones", async () => {
    const chunked = await exchange(rawServer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n", false), get, "g");
    expect(dec.decode(chunked.body)).toBe("hello world");
    const closed = await exchange(rawServer("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<p>until the end</p>"), get, "g");
    expect(dec.decode(closed.body)).toBe("<p>until the end</p>");
    const redirect = await exchange(rawServer("HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n", false), get, "g");
    expect(redirect.status).toBe(302);
    expect(redirect.headers).toContainEqual(["location", "/next"]);
    const head = await exchange(rawServer("HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n", false), { ...get, method: "HEAD" }, "g");
    expect(head.body.length).toBe(0);
  });

  it("reads a head whose lines end in a bare LF, as busybox httpd passes a CGI's through", async () => {
    const cgi = await exchange(rawServer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\n\nposted: msg=hi\n"), get, "g");
    expect(cgi.headers).toContainEqual(["content-type", "text/plain"]);
    expect(dec.decode(cgi.body)).toBe("posted: msg=hi\n");
    const lf = await exchange(rawServer("HTTP/1.0 404 Not Found\nContent-Length: 2\n\nno"), get, "g");
    expect([lf.status, dec.decode(lf.body)]).toEqual([404, "no"]);
  });

  it("fails clearly on a truncated response, a server that says nothing, and garbage", async () => {
    await expect(exchange(rawServer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), get, "g")).rejects.toThrow(/closed after 5 of 10 bytes/);
    await expect(exchange(rawServer(""), get, "g")).rejects.toThrow(/without answering/);
    await expect(exchange(rawServer("SSH-2.0-OpenSSH\r\n\r\n"), get, "g")).rejects.toBeInstanceOf(HttpClientError);
  });

  it("decodes chunked bodies only once the last chunk is there", () => {
    expect(decodeChunked(enc.encode("3\r\nabc\r\n"))).toBeUndefined();
    expect(dec.decode(decodeChunked(enc.encode("3\r\nabc\r\n0\r\n\r\n"))!)).toBe("abc");
  });
});

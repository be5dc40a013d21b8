import { describe, expect, it } from "vitest";
import { serveHttp, type ByteStream } from "./http1";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A fake connection: feed it segments, read what the server wrote. */
function fakeStream() {
  const handlers: Record<string, ((arg?: Uint8Array) => void)[]> = {};
  const written: Uint8Array[] = [];
  let closed = false;
  const stream: ByteStream = {
    on: (e: string, fn: (arg?: Uint8Array) => void) => void (handlers[e] ??= []).push(fn),
    write: (b) => void written.push(b.slice()),
    close: () => void (closed = true),
  } as ByteStream;
  return {
    stream,
    send: (s: string | Uint8Array) => handlers.data?.forEach((f) => f(typeof s === "string" ? enc.encode(s) : s)),
    shutdown: () => handlers.shutdown?.forEach((f) => f()),
    text: () => written.map((w) => dec.decode(w)).join(""),
    get closed() {
      return closed;
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe("serveHttp", () => {
  it("answers a TLS ClientHello at once in plain HTTP and closes, so the client falls back to HTTP", async () => {
    const s = fakeStream();
    let asked = false;
    serveHttp(s.stream, async () => ((asked = true), new Response("no")), "http://fallback");
    s.send(new Uint8Array([0x16, 0x03, 0x01, 0x01, 0x2c, 0x01, 0x00, 0x01, 0x28, 0x03, 0x03]));
    await tick();
    expect(s.text()).toMatch(/^HTTP\/1.1 400 Bad Request\r\n[^]*Connection: close\r\n\r\nthis server speaks plain HTTP, not TLS\n$/);
    expect(s.closed).toBe(true);
    expect(asked).toBe(false);
  });

  it("answers requests split across segments, in order, on one keep-alive connection", async () => {
    const seen: string[] = [];
    const s = fakeStream();
    serveHttp(s.stream, async (req) => {
      seen.push(`${req.method} ${req.url} ${req.method === "POST" ? await req.text() : ""}`);
      return new Response(`hi ${new URL(req.url).pathname}`, { headers: { "X-Test": "1" } });
    }, "http://fallback");
    s.send("GET /v2/ HTTP/1.1\r\nHo");
    s.send("st: registry.local:5000\r\n\r\nPOST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab");
    s.send("cde");
    await tick();
    expect(seen).toEqual(["GET http://registry.local:5000/v2/ ", "POST http://h/up abcde"]);
    const out = s.text();
    expect(out).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    expect(out).toContain("x-test: 1\r\n");
    expect(out).toContain("Content-Length: 7\r\nConnection: keep-alive\r\n\r\nhi /v2/HTTP/1.1 200");
    expect(out.endsWith("hi /up")).toBe(true);
    expect(s.closed).toBe(false);
  });

  it("reads chunked bodies", async () => {
    let body = "";
    const s = fakeStream();
    serveHttp(s.stream, async (req) => {
      body = await req.text();
      return new Response(null, { status: 202 });
    }, "http://x");
    s.send("PATCH /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    s.send("6;ext=1\r\n world\r\n0\r\n\r\n");
    await tick();
    expect(body).toBe("hello world");
    expect(s.text()).toMatch(/^HTTP\/1.1 202 /);
  });

  it("keeps the declared length of a HEAD answer but sends no body", async () => {
    const s = fakeStream();
    serveHttp(s.stream, async () => new Response(null, { headers: { "Content-Length": "1234" } }), "http://x");
    s.send("HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n");
    await tick();
    expect(s.text()).toMatch(/Content-Length: 1234\r\nConnection: keep-alive\r\n\r\n$/);
  });

  it("closes after answering Connection: close, and refuses a malformed request", async () => {
    const s = fakeStream();
    serveHttp(s.stream, async () => new Response("ok"), "http://x");
    s.send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    await tick();
    expect(s.closed).toBe(true);
    const bad = fakeStream();
    serveHttp(bad.stream, async () => new Response("ok"), "http://x");
    bad.send("NONSENSE\r\n\r\n");
    await tick();
    expect(bad.text()).toMatch(/^HTTP\/1.1 400/);
    expect(bad.closed).toBe(true);
  });

  it("answers 100-continue before the body arrives", async () => {
    const s = fakeStream();
    serveHttp(s.stream, async (req) => new Response(await req.text()), "http://x");
    s.send("PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    expect(s.text()).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    s.send("ok");
    await tick();
    expect(s.text()).toMatch(/\r\n\r\nok$/);
  });
});

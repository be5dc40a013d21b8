// HTTP/1.1 client side over a byte stream (a TCP connection the host opens into the guest): one
// request per connection, sent with `Connection: close`, and its response read back whole. The
// preview uses it to carry the page's requests to a container's published port.
import { concatBytes as concat } from "../bytes";
import type { ByteStream } from "./http1";

export interface HttpRequestData {
  method: string;
  /** path and query, as on the request line */
  target: string;
  headers: [string, string][];
  body?: Uint8Array;
}

/** Plain data, so it crosses postMessage as it is. */
export interface HttpResponseData {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array;
}

export class HttpClientError extends Error {
  override name = "HttpClientError";
}

/** Request headers the client sets itself. */
const OWN_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);
const enc = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/**
 * Where the response head ends: the blank line after it, as [end of head, start of body]. Bare LF
 * line ends count too, as browsers allow: busybox httpd passes a CGI's "\n\n" through as it is.
 */
function findHeadEnd(b: Uint8Array): [number, number] | undefined {
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 10) continue;
    if (b[i + 1] === 10) return [i, i + 2];
    if (b[i + 1] === 13 && b[i + 2] === 10) return [i, i + 3];
  }
  return undefined;
}

export function encodeRequest(req: HttpRequestData, host: string): Uint8Array {
  let head = `${req.method} ${req.target} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, value] of req.headers) if (!OWN_HEADERS.has(name.toLowerCase())) head += `${name}: ${value}\r\n`;
  const body = req.body ?? new Uint8Array(0);
  if (body.length > 0 || !["GET", "HEAD"].includes(req.method)) head += `Content-Length: ${body.length}\r\n`;
  head += "Connection: close\r\n\r\n";
  const headBytes = enc.encode(head);
  return body.length ? concat([headBytes, body], headBytes.length + body.length) : headBytes;
}

interface ParsedHead {
  status: number;
  statusText: string;
  headers: [string, string][];
}

function parseResponseHead(text: string): ParsedHead {
  const lines = text.split(/\r?\n/);
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines.shift() ?? "");
  if (!m) throw new HttpClientError(`not an HTTP response: ${text.slice(0, 60)}`);
  const headers: [string, string][] = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { status: Number(m[1]), statusText: m[2] ?? "", headers };
}

/** Decodes a chunked body; undefined while the last chunk has not arrived. */
export function decodeChunked(b: Uint8Array): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  let size = 0;
  let at = 0;
  for (;;) {
    let eol = -1;
    for (let i = at; i + 1 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10) { eol = i; break; }
    if (eol < 0) return undefined;
    const n = Number.parseInt(latin1.decode(b.subarray(at, eol)).split(";")[0]!, 16);
    if (Number.isNaN(n)) throw new HttpClientError("bad chunk size in the response");
    at = eol + 2;
    if (n === 0) return concat(parts, size); // trailers, if any, are dropped
    if (at + n + 2 > b.length) return undefined;
    parts.push(b.subarray(at, at + n));
    size += n;
    at += n + 2;
  }
}

type Framing = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" } | { kind: "close" };

function framingOf(head: ParsedHead, method: string): Framing {
  const get = (name: string) => head.headers.find(([n]) => n === name)?.[1];
  if (method === "HEAD" || head.status === 204 || head.status === 304 || head.status < 200) return { kind: "none" };
  if (get("transfer-encoding")?.toLowerCase().includes("chunked")) return { kind: "chunked" };
  const length = get("content-length");
  if (length !== undefined) {
    const n = Number(length);
    if (!Number.isSafeInteger(n) || n < 0) throw new HttpClientError(`bad Content-Length in the response: ${length}`);
    return { kind: "length", length: n };
  }
  return { kind: "close" };
}

const LAST_CHUNK = [48, 13, 10, 13, 10]; // "0\r\n\r\n"

/**
 * Sends one request on a connected stream and resolves with the whole response. The stream is
 * closed once the response is complete (or on error). Bytes are copied once, at the end.
 */
export function exchange(stream: ByteStream, req: HttpRequestData, host: string): Promise<HttpResponseData> {
  return new Promise((resolve, reject) => {
    let headBytes: Uint8Array = new Uint8Array(0);
    let head: ParsedHead | undefined;
    let framing: Framing = { kind: "close" };
    const body: Uint8Array[] = [];
    let bodySize = 0;
    let done = false;

    const complete = (bytes: Uint8Array) => {
      done = true;
      stream.close();
      resolve({ ...head!, body: bytes });
    };
    const fail = (err: unknown) => {
      done = true;
      stream.close();
      reject(err);
    };
    /** the body's last bytes, enough to see the last chunk arrive without joining the body */
    let tail: number[] = [];
    const addBody = (bytes: Uint8Array) => {
      body.push(bytes);
      bodySize += bytes.length;
      tail = [...tail, ...bytes.subarray(-LAST_CHUNK.length)].slice(-LAST_CHUNK.length);
    };
    const endsWithLastChunk = () => tail.length === LAST_CHUNK.length && LAST_CHUNK.every((c, i) => tail[i] === c);
    /** Resolves if the response is whole; `ended`: the server will send nothing more. */
    const check = (ended: boolean) => {
      if (done) return;
      try {
        if (!head) {
          if (ended) throw new HttpClientError(headBytes.length ? "the connection closed inside the response head" : "the server closed the connection without answering");
          return;
        }
        switch (framing.kind) {
          case "none":
            return complete(new Uint8Array(0));
          case "length":
            if (bodySize >= framing.length) return complete(concat(body, bodySize).subarray(0, framing.length));
            if (ended) throw new HttpClientError(`the connection closed after ${bodySize} of ${framing.length} bytes`);
            return;
          case "chunked": {
            if (!ended && !endsWithLastChunk()) return;
            const decoded = decodeChunked(concat(body, bodySize));
            if (decoded) return complete(decoded);
            if (ended) throw new HttpClientError("the connection closed in the middle of a chunked response");
            return;
          }
          case "close":
            if (ended) complete(concat(body, bodySize));
        }
      } catch (err) {
        fail(err);
      }
    };

    stream.on("data", (b) => {
      if (done) return;
      const bytes = b.slice(); // the emulator reuses its packet buffer
      if (head) {
        addBody(bytes);
      } else {
        headBytes = concat([headBytes, bytes], headBytes.length + bytes.length);
        const end = findHeadEnd(headBytes);
        if (end) {
          try {
            head = parseResponseHead(latin1.decode(headBytes.subarray(0, end[0])));
            framing = framingOf(head, req.method);
          } catch (err) {
            return fail(err);
          }
          const rest = headBytes.subarray(end[1]);
          if (rest.length) addBody(rest);
        } else if (headBytes.length > 64 * 1024) {
          return fail(new HttpClientError("the response head is larger than 64 KiB"));
        }
      }
      check(false);
    });
    stream.on("shutdown", () => check(true));
    stream.on("close", () => check(true));
    stream.write(encodeRequest(req, host));
  });
}

// HTTP/1.1 server side over a byte stream (an emulated TCP connection from the guest):
// parses requests (Content-Length and chunked bodies, keep-alive, pipelining), hands each to
// a fetch-style handler, writes the Response back. Requests on one connection are answered in order.

/** The slice of a TCP connection this needs; v86's TCPConnection has this shape. */
export interface ByteStream {
  on(event: "data", fn: (bytes: Uint8Array) => void): void;
  on(event: "close" | "shutdown", fn: () => void): void;
  write(bytes: Uint8Array): void;
  close(): void;
}

export type FetchHandler = (req: Request) => Promise<Response>;

/** Heads larger than this are refused: no client of ours sends them. */
const MAX_HEAD_BYTES = 64 * 1024;

const enc = new TextEncoder();
const dec = new TextDecoder("latin1");

/** Bytes received but not yet parsed, kept as a list of chunks so big bodies are not re-copied. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(b: Uint8Array): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Index of `pattern` within the first `limit` bytes, or -1. */
  indexOf(pattern: number[], limit: number): number {
    const flat = this.peek(Math.min(this.length, limit));
    outer: for (let i = 0; i + pattern.length <= flat.length; i++) {
      for (let k = 0; k < pattern.length; k++) if (flat[i + k] !== pattern[k]) continue outer;
      return i;
    }
    return -1;
  }

  peek(n: number): Uint8Array {
    const first = this.chunks[0];
    if (!first || n <= first.length) return first?.subarray(0, n) ?? new Uint8Array(0);
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      if (at >= n) break;
      const take = Math.min(c.length, n - at);
      out.set(c.subarray(0, take), at);
      at += take;
    }
    return out;
  }

  take(n: number): Uint8Array {
    // peek() already copies when the bytes span chunks; a view into one chunk is copied here.
    const spans = n > (this.chunks[0]?.length ?? 0);
    const out = spans ? this.peek(n) : this.peek(n).slice();
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      if (c.length <= left) {
        this.chunks.shift();
        left -= c.length;
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.length -= n;
    return out;
  }
}

const CRLFCRLF = [13, 10, 13, 10];
const CRLF = [13, 10];

interface Head {
  method: string;
  target: string;
  version: string;
  headers: Headers;
}

export function parseHead(text: string): Head {
  const lines = text.split("\r\n");
  const [method, target, version] = (lines.shift() ?? "").split(" ");
  if (!method || !target || !version?.startsWith("HTTP/1.")) throw new Error(`bad request line: ${text.slice(0, 80)}`);
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`bad header line: ${line.slice(0, 80)}`);
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { method, target, version, headers };
}

export function writeResponseHead(res: Response, bodyLength: number, keepAlive: boolean): Uint8Array {
  let head = `HTTP/1.1 ${res.status} ${res.statusText || "OK"}\r\n`;
  res.headers.forEach((value, name) => {
    if (name !== "content-length" && name !== "connection" && name !== "transfer-encoding") head += `${name}: ${value}\r\n`;
  });
  head += `Content-Length: ${bodyLength}\r\nConnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`;
  return enc.encode(head);
}

/** Serves HTTP on `stream` until the peer closes it. `origin` ("http://host:port") completes request URLs. */
export function serveHttp(stream: ByteStream, handler: FetchHandler, origin: string): void {
  const queue = new ByteQueue();
  let head: Head | undefined;
  let body: Uint8Array[] = [];
  let chunkedLeft: number | undefined; // bytes left in the current chunk, chunked bodies only
  let closed = false;
  let busy: Promise<void> = Promise.resolve();

  const fail = (status: number, why: string) => {
    stream.write(enc.encode(`HTTP/1.1 ${status} Bad Request\r\nContent-Length: ${why.length}\r\nConnection: close\r\n\r\n${why}`));
    stream.close();
    closed = true;
  };

  const dispatch = (h: Head, parts: Uint8Array[]) => {
    const size = parts.reduce((n, p) => n + p.length, 0);
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const keepAlive = h.version === "HTTP/1.1" ? h.headers.get("connection")?.toLowerCase() !== "close" : h.headers.get("connection")?.toLowerCase() === "keep-alive";
    const host = h.headers.get("host");
    const url = h.target.startsWith("http://") ? h.target : `${host ? `http://${host}` : origin}${h.target}`;
    const hasBody = h.method !== "GET" && h.method !== "HEAD";
    busy = busy.then(async () => {
      let res: Response;
      try {
        res = await handler(new Request(url, { method: h.method, headers: h.headers, body: hasBody ? bytes : undefined }));
      } catch (err) {
        res = new Response(`internal error: ${err instanceof Error ? err.message : String(err)}\n`, { status: 500 });
      }
      if (closed) return;
      const payload = h.method === "HEAD" ? new Uint8Array(0) : new Uint8Array(await res.arrayBuffer());
      const declared = h.method === "HEAD" ? Number(res.headers.get("content-length") ?? 0) : payload.length;
      stream.write(writeResponseHead(res, declared, keepAlive));
      if (payload.length) stream.write(payload);
      if (!keepAlive) {
        stream.close();
        closed = true;
      }
    });
  };

  const pump = () => {
    for (;;) {
      // A TLS ClientHello (a handshake record starts 0x16): answered at once in plain HTTP, as
      // any plain HTTP server would, so the client learns this is no HTTPS server now rather than
      // after its handshake timeout. BuildKit tries dockerd's registry mirror over HTTPS first (it
      // drops the mirror's http://), then falls back to HTTP on this answer; a silent server made
      // a `FROM` of an image not yet pulled wait 37 s in its metadata step, against 7 s now.
      if (!head && queue.length > 0 && queue.peek(1)[0] === 0x16) return fail(400, "this server speaks plain HTTP, not TLS\n");
      if (!head) {
        const end = queue.indexOf(CRLFCRLF, MAX_HEAD_BYTES + 4);
        if (end < 0) {
          if (queue.length > MAX_HEAD_BYTES) fail(431, "request head too large");
          return;
        }
        try {
          head = parseHead(dec.decode(queue.take(end)));
        } catch (err) {
          fail(400, err instanceof Error ? err.message : "bad request");
          return;
        }
        queue.take(4);
        body = [];
        chunkedLeft = head.headers.get("transfer-encoding")?.toLowerCase().includes("chunked") ? -1 : undefined;
        if (head.headers.get("expect")?.toLowerCase() === "100-continue") stream.write(enc.encode("HTTP/1.1 100 Continue\r\n\r\n"));
      }
      if (chunkedLeft === undefined) {
        const len = Number(head.headers.get("content-length") ?? 0);
        if (!Number.isSafeInteger(len) || len < 0) return fail(400, "bad content-length");
        if (queue.length < len) return;
        body.push(queue.take(len));
      } else {
        // Chunked: size line, data, CRLF ... a zero size line, optional trailers, CRLF.
        let done = false;
        while (!done) {
          if (chunkedLeft === -1) {
            const eol = queue.indexOf(CRLF, 1024);
            if (eol < 0) return;
            const size = Number.parseInt(dec.decode(queue.take(eol)).split(";")[0]!, 16);
            queue.take(2);
            if (Number.isNaN(size)) return fail(400, "bad chunk size");
            chunkedLeft = size === 0 ? -2 : size;
          } else if (chunkedLeft === -2) {
            const eol = queue.indexOf(CRLF, MAX_HEAD_BYTES);
            if (eol < 0) return;
            queue.take(eol + 2);
            if (eol === 0) done = true; // the empty line after (no) trailers
          } else {
            if (queue.length < chunkedLeft + 2) return;
            body.push(queue.take(chunkedLeft));
            queue.take(2);
            chunkedLeft = -1;
          }
        }
      }
      dispatch(head, body);
      head = undefined;
      chunkedLeft = undefined;
    }
  };

  stream.on("data", (bytes) => {
    if (closed) return;
    queue.push(bytes.slice()); // the emulator reuses its packet buffer
    pump();
  });
  stream.on("shutdown", () => {
    // The guest will send no more; answer what it asked, then close.
    void busy.then(() => {
      if (!closed) {
        closed = true;
        stream.close();
      }
    });
  });
  stream.on("close", () => {
    closed = true;
  });
}

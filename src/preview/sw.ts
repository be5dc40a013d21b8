// The preview's service worker, registered by the shell (shell.ts) on the preview origin only,
// never on the playground's. It answers every request a previewed page makes by asking the
// guest, through the shell that opened the preview:
//   <base>preview/<shell>/<port>/<path>   → GET <path> on the guest's <port>
//   a root-relative request from such a page ("/style.css") → the same port, same path
// Anything else (the shell's own files) goes to the network as usual.
import { PREVIEW_PATH, type HttpResponseData, type PreviewReply, type PreviewRequest } from "./protocol";

declare const self: ServiceWorkerGlobalScope;

/** Statuses whose responses cannot carry a body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
/** Longer than any preview request should take; the guest may be busy. */
const REQUEST_TIMEOUT_MS = 120_000;

self.addEventListener("install", () => void self.skipWaiting());
self.addEventListener("activate", (e) => e.waitUntil(self.clients.claim()));

interface Target {
  base: string;
  shell: string;
  port: number;
  /** path and query on the guest */
  target: string;
}

function parsePreviewUrl(url: URL): Target | undefined {
  const m = PREVIEW_PATH.exec(url.pathname);
  if (!m || url.origin !== self.location.origin) return undefined;
  return { base: m[1]!, shell: m[2]!, port: Number(m[3]), target: (m[4] ?? "/") + url.search };
}

/**
 * Which preview a request belongs to: its own URL; a navigation away from a previewed page to a
 * root-relative path ("/cgi-bin/echo") is sent back into the preview's path; any other request
 * from a previewed page (a stylesheet, fetch()) goes to the same port.
 */
async function targetOf(e: FetchEvent): Promise<Target | { redirect: string } | undefined> {
  const url = new URL(e.request.url);
  const direct = parsePreviewUrl(url);
  if (direct) return direct;
  if (url.origin !== self.location.origin) return undefined;
  if (e.request.mode === "navigate") {
    const from = e.request.referrer ? parsePreviewUrl(new URL(e.request.referrer)) : undefined;
    return from ? { redirect: `${from.base}preview/${from.shell}/${from.port}${url.pathname}${url.search}` } : undefined;
  }
  const client = e.clientId ? await self.clients.get(e.clientId) : undefined;
  const from = client ? parsePreviewUrl(new URL(client.url)) : undefined;
  return from ? { ...from, target: url.pathname + url.search } : undefined;
}

async function shellClient(id: string): Promise<Client | undefined> {
  const all = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  return all.find((c) => {
    const u = new URL(c.url);
    return u.pathname.endsWith("/preview.html") && u.searchParams.get("shell") === id;
  });
}

/** A Location the guest wrote for itself (absolute to its own host, or root-relative) made to point into the preview. */
function previewLocation(location: string, t: Target): string {
  let path = location;
  try {
    const abs = new URL(location);
    if (abs.hostname !== "localhost" || Number(abs.port || 80) !== t.port) return location; // elsewhere: leave it
    path = abs.pathname + abs.search + abs.hash;
  } catch {
    // not absolute
  }
  return path.startsWith("/") ? `${t.base}preview/${t.shell}/${t.port}${path}` : path;
}

function toResponse(r: HttpResponseData, t: Target): Response {
  const headers = new Headers();
  for (const [name, value] of r.headers) {
    try {
      headers.append(name, name === "location" ? previewLocation(value, t) : value);
    } catch {
      // a header the browser will not take in a constructed response: drop it
    }
  }
  return new Response(NULL_BODY.has(r.status) ? null : (r.body as Uint8Array<ArrayBuffer>), { status: r.status, statusText: r.statusText, headers });
}

function failure(message: string, status = 502): Response {
  return new Response(`Dockyard preview: ${message}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

async function forward(request: Request, t: Target): Promise<Response> {
  const shell = await shellClient(t.shell);
  if (!shell) return failure("the playground that opened this preview is closed. Open the port again from the playground.");
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : new Uint8Array(await request.arrayBuffer());
  const message: PreviewRequest = {
    type: "dockyard-preview-request",
    port: t.port,
    request: { method: request.method, target: t.target, headers: [...request.headers], body },
  };
  const { port1, port2 } = new MessageChannel();
  const reply = new Promise<PreviewReply>((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, error: `no answer from port ${t.port} in ${REQUEST_TIMEOUT_MS / 1000} s` }), REQUEST_TIMEOUT_MS);
    port1.onmessage = (e: MessageEvent<PreviewReply>) => {
      clearTimeout(timer);
      resolve(e.data);
    };
  });
  shell.postMessage(message, [port2]);
  const r = await reply;
  port1.close();
  if (r.ok) return toResponse(r.response, t);
  return request.mode === "navigate" ? retryingPage(r.error) : failure(r.error);
}

const RETRY_S = 3;

/**
 * What an opened preview shows while its service cannot answer: a container's port is published
 * (and listed) before the server inside has started, which in an emulator can take tens of seconds.
 * The page loads itself again until the server answers.
 */
function retryingPage(message: string): Response {
  const text = message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="${RETRY_S}"><title>Waiting for the service</title>` +
    `<p style="font: 14px system-ui, sans-serif">Dockyard preview: ${text}. Trying again every ${RETRY_S} s…</p>`;
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8", "Retry-After": String(RETRY_S) } });
}

self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  // Cheap exits first: most requests of the shell itself are not previews.
  if (url.origin !== self.location.origin) return;
  e.respondWith(
    targetOf(e).then(async (t) => {
      if (t === undefined) return fetch(e.request);
      // 307: a form's POST stays a POST, with its body, at the new address.
      if ("redirect" in t) return Response.redirect(t.redirect, 307);
      return forward(e.request, t);
    }),
  );
});

// Messages of the preview path. A request made by a previewed page travels:
//   service worker (preview origin) → shell page (preview origin, in the playground's iframe)
//   → MessagePort → the playground's Web Worker → TCP into the guest's port → back on `reply`.
// The shell only relays: the worker checks every message, since previewed pages share the
// shell's origin and can post on its port too. All they can do with it is what the preview does:
// HTTP to the guest's listening ports.
import type { HttpRequestData, HttpResponseData } from "../../worker/core/net/http-client";

export type { HttpRequestData, HttpResponseData };

/** service worker → shell → worker; the reply port travels with it */
export interface PreviewRequest {
  type: "dockyard-preview-request";
  port: number;
  request: HttpRequestData;
}

/** worker → service worker, on the reply port */
export type PreviewReply = { ok: true; response: HttpResponseData } | { ok: false; error: string };

/** playground page ↔ shell, by window.postMessage between the two origins */
export type ShellMessage =
  /** shell → page: the service worker is active; send the port */
  | { type: "dockyard-preview-ready" }
  /** shell → page: it cannot serve previews (its service worker was refused) */
  | { type: "dockyard-preview-failed"; reason: string }
  /** page → shell, with the MessagePort to the worker */
  | { type: "dockyard-preview-connect" }
  /** page → shell: show this port and path */
  | { type: "dockyard-preview-open"; port: number; path: string }
  /** shell → page: the previewed page navigated */
  | { type: "dockyard-preview-location"; port: number; path: string };

export function isPreviewRequest(m: unknown): m is PreviewRequest {
  const r = m as PreviewRequest | undefined;
  return (
    r?.type === "dockyard-preview-request" &&
    Number.isInteger(r.port) && r.port > 0 && r.port < 65536 &&
    typeof r.request?.method === "string" && /^[A-Z]{1,16}$/.test(r.request.method) &&
    typeof r.request.target === "string" && r.request.target.startsWith("/") && !/[\s]/.test(r.request.target) &&
    Array.isArray(r.request.headers) &&
    r.request.headers.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === "string" && typeof h[1] === "string" && !/[\r\n]/.test(h[0] + h[1])) &&
    (r.request.body === undefined || r.request.body instanceof Uint8Array)
  );
}

/** Where a previewed page lives on the preview origin: <base>preview/<shell id>/<port>/<path> */
export const PREVIEW_PATH = /^(.*\/)preview\/([a-z0-9]{8,32})\/(\d{1,5})(\/.*)?$/;

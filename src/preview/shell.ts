// The preview shell: a page of the preview origin that the playground embeds. It registers the
// preview service worker (sw.ts) on this origin, takes a MessagePort to the playground's worker
// from the playground (and from nobody else), relays the service worker's requests to it, and
// shows the previewed page in its own frame.
//   preview.html?shell=<id>&playground=<the playground's origin>
import type { ShellMessage } from "./protocol";

const params = new URLSearchParams(location.search);
const shellId = params.get("shell") ?? "";
const playground = params.get("playground") ?? "";
const base = new URL(".", location.href).pathname;
const frame = document.getElementById("content") as HTMLIFrameElement;
let toWorker: MessagePort | undefined;
let shownPort = 0;

function tellPlayground(m: ShellMessage): void {
  if (window.parent !== window) window.parent.postMessage(m, playground);
}

window.addEventListener("message", (e: MessageEvent<ShellMessage>) => {
  // Only the page that embeds us, from the origin it claimed. (Previewed pages are our frame's
  // children: their messages come from another window.)
  if (e.source !== window.parent || e.origin !== playground) return;
  if (e.data?.type === "dockyard-preview-connect" && e.ports[0]) {
    toWorker = e.ports[0];
  } else if (e.data?.type === "dockyard-preview-open") {
    shownPort = e.data.port;
    frame.src = `${base}preview/${shellId}/${e.data.port}${e.data.path.startsWith("/") ? e.data.path : `/${e.data.path}`}`;
  }
});

navigator.serviceWorker.addEventListener("message", (e) => {
  const reply = e.ports[0];
  if (!reply) return;
  if (!toWorker) {
    reply.postMessage({ ok: false, error: "the playground is not connected to this preview" });
    return;
  }
  toWorker.postMessage(e.data, [reply]);
});

frame.addEventListener("load", () => {
  let path = "";
  try {
    path = frame.contentWindow?.location.pathname ?? "";
  } catch {
    return; // it left for another origin
  }
  const prefix = `${base}preview/${shellId}/${shownPort}`;
  if (path.startsWith(prefix)) tellPlayground({ type: "dockyard-preview-location", port: shownPort, path: path.slice(prefix.length) || "/" });
});

async function start(): Promise<void> {
  if (!/^[a-z0-9]{8,32}$/.test(shellId) || !playground) throw new Error("preview.html needs ?shell=<id>&playground=<origin>");
  await navigator.serviceWorker.register(`${base}preview-sw.js`, { scope: base, type: "module" });
  await navigator.serviceWorker.ready;
  navigator.serviceWorker.startMessages();
  tellPlayground({ type: "dockyard-preview-ready" });
}

start().catch((err: unknown) => {
  const why = err instanceof Error ? err.message : String(err);
  document.body.textContent = `The preview could not start: ${why}`;
  tellPlayground({ type: "dockyard-preview-failed", reason: why });
});

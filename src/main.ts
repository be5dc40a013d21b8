// The playground page: a terminal bound to a guest running in a Web Worker.
import * as Comlink from "comlink";
import type { DockyardApi, DockyardEvent, KeeperApi } from "../worker/api";
import { PreviewPanel } from "./preview/panel";
import { clearFailure, setState, showDownload, showFailure, showNotice, showOffline, showStage } from "./state";
import { SessionControls } from "./session";
import { createTerminal } from "./terminal";

const { term } = createTerminal(document.getElementById("terminal")!);
const encoder = new TextEncoder();
let worker: Worker | undefined;
let api: Comlink.Remote<DockyardApi> | undefined;
/** The offline keeper's worker: started once Docker is first ready, kept across resets. */
let keeper: Comlink.Remote<KeeperApi> | undefined;
const attachPreview = (port: MessagePort) => void api?.attachPreview(Comlink.transfer(port, [port]));
const preview = new PreviewPanel(attachPreview);
const session = new SessionControls(() => api);

function unsupported(): string | undefined {
  if (typeof WebAssembly !== "object") return "This browser cannot run WebAssembly, which the emulator needs.";
  if (typeof Worker !== "function") return "This browser has no Web Workers.";
  if (typeof indexedDB !== "object") return "This browser has no IndexedDB (private mode may turn it off).";
  if (typeof DecompressionStream !== "function") return "This browser has no DecompressionStream: please update it.";
  return undefined;
}

function onEvent(e: DockyardEvent): void {
  switch (e.type) {
    case "console":
      term.write(e.bytes);
      break;
    case "stage":
      showStage(e.stage);
      if (e.stage === "docker-ready") keepForOffline();
      break;
    case "progress":
      showDownload(e.loaded, e.total, e.fromCache);
      break;
    case "notice":
      showNotice(e.message);
      break;
    case "error":
      showFailure(e.message);
      break;
    case "ports":
      preview.setPorts(e.ports);
      break;
    case "offline":
      showOffline(e.state, e.kept, e.total);
      break;
    case "activity":
      void keeper?.setGuestBusy(e.busy);
      break;
    case "session":
      session.ready(e.saved, e.resumed);
      break;
  }
}

/** Keeps the whole machine in this browser for visits without the network, from a worker of its own. */
function keepForOffline(): void {
  keeper ??= Comlink.wrap<KeeperApi>(new Worker(new URL("../worker/platform/browser/keeper-worker.ts", import.meta.url), { type: "module" }));
  void keeper.keep(guestBase(), Comlink.proxy(onEvent));
}

const guestBase = () => new URL("guest/", document.baseURI).href;

function boot(fresh = false): void {
  worker?.terminate();
  void keeper?.setGuestBusy(true); // a booting guest is busy; the new one reports once Docker is ready
  clearFailure();
  session.starting();
  term.reset();
  setState("loading");
  const why = unsupported();
  if (why) return showFailure(why);
  worker = new Worker(new URL("../worker/platform/browser/worker.ts", import.meta.url), { type: "module" });
  worker.addEventListener("error", (e) => showFailure(`The emulator could not start: ${e.message || "worker error"}`));
  api = Comlink.wrap<DockyardApi>(worker);
  preview.reattach(attachPreview);
  setState("booting");
  void api.start({ guestBase: guestBase(), cols: term.cols, rows: term.rows, fresh }, Comlink.proxy(onEvent));
}

term.onData((data) => api?.writeConsole(encoder.encode(data)));
term.onBinary((data) => api?.writeConsole(Uint8Array.from(data, (c) => c.charCodeAt(0))));
term.onResize(({ cols, rows }) => api?.resize(cols, rows));
document.getElementById("reset")!.addEventListener("click", () => boot(true));
document.getElementById("retry")!.addEventListener("click", () => boot());
boot();
term.focus();

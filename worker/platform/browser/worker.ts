// The Web Worker: runs the emulator off the page's main thread and serves DockyardApi over Comlink.
import * as Comlink from "comlink";
import v86WasmUrl from "v86/build/v86.wasm?url";
import type { DockyardApi, DockyardListener, StartOptions } from "../../api";
import { createDockyard } from "../../core/dockyard";
import { staticSeed } from "../../core/registry/seed";
import type { GuestMachine } from "../../core/vm/guest-machine";
import { FileCache } from "./file-cache";
import { loadGuest, loadManifest } from "./guest-loader";
import { IdbBlobStore } from "./idb-blob-store";

/** Terminal output is sent at most this often, so a flood (`yes`) costs the page one message per frame. */
const CONSOLE_BATCH_MS = 16;
/** A batch never grows past this, so the page gets to paint between big writes. */
const CONSOLE_BATCH_MAX = 256 * 1024;
/** Generous: a cold first boot on a slow machine. */
const BOOT_TIMEOUT_MS = 10 * 60 * 1000;

let vm: GuestMachine | undefined;
let listener: DockyardListener | undefined;

function emit(event: Parameters<DockyardListener>[0]): void {
  if (!listener) return;
  if (event.type === "console") void listener(Comlink.transfer(event, [event.bytes.buffer]));
  else void listener(event);
}

/** Collects console bytes and sends them as one transferable chunk per batch. */
function consoleBatcher(): (bytes: Uint8Array) => void {
  let parts: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    if (size === 0) return;
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    parts = [];
    size = 0;
    emit({ type: "console", bytes: out });
  };
  return (bytes) => {
    parts.push(bytes.slice()); // a view into emulator memory: copy before it changes
    size += bytes.length;
    if (size >= CONSOLE_BATCH_MAX) flush();
    else timer ??= setTimeout(flush, CONSOLE_BATCH_MS);
  };
}

const api: DockyardApi = {
  async start(options: StartOptions, l: DockyardListener) {
    listener = l;
    try {
      const cache = new FileCache((message) => emit({ type: "notice", message }));
      emit({ type: "stage", stage: "downloading" });
      const base = options.guestBase.replace(/\/$/, "");
      const manifest = await loadManifest(base, cache);
      const guest = await loadGuest(base, manifest, cache, (p) => emit({ type: "progress", ...p }));
      const seed = staticSeed(async (path) => {
        const res = await fetch(`${base}/oci/${path}`).catch(() => undefined);
        return res?.ok ? new Uint8Array(await res.arrayBuffer()) : undefined;
      });
      const dockyard = createDockyard({
        files: guest.files,
        wasmPath: v86WasmUrl,
        store: new IdbBlobStore(),
        seed,
        events: {
          onQuota: () => emit({ type: "notice", message: "Browser storage is full: images still pull, but are not kept for the next visit." }),
          onCorrupt: (d) => emit({ type: "notice", message: `A cached image layer was damaged (${d.slice(0, 19)}…); it was fetched again.` }),
        },
      });
      vm = dockyard.vm;
      vm.onConsoleOutput(consoleBatcher());
      vm.onBoot((e) => emit(e.type === "stage" ? { type: "stage", stage: e.stage } : { type: "error", message: `The guest failed: ${e.reason}` }));
      vm.resizeConsole(options.cols, options.rows);
      await vm.waitFor("shell", BOOT_TIMEOUT_MS);
      vm.resizeConsole(options.cols, options.rows);
      await vm.waitFor("docker-ready", BOOT_TIMEOUT_MS);
      void cache.prune(manifest);
    } catch (err) {
      emit({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
  },
  writeConsole(bytes) {
    vm?.writeConsole(bytes);
  },
  resize(cols, rows) {
    vm?.resizeConsole(cols, rows);
  },
};

Comlink.expose(api);

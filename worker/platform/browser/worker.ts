// The Web Worker: runs the emulator off the page's main thread and serves DockyardApi over Comlink.
import * as Comlink from "comlink";
import v86WasmUrl from "v86/build/v86.wasm?url";
import { BROWSER_JIT_THRESHOLD } from "../../core/vm/jit-config";
import type { DockyardApi, DockyardListener, StartOptions } from "../../api";
import { concatBytes } from "../../core/bytes";
import { startDockyard, type Dockyard } from "../../core/dockyard";
import { isPreviewRequest, type PreviewReply } from "../../../src/preview/protocol";
import { staticSeed } from "../../core/registry/seed";
import { watchGuestActivity, type GuestActivity } from "../../core/vm/guest-activity";
import { entersCommand, type GuestMachine } from "../../core/vm/guest-machine";
import { FileCache } from "./file-cache";
import { loadManifest } from "./guest-fetch";
import { guestFiles } from "./guest-loader";
import { IdbBlobStore } from "./idb-blob-store";
import { siteMirror } from "./site-mirror";
import { discardSession, loadSession, saveSession, sessionInfo } from "./session-store";

/** Terminal output is sent at most this often, so a flood (`yes`) costs the page one message per frame. */
const CONSOLE_BATCH_MS = 16;
/** A batch never grows past this, so the page gets to paint between big writes. */
const CONSOLE_BATCH_MAX = 256 * 1024;
/** Generous: a cold first boot on a slow machine. */
const BOOT_TIMEOUT_MS = 10 * 60 * 1000;

let vm: GuestMachine | undefined;
/** busy or idle, for the page's offline copy (KeeperApi.setGuestBusy) */
let activity: GuestActivity | undefined;
let dockyard: Dockyard | undefined;
let listener: DockyardListener | undefined;
/** what a saved session must match to resume into this build's machine */
let sessionBuild = "";
/** the terminal's size, kept while no machine is there to take it */
let size: [cols: number, rows: number] = [80, 24];

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
    const out = concatBytes(parts, size);
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
    size = [options.cols, options.rows];
    try {
      const cache = new FileCache((message) => emit({ type: "notice", message }));
      emit({ type: "stage", stage: "downloading" });
      const base = options.guestBase.replace(/\/$/, "");
      const manifest = await loadManifest(base, cache);
      sessionBuild = `${manifest.build}:${manifest.snapshot?.sha256 ?? ""}`;
      const session = options.fresh ? undefined : await loadSession(sessionBuild).catch((err: unknown) => {
        emit({ type: "notice", message: `Your saved session could not be read (${err instanceof Error ? err.message : String(err)}); starting a fresh machine.` });
        return undefined;
      });
      const guest = guestFiles(base, manifest, cache, (p) => emit({ type: "progress", ...p }), (waiting) =>
        emit({ type: "notice", message: waiting ? "Offline: the guest waits for a part of its disk this browser has not kept yet. It carries on when the network is back." : "" }),
      );
      const seed = staticSeed(async (path) => {
        const res = await fetch(`${base}/oci/${path}`).catch(() => undefined);
        return res?.ok ? new Uint8Array(await res.arrayBuffer()) : undefined;
      });
      const batcher = consoleBatcher();
      dockyard = await startDockyard({
        guest,
        wasmPath: v86WasmUrl,
        jitThreshold: BROWSER_JIT_THRESHOLD,
        warmupJitThreshold: BROWSER_JIT_THRESHOLD, // none (jit-config.ts)
        store: new IdbBlobStore(),
        seed,
        // The site's Debian mirror sits beside the guest's files: <site>/apt/ (images/deb-mirror.ts).
        debianMirror: siteMirror(new URL("../apt/", new URL(`${base}/`, self.location.href)).href),
        session,
        onSessionLost: (reason) => emit({ type: "notice", message: `Your saved session did not resume (${reason}); starting a fresh machine.` }),
        events: {
          onQuota: () => emit({ type: "notice", message: "Browser storage is full: images still pull, but are not kept for the next visit." }),
          onCorrupt: (d) => emit({ type: "notice", message: `A cached image layer was damaged (${d.slice(0, 19)}…); it was fetched again.` }),
        },
        onMachine: (machine) => {
          // Stages only: a failure surfaces once, from waitFor below (or as a cold boot after a failed resume).
          machine.onBoot((e) => e.type === "stage" && emit({ type: "stage", stage: e.stage }));
          machine.onConsoleOutput(batcher);
          machine.resizeConsole(...size);
        },
        onPorts: (ports) => emit({ type: "ports", ports }),
        onColdBoot: (reason) => emit({ type: "notice", message: `The saved Docker-ready state could not be used (${reason}); booting from scratch, which takes longer.` }),
      });
      vm = dockyard.vm;
      await vm.waitFor("shell", BOOT_TIMEOUT_MS);
      vm.resizeConsole(...size);
      await vm.waitFor("docker-ready", BOOT_TIMEOUT_MS);
      // The page's offline copy waits while the guest works (KeeperApi.setGuestBusy). Watched for the
      // worker's life: the page starts a new worker for a new machine.
      const machine = vm;
      activity = watchGuestActivity(() => machine.emulator.instructions(), (busy) => emit({ type: "activity", busy }));
      const saved = await sessionInfo();
      emit({ type: "session", saved: saved ? { bytes: saved.bytes, savedAt: saved.savedAt } : null, resumed: dockyard.fromSession });
      // From here on nobody waits on the machine: a later failure (a panic in use) is reported as it comes.
      vm.onBoot((e) => e.type === "failure" && emit({ type: "error", message: `The guest failed: ${e.reason}` }));
    } catch (err) {
      emit({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
  },
  writeConsole(bytes) {
    vm?.writeConsole(bytes);
    if (entersCommand(bytes)) activity?.commandEntered();
  },
  attachPreview(port) {
    port.onmessage = (e: MessageEvent<unknown>) => {
      const reply = e.ports[0];
      if (!reply) return;
      void answerPreview(e.data).then((r) => reply.postMessage(r, r.ok ? [r.response.body.buffer] : []));
    };
  },
  async saveSession() {
    if (!dockyard || vm?.stage !== "docker-ready") throw new Error("the playground is still starting");
    const meta = await saveSession(sessionBuild, await dockyard.save());
    return { bytes: meta.bytes, savedAt: meta.savedAt };
  },
  async discardSession() {
    await discardSession();
  },
  resize(cols, rows) {
    size = [cols, rows];
    vm?.resizeConsole(cols, rows);
  },
};

/** One request from the preview, checked: it comes from a page we do not trust. */
async function answerPreview(m: unknown): Promise<PreviewReply> {
  if (!isPreviewRequest(m)) return { ok: false, error: "not a preview request" };
  if (!dockyard) return { ok: false, error: "the playground is still starting" };
  try {
    return { ok: true, response: await dockyard.fetchFromGuest(m.port, m.request) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

Comlink.expose(api);

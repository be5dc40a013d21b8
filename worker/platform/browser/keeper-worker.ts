// The second Web Worker: once the page's guest is Docker-ready, drops cached files the current
// build no longer names and keeps the rest of the build for offline visits (offline-keeper.ts),
// off the emulator's thread. Serves KeeperApi over Comlink.
import * as Comlink from "comlink";
import type { DockyardEvent, DockyardListener, KeeperApi } from "../../api";
import { IdleGate } from "../../core/vm/guest-activity";
import { FileCache } from "./file-cache";
import { loadManifest } from "./guest-fetch";
import { keepForOffline } from "./offline-keeper";

type OfflineState = Extract<DockyardEvent, { type: "offline" }>["state"];

let running: Promise<void> | undefined;
/** Downloads go while the guest idles: on 2 cores they slowed a first `docker run` from 44 to 60 s. */
const gate = new IdleGate();

async function keep(guestBase: string, listener: DockyardListener): Promise<void> {
  const emit = (state: OfflineState, kept: number, total: number) => void listener({ type: "offline", state, kept, total });
  const cache = new FileCache((message) => void listener({ type: "notice", message }));
  const base = guestBase.replace(/\/$/, "");
  let last = { kept: 0, total: 0 };
  try {
    const manifest = await loadManifest(base, cache);
    await cache.prune(manifest);
    if ((navigator as { connection?: { saveData?: boolean } }).connection?.saveData) return emit("skipped", 0, 0);
    let shown = -1;
    const complete = await keepForOffline(base, manifest, cache, () => gate.whenIdle(), (kept, total) => {
      last = { kept, total };
      const percent = Math.floor((kept / total) * 100); // one message per percent, not per file
      if (percent === shown) return;
      shown = percent;
      emit(kept === total ? "kept" : "saving", kept, total);
    });
    if (!complete) emit("incomplete", last.kept, last.total);
  } catch {
    emit("incomplete", last.kept, last.total); // the network went away: the next online visit carries on
  }
}

const api: KeeperApi = {
  keep(guestBase, listener) {
    running ??= keep(guestBase, listener).finally(() => (running = undefined));
    return running;
  },
  setGuestBusy(busy) {
    gate.setBusy(busy);
  },
};

Comlink.expose(api);

// Gets the guest's files for the emulator in the browser: the boot files (cache first, verified,
// with progress) and a lazily fetched disk.
import { diskChunkSource } from "../../core/vm/disk-chunk-source";
import { manifestGuestSource, type GuestSource } from "../../core/dockyard";
import type { DiskTable, GuestFile, GuestManifest } from "../../core/vm/guest-manifest";
import { sha256Digest } from "../../core/store/digest";
import type { FileCache } from "./file-cache";
import { diskChunkUrl, DownloadFailed, fetchBytes, Offline } from "./guest-fetch";

/** How often a read the guest waits on tries the network again while it is gone. */
const OFFLINE_RETRY_MS = 5000;

export interface Progress {
  loaded: number;
  total: number;
  fromCache: number;
}

export interface LoadedGuest extends GuestSource {
  /** gzip bytes fetched from the network in this visit (boot files, snapshot, disk chunks) */
  networkBytes(): number;
}

/** Told when a read the guest waits on cannot reach the network (true) and when it is back (false). */
export type OfflineWait = (waiting: boolean) => void;

/**
 * The guest's files for this visit: each from the cache when it is there and intact, else from
 * the network (then cached). Only what is asked for is fetched: a visit that resumes the
 * snapshot never downloads the kernel.
 */
export function guestFiles(base: string, manifest: GuestManifest, cache: FileCache, onProgress: (p: Progress) => void, onOffline: OfflineWait): LoadedGuest {
  const progress: Progress = { loaded: 0, total: 0, fromCache: 0 };
  let network = 0;

  const file = async (name: string, entry: GuestFile | undefined): Promise<ArrayBuffer> => {
    if (!entry) throw new DownloadFailed(`${name} is missing from the guest's manifest`);
    progress.total += entry.size;
    const key = `file/${entry.sha256}`;
    const cached = await cache.get(key);
    if (cached && (await sha256Digest(cached)) === `sha256:${entry.sha256}`) {
      progress.loaded += cached.length;
      progress.fromCache += cached.length;
      onProgress({ ...progress });
      return cached.slice().buffer;
    }
    if (cached) await cache.delete(key); // corrupt: fetch it again
    const bytes = await fetchBytes(`${base}/${name}`, (n) => {
      progress.loaded += n;
      network += n;
      onProgress({ ...progress });
    });
    if ((await sha256Digest(bytes)) !== `sha256:${entry.sha256}`) {
      throw new DownloadFailed(`${name} arrived damaged (its sha256 does not match the manifest): reload to try again`);
    }
    await cache.put(key, bytes);
    return bytes.buffer as ArrayBuffer;
  };

  /** The guest is blocked on this read: without the network it waits for it rather than failing. */
  const fetchWhileOffline = async (url: string): Promise<Uint8Array> => {
    for (let waiting = false; ; ) {
      try {
        const bytes = await fetchBytes(url, (n) => (network += n));
        if (waiting) onOffline(false);
        return bytes;
      } catch (err) {
        if (!(err instanceof Offline)) throw err;
        if (!waiting) onOffline((waiting = true));
        await new Promise((r) => setTimeout(r, OFFLINE_RETRY_MS));
      }
    }
  };
  const readChunk = async (hex: string, refresh: boolean) => {
    const key = `chunk/${hex}`;
    if (!refresh) {
      const cached = await cache.get(key);
      if (cached) return cached;
    }
    const gz = await fetchWhileOffline(diskChunkUrl(base, hex));
    await cache.put(key, gz);
    return gz;
  };
  const source = (table: DiskTable) => diskChunkSource(table, readChunk);

  return {
    ...manifestGuestSource(manifest, file, source),
    networkBytes: () => network,
  };
}

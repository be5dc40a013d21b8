// Gets the guest's files for the browser: the manifest (from the network, or the cached one when
// offline), the boot files (cache first, verified, with progress), and a lazily fetched disk.
import { concatBytes } from "../../core/bytes";
import { diskChunkSource } from "../../core/vm/disk-chunk-source";
import { manifestGuestSource, type GuestSource } from "../../core/dockyard";
import { DISK_CHUNK_DIR, type GuestFile, type GuestManifest } from "../../core/vm/guest-manifest";
import { sha256Digest } from "../../core/store/digest";
import type { FileCache } from "./file-cache";

export interface Progress {
  loaded: number;
  total: number;
  fromCache: number;
}

export class DownloadFailed extends Error {
  override name = "DownloadFailed";
}

/** The network is not there at all (as opposed to the site answering with an error). */
export class Offline extends DownloadFailed {
  override name = "Offline";
}

/** How often a read the guest waits on tries the network again while it is gone. */
const OFFLINE_RETRY_MS = 5000;
/** Downloads at once while keeping the guest for offline use: enough to fill a link, few enough to leave room for the guest's own. */
const KEEP_PARALLEL = 2;

async function fetchBytes(url: string, onBytes: (n: number) => void): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Offline(`could not download ${url}: the network is unreachable`, { cause: err });
  }
  if (!res.ok || !res.body) throw new DownloadFailed(`could not download ${url}: HTTP ${res.status}`);
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.length;
    onBytes(value.length);
  }
  return concatBytes(parts, size);
}

export async function loadManifest(base: string, cache: FileCache): Promise<GuestManifest> {
  try {
    const res = await fetch(`${base}/manifest.json`, { cache: "no-cache" });
    if (!res.ok) throw new DownloadFailed(`HTTP ${res.status}`);
    const m = (await res.json()) as GuestManifest;
    await cache.saveManifest(m);
    return m;
  } catch (err) {
    const cached = await cache.manifest();
    if (cached) return cached; // offline: boot what we have
    throw new DownloadFailed(`could not download the guest's manifest (${base}/manifest.json): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export interface LoadedGuest extends GuestSource {
  /** gzip bytes fetched from the network in this visit (boot files, snapshot, disk chunks) */
  networkBytes(): number;
  /**
   * Downloads into the cache every file of the guest it does not hold yet, so a later visit works
   * without the network whatever the user runs (a resumed visit reads only part of the disk).
   * Reports [kept, total] files as it goes; resolves false if the browser's storage ran out.
   */
  keepForOffline(onProgress: (kept: number, total: number) => void): Promise<boolean>;
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

  const chunkUrl = (hex: string) => `${base}/${DISK_CHUNK_DIR}/${hex}.gz`;
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
  const source = diskChunkSource(manifest.disk, async (hex, refresh) => {
    const key = `chunk/${hex}`;
    if (!refresh) {
      const cached = await cache.get(key);
      if (cached) return cached;
    }
    const gz = await fetchWhileOffline(chunkUrl(hex));
    await cache.put(key, gz);
    return gz;
  });

  const keepForOffline = async (report: (kept: number, total: number) => void): Promise<boolean> => {
    const wanted = new Map<string, string>(); // cache key → URL
    for (const [name, f] of Object.entries(manifest.files)) wanted.set(`file/${f.sha256}`, `${base}/${name}`);
    if (manifest.snapshot) wanted.set(`file/${manifest.snapshot.sha256}`, `${base}/${manifest.snapshot.file}`);
    for (const hex of manifest.disk.chunks) if (hex) wanted.set(`chunk/${hex}`, chunkUrl(hex));
    const held = await cache.keys();
    const missing = [...wanted].filter(([key]) => !held.has(key));
    let kept = wanted.size - missing.length;
    report(kept, wanted.size);
    let full = false;
    const next = async (): Promise<void> => {
      for (let item = missing.pop(); item && !full; item = missing.pop()) {
        const [key, url] = item;
        // Checked when read, as every cached file is; a bad copy is fetched again then.
        if (!(await cache.put(key, await fetchBytes(url, (n) => (network += n))))) full = true;
        else report(++kept, wanted.size);
      }
    };
    await Promise.all(Array.from({ length: KEEP_PARALLEL }, next));
    return !full;
  };

  return {
    ...manifestGuestSource(manifest, file, source),
    networkBytes: () => network,
    keepForOffline,
  };
}

// Fetching the guest build's files in the browser, for both workers (the emulator's and the offline
// keeper): the manifest (from the network, or the cached one when offline), files by URL, chunk URLs.
// Imports nothing of the emulator, so the keeper's worker stays small.
import { concatBytes } from "../../core/bytes";
import { DISK_CHUNK_DIR, diskChunks, type GuestManifest } from "../../core/vm/guest-manifest";
import type { FileCache } from "./file-cache";

export class DownloadFailed extends Error {
  override name = "DownloadFailed";
}

/** The network is not there at all (as opposed to the site answering with an error). */
export class Offline extends DownloadFailed {
  override name = "Offline";
}

export async function fetchBytes(url: string, onBytes: (n: number) => void): Promise<Uint8Array> {
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

export function diskChunkUrl(base: string, hex: string): string {
  return `${base}/${DISK_CHUNK_DIR}/${hex}.gz`;
}

/**
 * Every file a build's machines may read, by the key FileCache keeps it under (`file/<sha256>`,
 * `chunk/<sha256>`) → its URL under `base`: what the offline copy fetches and what pruning keeps.
 */
export function buildFiles(base: string, m: GuestManifest): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, f] of Object.entries(m.files)) files.set(`file/${f.sha256}`, `${base}/${name}`);
  if (m.snapshot) files.set(`file/${m.snapshot.sha256}`, `${base}/${m.snapshot.file}`);
  for (const hex of diskChunks(m)) files.set(`chunk/${hex}`, diskChunkUrl(base, hex));
  return files;
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

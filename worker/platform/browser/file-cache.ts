// The guest's files in IndexedDB, so a second visit downloads nothing it already has and a
// visit without the network still boots. Everything is keyed by content (sha256), so a new
// build simply uses new keys; prune() drops what the current build no longer names.
// Key tree, in the "dockyard-guest" database's "files" store:
//   manifest            the last guest manifest seen (used when the network is gone)
//   file/<sha256 hex>   a boot file (bios, kernel, initramfs) or the booted-state snapshot
//   chunk/<sha256 hex>  a gzip disk chunk (the hex is the raw chunk's sha256)
import { createStore, del, get, keys, promisifyRequest, set } from "idb-keyval";
import type { GuestManifest } from "../../core/vm/guest-manifest";
import { buildFiles } from "./guest-fetch";
import { isQuotaError } from "./idb-blob-store";

const store = createStore("dockyard-guest", "files");

export type CacheNotice = (message: string) => void;

export class FileCache {
  private warnedQuota = false;

  constructor(private readonly notice: CacheNotice) {}

  get(key: string): Promise<Uint8Array | undefined> {
    return get<Uint8Array>(key, store);
  }

  /**
   * Stores `bytes`; when the browser refuses (full), says so once and goes on uncached.
   * Resolves false when the bytes were not kept.
   */
  async put(key: string, bytes: Uint8Array): Promise<boolean> {
    try {
      await set(key, bytes, store);
      return true;
    } catch (err) {
      if (!isQuotaError(err)) throw err;
      if (!this.warnedQuota) {
        this.warnedQuota = true;
        this.notice("Browser storage is full: the playground works, but this visit's downloads are not kept for the next one.");
      }
      return false;
    }
  }

  /** Whether `key` is stored, without reading its bytes. */
  async has(key: string): Promise<boolean> {
    return (await store("readonly", (s) => promisifyRequest(s.getKey(key)))) !== undefined;
  }

  /** Every key stored, in one read. */
  async keys(): Promise<Set<string>> {
    return new Set((await keys(store)) as string[]);
  }

  delete(key: string): Promise<void> {
    return del(key, store);
  }

  async manifest(): Promise<GuestManifest | undefined> {
    return get<GuestManifest>("manifest", store);
  }

  async saveManifest(m: GuestManifest): Promise<void> {
    await set("manifest", m, store).catch(() => undefined); // tiny; a full store only costs offline start
  }

  /** Deletes cached files and chunks the manifest no longer names. */
  async prune(m: GuestManifest): Promise<number> {
    const wanted = buildFiles("", m); // only its keys are used here, not the URLs
    let dropped = 0;
    for (const k of await this.keys()) {
      if (k !== "manifest" && !wanted.has(k)) {
        await del(k, store);
        dropped++;
      }
    }
    return dropped;
  }
}

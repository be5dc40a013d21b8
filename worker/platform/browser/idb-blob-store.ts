// BlobStore in IndexedDB (idb-keyval), for the browser.
// Key tree, in the "dockyard" database's "blobs" store:
//   blob/sha256:<hex>   Uint8Array   image blobs (verified before they are put)
//   rec/<key>           JSON         tags and other registry records
// A full disk surfaces as QuotaExceeded, so the caller can go on without caching.
import { createStore, del, get, keys, set, type UseStore } from "idb-keyval";
import { QuotaExceeded, type BlobStore } from "../../core/store/blob-store";

export function isQuotaError(err: unknown): boolean {
  return err instanceof DOMException && (err.name === "QuotaExceededError" || err.name === "NS_ERROR_DOM_QUOTA_REACHED");
}

export class IdbBlobStore implements BlobStore {
  constructor(private readonly store: UseStore = createStore("dockyard-registry", "blobs")) {}

  async get(digest: string) {
    return get<Uint8Array>(`blob/${digest}`, this.store);
  }
  async has(digest: string) {
    return (await this.get(digest)) !== undefined;
  }
  async put(digest: string, bytes: Uint8Array) {
    try {
      await set(`blob/${digest}`, bytes, this.store);
    } catch (err) {
      if (isQuotaError(err)) throw new QuotaExceeded("the browser's storage for this site is full", { cause: err });
      throw err;
    }
  }
  async delete(digest: string) {
    await del(`blob/${digest}`, this.store);
  }
  async getRecord<T>(key: string) {
    return get<T>(`rec/${key}`, this.store);
  }
  async setRecord<T>(key: string, value: T) {
    await set(`rec/${key}`, value, this.store);
  }
  async deleteRecord(key: string) {
    await del(`rec/${key}`, this.store);
  }
  async recordKeys(prefix: string) {
    const all = (await keys(this.store)) as string[];
    return all
      .filter((k) => k.startsWith(`rec/${prefix}`))
      .map((k) => k.slice(4))
      .sort();
  }
}

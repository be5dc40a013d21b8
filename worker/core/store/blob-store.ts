// Content-addressed storage for image blobs, and the small mutable records beside them (tags).
// One interface, a back-end per platform: memory (tests), a directory (Node), IndexedDB (browser).
// Every back-end passes blob-store.suite.ts.

export interface BlobStore {
  /** The bytes stored under `digest`, or undefined. Not verified: see VerifiedBlobs. */
  get(digest: string): Promise<Uint8Array | undefined>;
  has(digest: string): Promise<boolean>;
  /** Stores bytes the caller has verified. May throw QuotaExceeded. */
  put(digest: string, bytes: Uint8Array): Promise<void>;
  delete(digest: string): Promise<void>;
  /** Small JSON records (tags, repository lists) kept beside the blobs. */
  getRecord<T>(key: string): Promise<T | undefined>;
  setRecord<T>(key: string, value: T): Promise<void>;
  deleteRecord(key: string): Promise<void>;
  recordKeys(prefix: string): Promise<string[]>;
}

/** The store is full: the caller goes on without caching and says so. */
export class QuotaExceeded extends Error {
  override name = "QuotaExceeded";
}

export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly records = new Map<string, unknown>();

  constructor(private readonly capacityBytes = Number.POSITIVE_INFINITY) {}

  async get(digest: string) {
    return this.blobs.get(digest);
  }
  async has(digest: string) {
    return this.blobs.has(digest);
  }
  async put(digest: string, bytes: Uint8Array) {
    let used = 0;
    for (const b of this.blobs.values()) used += b.length;
    if (used + bytes.length > this.capacityBytes) throw new QuotaExceeded(`memory store full (${used} of ${this.capacityBytes} bytes used)`);
    this.blobs.set(digest, bytes.slice());
  }
  async delete(digest: string) {
    this.blobs.delete(digest);
  }
  async getRecord<T>(key: string) {
    return structuredClone(this.records.get(key)) as T | undefined;
  }
  async setRecord<T>(key: string, value: T) {
    this.records.set(key, structuredClone(value));
  }
  async deleteRecord(key: string) {
    this.records.delete(key);
  }
  async recordKeys(prefix: string) {
    return [...this.records.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Test hook: overwrite stored bytes without checks, as disk rot or a bad write would. */
  corrupt(digest: string, bytes: Uint8Array): void {
    this.blobs.set(digest, bytes);
  }
}

// The registry's content: blobs and tags, read through from the seed into the blob store.
// Bytes are verified where they enter (a push, a seed fetch) and on their first read from the
// store in this session; a stored blob that fails is dropped and fetched again, never served.
import { QuotaExceeded, type BlobStore } from "../store/blob-store";
import { sha256Digest } from "../store/digest";
import type { SeedSource } from "./seed";

/** Record keys: tag/<repository>:<tag> → TagRecord (pushed or deleted tags) */
const TAG_PREFIX = "tag/";
/** Record keys: seen/<repository>:<tag> → TagRecord, the seed's answer last time, for offline visits */
const SEEN_PREFIX = "seen/";

interface TagRecord {
  /** undefined marks a tag deleted over a seed tag */
  digest?: string;
}

export interface ContentEvents {
  /** The store refused a blob (full): it was served uncached. */
  onQuota?(digest: string, err: QuotaExceeded): void;
  /** A stored blob did not match its digest and was dropped. */
  onCorrupt?(digest: string): void;
}

export class RegistryContent {
  private readonly verified = new Set<string>();
  /** bytes fetched from the seed (the static site) in this session */
  seedBytes = 0;

  constructor(
    private readonly store: BlobStore,
    private readonly seed?: SeedSource,
    private readonly events: ContentEvents = {},
  ) {}

  async getBlob(digest: string): Promise<Uint8Array | undefined> {
    const stored = await this.store.get(digest);
    if (stored) {
      if (this.verified.has(digest) || (await sha256Digest(stored)) === digest) {
        this.verified.add(digest);
        return stored;
      }
      await this.store.delete(digest);
      this.events.onCorrupt?.(digest);
    }
    const seeded = await this.seed?.fetchBlob(digest);
    if (!seeded) return undefined;
    this.seedBytes += seeded.length;
    if ((await sha256Digest(seeded)) !== digest) return undefined; // a broken site file is no blob
    await this.keep(digest, seeded);
    return seeded;
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.store.has(digest)) || (await this.getBlob(digest)) !== undefined;
  }

  /** Stores bytes whose digest the caller has checked. */
  async keep(digest: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.store.put(digest, bytes);
      this.verified.add(digest);
    } catch (err) {
      if (!(err instanceof QuotaExceeded)) throw err;
      this.events.onQuota?.(digest, err);
    }
  }

  async deleteBlob(digest: string): Promise<boolean> {
    const had = await this.store.has(digest);
    await this.store.delete(digest);
    this.verified.delete(digest);
    return had;
  }

  async resolveTag(repo: string, tag: string): Promise<string | undefined> {
    const rec = await this.store.getRecord<TagRecord>(`${TAG_PREFIX}${repo}:${tag}`);
    if (rec) return rec.digest;
    const seen = `${SEEN_PREFIX}${repo}:${tag}`;
    const fromSeed = (await this.seedTags()).get(repo)?.get(tag);
    if (fromSeed) {
      if ((await this.store.getRecord<TagRecord>(seen))?.digest !== fromSeed) await this.store.setRecord<TagRecord>(seen, { digest: fromSeed });
      return fromSeed;
    }
    return (await this.store.getRecord<TagRecord>(seen))?.digest;
  }

  /** The seed's tags, or none when the seed cannot be reached (offline). */
  private async seedTags(): Promise<Map<string, Map<string, string>>> {
    try {
      return (await this.seed?.tags()) ?? new Map();
    } catch {
      return new Map();
    }
  }

  async setTag(repo: string, tag: string, digest: string): Promise<void> {
    await this.store.setRecord<TagRecord>(`${TAG_PREFIX}${repo}:${tag}`, { digest });
  }

  async deleteTag(repo: string, tag: string): Promise<void> {
    await this.store.setRecord<TagRecord>(`${TAG_PREFIX}${repo}:${tag}`, {});
  }

  /** repository → tag → digest, seed and store merged (store wins). */
  async allTags(): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    for (const [repo, tags] of await this.seedTags()) out.set(repo, new Map(tags));
    for (const key of await this.store.recordKeys(TAG_PREFIX)) {
      const ref = key.slice(TAG_PREFIX.length);
      const at = ref.lastIndexOf(":");
      const repo = ref.slice(0, at);
      const tag = ref.slice(at + 1);
      const rec = await this.store.getRecord<TagRecord>(key);
      if (!out.has(repo)) out.set(repo, new Map());
      if (rec?.digest) out.get(repo)!.set(tag, rec.digest);
      else out.get(repo)!.delete(tag);
    }
    for (const [repo, tags] of out) if (tags.size === 0) out.delete(repo);
    return out;
  }
}

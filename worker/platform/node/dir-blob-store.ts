// BlobStore in a directory, for the Node harness (`npm run vm -- --store DIR`).
// Layout: DIR/blobs/sha256/<hex>, DIR/records/<key, URI-encoded>.json. Writes go to a temporary
// name first and are renamed into place, so a crash never leaves a half-written blob.
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BlobStore } from "../../core/store/blob-store";

export class DirBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  private blobPath(digest: string): string {
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new Error(`not a digest: ${digest}`);
    return join(this.dir, "blobs", "sha256", digest.slice(7));
  }

  private recordPath(key: string): string {
    return join(this.dir, "records", `${encodeURIComponent(key)}.json`);
  }

  private async atomicWrite(path: string, bytes: Uint8Array | string): Promise<void> {
    await mkdir(join(path, ".."), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  async get(digest: string) {
    try {
      return new Uint8Array(await readFile(this.blobPath(digest)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async has(digest: string) {
    return stat(this.blobPath(digest)).then(
      () => true,
      () => false,
    );
  }

  async put(digest: string, bytes: Uint8Array) {
    await this.atomicWrite(this.blobPath(digest), bytes);
  }

  async delete(digest: string) {
    await rm(this.blobPath(digest), { force: true });
  }

  async getRecord<T>(key: string) {
    try {
      return JSON.parse(await readFile(this.recordPath(key), "utf8")) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async setRecord<T>(key: string, value: T) {
    await this.atomicWrite(this.recordPath(key), JSON.stringify(value));
  }

  async deleteRecord(key: string) {
    await rm(this.recordPath(key), { force: true });
  }

  async recordKeys(prefix: string) {
    const names = await readdir(join(this.dir, "records")).catch(() => [] as string[]);
    return names
      .filter((n) => n.endsWith(".json"))
      .map((n) => decodeURIComponent(n.slice(0, -5)))
      .filter((k) => k.startsWith(prefix))
      .sort();
  }
}

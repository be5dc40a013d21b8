import { describe, expect, it } from "vitest";
import { ChunkedDisk, type ChunkSource } from "./chunked-disk";

/** A disk whose byte at offset i is i mod 251, served in chunks, counting reads. */
function source(size: number, chunkSize: number): ChunkSource & { reads: number[] } {
  const reads: number[] = [];
  return {
    size,
    chunkSize,
    reads,
    async read(index) {
      reads.push(index);
      const start = index * chunkSize;
      const n = Math.min(chunkSize, size - start);
      return Uint8Array.from({ length: n }, (_, k) => (start + k) % 251);
    },
  };
}

const get = (d: ChunkedDisk, off: number, len: number) => new Promise<Uint8Array>((r) => d.get(off, len, r));

describe("ChunkedDisk", () => {
  it("reads across chunk borders and fetches each chunk once", async () => {
    const src = source(4096, 1024);
    const disk = new ChunkedDisk(src);
    const bytes = await get(disk, 768, 512);
    expect([...bytes]).toEqual(Array.from({ length: 512 }, (_, k) => (768 + k) % 251));
    await get(disk, 1024, 256);
    expect(src.reads).toEqual([0, 1]);
  });

  it("prefetches in order, a few at a time; the guest's reads then find the chunks or join their fetch", async () => {
    const src = source(8192, 1024);
    let inFlight = 0;
    let most = 0;
    const read = src.read;
    src.read = async (index) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return read(index);
    };
    const disk = new ChunkedDisk(src);
    const done = disk.prefetch([5, 1, 99, 2, 1, 7], 2);
    const during = get(disk, 1024 * 7, 256); // chunk 7, read by the guest before the prefetch gets to it
    await done;
    expect([...(await during)]).toEqual(Array.from({ length: 256 }, (_, k) => (7168 + k) % 251));
    expect(src.reads).toEqual([5, 1, 7, 2]); // 99 is past the end; 1 once; 7 not again
    expect(most).toBe(3); // the prefetch's two, and the guest's read beside them
    expect(disk.chunksInArrivalOrder()).toEqual([5, 1, 7, 2]);
  });

  it("lets a chunk that failed to prefetch be read again, with its error then", async () => {
    const src = source(4096, 1024);
    const read = src.read;
    let fail = true;
    src.read = async (index) => {
      if (fail) throw new Error("offline");
      return read(index);
    };
    const disk = new ChunkedDisk(src);
    await expect(disk.prefetch([0, 1], 4)).resolves.toBeUndefined();
    expect(disk.loadedChunks()).toEqual([]);
    fail = false;
    expect((await get(disk, 0, 4))[3]).toBe(3);
  });

  it("fetches a chunk once when two reads race for it", async () => {
    const src = source(4096, 1024);
    const disk = new ChunkedDisk(src);
    await Promise.all([get(disk, 0, 256), get(disk, 256, 256)]);
    expect(src.reads).toEqual([0]);
  });

  it("keeps the guest's writes over the source, also through a saved state", async () => {
    const disk = new ChunkedDisk(source(4096, 1024));
    const data = new Uint8Array(256).fill(7);
    await new Promise<void>((r) => disk.set(1280, data, r));
    expect((await get(disk, 1024, 512)).subarray(256, 512)).toEqual(data);
    const restored = new ChunkedDisk(source(4096, 1024));
    restored.set_state(disk.get_state());
    expect((await get(restored, 1280, 256))).toEqual(data);
  });

  it("lays written blocks over the source block by block, across pages, through a saved state", async () => {
    const src = source(16384, 8192);
    const disk = new ChunkedDisk(src);
    // One write spanning the end of a 4 KiB page and the start of the next; the rest stays the source's.
    const data = Uint8Array.from({ length: 768 }, (_, k) => 255 - (k % 7));
    await new Promise<void>((r) => disk.set(4096 - 256, data, r));
    const expected = Uint8Array.from({ length: 8192 }, (_, k) => k % 251);
    expected.set(data, 4096 - 256);
    expect(await get(disk, 0, 8192)).toEqual(expected);
    const restored = new ChunkedDisk(source(16384, 8192));
    restored.set_state(disk.get_state());
    expect(await get(restored, 0, 8192)).toEqual(expected);
    expect([...restored.takeWrites().keys()]).toEqual([15, 16, 17]);
    expect(await get(restored, 0, 8192)).toEqual(Uint8Array.from({ length: 8192 }, (_, k) => k % 251));
  });

  it("reports a failed chunk instead of answering with wrong bytes", async () => {
    const disk = new ChunkedDisk({ size: 1024, chunkSize: 1024, read: () => Promise.reject(new Error("offline")) });
    const err = await new Promise<unknown>((r) => {
      disk.onerror = r;
      disk.get(0, 256, () => r("answered"));
    });
    expect(String(err)).toContain("offline");
  });
});

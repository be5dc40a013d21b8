import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { sha256Digest } from "../store/digest";
import { diskChunkSource } from "./disk-chunk-source";

describe("diskChunkSource", () => {
  it("gunzips and verifies stored chunks, and makes zero chunks up", async () => {
    const raw = new Uint8Array(8).fill(3);
    const hex = (await sha256Digest(raw)).slice(7);
    const src = diskChunkSource({ size: 20, chunkSize: 8, chunks: [hex, null, hex] }, async () => gzipSync(raw));
    expect(await src.read(0)).toEqual(raw);
    expect(await src.read(1)).toEqual(new Uint8Array(8));
    await expect(src.read(2)).rejects.toThrow(/does not match/); // the last chunk is 4 bytes long
  });

  it("takes a chunk the HTTP layer already decompressed", async () => {
    const raw = new Uint8Array(8).fill(3);
    const hex = (await sha256Digest(raw)).slice(7);
    const src = diskChunkSource({ size: 8, chunkSize: 8, chunks: [hex] }, async () => raw);
    expect(await src.read(0)).toEqual(raw);
  });

  it("takes an already decompressed chunk whose bytes start like gzip (a .gz file on the disk)", async () => {
    const raw = new Uint8Array(gzipSync(new Uint8Array(600).fill(7)).subarray(0, 16)); // 1f 8b …, cut short
    const hex = (await sha256Digest(raw)).slice(7);
    const src = diskChunkSource({ size: 16, chunkSize: 16, chunks: [hex] }, async () => raw);
    expect(await src.read(0)).toEqual(raw);
    // and the same chunk still arrives gzip-compressed from a host that sends the file as it is
    const gz = diskChunkSource({ size: 16, chunkSize: 16, chunks: [hex] }, async () => gzipSync(raw));
    expect(await gz.read(0)).toEqual(raw);
  });

  it("refuses a chunk whose bytes were changed at the source", async () => {
    const raw = new Uint8Array(8).fill(3);
    const hex = (await sha256Digest(raw)).slice(7);
    const src = diskChunkSource({ size: 8, chunkSize: 8, chunks: [hex] }, async () => gzipSync(new Uint8Array(8).fill(4)));
    await expect(src.read(0)).rejects.toThrow(/does not match its digest/);
  });

  it("fetches again from the source when the cached copy is corrupt", async () => {
    const raw = new Uint8Array(8).fill(3);
    const hex = (await sha256Digest(raw)).slice(7);
    const asked: boolean[] = [];
    const src = diskChunkSource({ size: 8, chunkSize: 8, chunks: [hex] }, async (_h, refresh) => {
      asked.push(refresh);
      return refresh ? gzipSync(raw) : new Uint8Array([1, 2, 3]);
    });
    expect(await src.read(0)).toEqual(raw);
    expect(asked).toEqual([false, true]);
  });
});

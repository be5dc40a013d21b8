import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ChunkedDisk, BLOCK_SIZE } from "../../worker/core/vm/chunked-disk";
import { diskChunkSource } from "../../worker/core/vm/disk-chunk-source";
import { chunkDisk } from "./disk-chunks";

describe("chunkDisk", () => {
  it("stores each distinct non-zero chunk once, compressed, and skips zero chunks", () => {
    const dir = mkdtempSync(join(tmpdir(), "disk-"));
    const img = Buffer.alloc(4096 * 4 + 100);
    img.fill(7, 0, 4096); // chunk 0
    img.fill(7, 8192, 12288); // chunk 2 equals chunk 0
    img[4 * 4096 + 5] = 1; // the short last chunk
    writeFileSync(join(dir, "disk.img"), img);
    const table = chunkDisk(join(dir, "disk.img"), join(dir, "chunks"), 4096);
    expect(table.size).toBe(img.length);
    expect(table.chunks.length).toBe(5);
    expect(table.chunks[1]).toBeNull();
    expect(table.chunks[3]).toBeNull();
    expect(table.chunks[0]).toBe(table.chunks[2]);
    expect(readdirSync(join(dir, "chunks")).length).toBe(2);
    const last = gunzipSync(readFileSync(join(dir, "chunks", `${table.chunks[4]}.gz`)));
    expect(last.length).toBe(100);
    expect(last[5]).toBe(1);
  });

  it("folds a machine's disk writes into a new table, which a fresh disk reads back, and leaves the image alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "disk-"));
    const img = Buffer.alloc(4096 * 3);
    img.fill(7, 0, 4096);
    writeFileSync(join(dir, "disk.img"), img);
    const base = chunkDisk(join(dir, "disk.img"), join(dir, "chunks"), 4096);
    const readChunk = async (hex: string) => new Uint8Array(readFileSync(join(dir, "chunks", `${hex}.gz`)));
    const get = (d: ChunkedDisk, off: number, len: number) => new Promise<Uint8Array>((r) => d.get(off, len, r));

    const machine = new ChunkedDisk(diskChunkSource(base, readChunk));
    await new Promise<void>((r) => machine.set(4096 + BLOCK_SIZE, new Uint8Array(BLOCK_SIZE).fill(9), r)); // into a zero chunk
    await new Promise<void>((r) => machine.set(0, new Uint8Array(BLOCK_SIZE).fill(8), r));
    const folded = chunkDisk(join(dir, "disk.img"), join(dir, "chunks"), 4096, { blockSize: BLOCK_SIZE, blocks: machine.takeWrites() });
    expect(machine.takeWrites().size).toBe(0); // handed over once
    expect(base.chunks[1]).toBeNull();
    expect(folded.chunks[1]).not.toBeNull();
    expect(folded.chunks[2]).toBeNull();

    const resumed = new ChunkedDisk(diskChunkSource(folded, readChunk));
    const bytes = await get(resumed, 0, 4096 * 2);
    expect(bytes.subarray(0, BLOCK_SIZE).every((b) => b === 8)).toBe(true);
    expect(bytes.subarray(BLOCK_SIZE, 4096).every((b) => b === 7)).toBe(true);
    expect(bytes.subarray(4096, 4096 + BLOCK_SIZE).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray(4096 + BLOCK_SIZE, 4096 + 2 * BLOCK_SIZE).every((b) => b === 9)).toBe(true);
    expect(readFileSync(join(dir, "disk.img")).equals(img)).toBe(true);
  });
});

import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
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
});

// Splits a disk image into fixed-size chunks for lazy loading: each non-zero chunk is stored
// gzip-compressed under the sha256 of its raw bytes (equal chunks are stored once); all-zero
// chunks are not stored at all. The table lets any reader fetch, verify and cache chunk i.
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { DiskTable } from "../../worker/core/vm/guest-manifest";

export function chunkDisk(image: string, outDir: string, chunkSize: number): DiskTable {
  mkdirSync(outDir, { recursive: true });
  const size = statSync(image).size;
  const fd = openSync(image, "r");
  const buf = Buffer.alloc(chunkSize);
  const chunks: (string | null)[] = [];
  let stored = 0;
  try {
    for (let off = 0; off < size; off += chunkSize) {
      const n = readSync(fd, buf, 0, Math.min(chunkSize, size - off), off);
      const raw = buf.subarray(0, n);
      if (raw.every((b) => b === 0)) {
        chunks.push(null);
        continue;
      }
      const hex = createHash("sha256").update(raw).digest("hex");
      const path = join(outDir, `${hex}.gz`);
      if (!existsSync(path)) {
        writeFileSync(path, gzipSync(raw, { level: 9 }));
        stored++;
      }
      chunks.push(hex);
    }
  } finally {
    closeSync(fd);
  }
  return { size, chunkSize, chunks, stored };
}

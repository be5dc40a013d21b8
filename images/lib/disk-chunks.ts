// Splits a disk image into fixed-size chunks for lazy loading: each non-zero chunk is stored
// gzip-compressed under the sha256 of its raw bytes (equal chunks are stored once); all-zero
// chunks are not stored at all. The table lets any reader fetch, verify and cache chunk i.
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { DiskTable } from "../../worker/core/vm/guest-manifest";

/** The raw root disk's file name in a build's output directory (beside site/). */
export const RAW_DISK = "rootfs.ext4";

/** Blocks written over the image (a machine's disk writes): block index → its bytes. */
export interface DiskWrites {
  blockSize: number;
  blocks: Map<number, Uint8Array>;
}

/** Chunks `image`, with `writes` laid over it when given (the image file itself is not changed). */
export function chunkDisk(image: string, outDir: string, chunkSize: number, writes?: DiskWrites): DiskTable {
  mkdirSync(outDir, { recursive: true });
  const size = statSync(image).size;
  const fd = openSync(image, "r");
  const buf = Buffer.alloc(chunkSize);
  const zero = Buffer.alloc(chunkSize);
  const chunks: (string | null)[] = [];
  let stored = 0;
  try {
    for (let off = 0; off < size; off += chunkSize) {
      const n = readSync(fd, buf, 0, Math.min(chunkSize, size - off), off);
      const raw = buf.subarray(0, n);
      if (writes) overlay(raw, off, writes);
      if (raw.equals(zero.subarray(0, n))) {
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

/** Copies the written blocks that fall in [offset, offset + raw.length) into raw. */
function overlay(raw: Buffer, offset: number, { blockSize, blocks }: DiskWrites): void {
  const first = offset / blockSize;
  for (let b = 0; b < raw.length / blockSize; b++) {
    const block = blocks.get(first + b);
    if (block) raw.set(block, b * blockSize);
  }
}

// A ChunkSource over the build's chunk table: fetches disk/<sha256>.gz, gunzips it with the
// platform's DecompressionStream, checks the sha256 of the raw bytes, and synthesises the
// all-zero chunks that were never stored.
import { sha256Digest } from "../store/digest";
import type { ChunkSource } from "./chunked-disk";
import type { DiskTable } from "./guest-manifest";

/**
 * Fetches the gzip bytes of the chunk whose raw sha256 is `hex`. `refresh` asks for the
 * source, not a cache: the cached copy just failed its check.
 */
export type ChunkFetcher = (hex: string, refresh: boolean) => Promise<Uint8Array>;

export class ChunkCorrupt extends Error {
  override name = "ChunkCorrupt";
}

/**
 * Gunzips `bytes`; bytes without the gzip magic are returned as they are: some static hosts
 * serve *.gz files with Content-Encoding: gzip, and the browser has already decompressed them.
 */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function diskChunkSource(table: DiskTable, fetchChunk: ChunkFetcher): ChunkSource {
  return {
    size: table.size,
    chunkSize: table.chunkSize,
    async read(index) {
      const length = Math.min(table.chunkSize, table.size - index * table.chunkSize);
      const hex = table.chunks[index];
      if (hex === undefined) throw new RangeError(`chunk ${index} is past the end of the disk`);
      if (hex === null) return new Uint8Array(length);
      const check = async (gz: Uint8Array): Promise<Uint8Array | undefined> => {
        const raw = await gunzip(gz).catch(() => undefined);
        return raw && raw.length === length && (await sha256Digest(raw)) === `sha256:${hex}` ? raw : undefined;
      };
      const raw = (await check(await fetchChunk(hex, false))) ?? (await check(await fetchChunk(hex, true)));
      if (!raw) throw new ChunkCorrupt(`disk chunk ${index} does not match its digest (${hex.slice(0, 12)}…)`);
      return raw;
    },
  };
}

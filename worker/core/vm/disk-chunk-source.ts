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

/** Gunzips `bytes` with the platform's DecompressionStream. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
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
      const isChunk = async (raw: Uint8Array) => raw.length === length && (await sha256Digest(raw)) === `sha256:${hex}`;
      // Some static hosts (vite's among them) serve *.gz files with Content-Encoding: gzip, and
      // the browser hands over the chunk already gunzipped; and a raw chunk may itself start like
      // gzip (a .gz file on the disk). So no guessing from the first bytes: the digest decides.
      const check = async (fetched: Uint8Array): Promise<Uint8Array | undefined> => {
        if (await isChunk(fetched)) return fetched;
        const raw = await gunzip(fetched).catch(() => undefined);
        return raw && (await isChunk(raw)) ? raw : undefined;
      };
      const raw = (await check(await fetchChunk(hex, false))) ?? (await check(await fetchChunk(hex, true)));
      if (!raw) throw new ChunkCorrupt(`disk chunk ${index} does not match its digest (${hex.slice(0, 12)}…)`);
      return raw;
    },
  };
}

// A v86 hard disk whose bytes arrive lazily in fixed-size chunks from a ChunkSource.
// Only the chunks the guest reads are fetched; the guest's writes stay in memory (and in saved
// states), never in the source. v86 accepts any object with load/get/set as a disk buffer.

/** Where a disk's chunks come from: a file in Node, the network and a cache in the browser. */
export interface ChunkSource {
  /** Size of the whole disk in bytes (a multiple of 512). */
  readonly size: number;
  /** Bytes per chunk: a multiple of BLOCK_SIZE. The last chunk may be shorter. */
  readonly chunkSize: number;
  read(index: number): Promise<Uint8Array>;
}

/** v86's smallest disk transfer: reads and writes come in multiples of it. */
export const BLOCK_SIZE = 256;

/** The guest's writes are kept in pages of this many bytes (ext4 writes 4 KiB blocks), each with a mask of its written blocks. */
const PAGE_SIZE = 4096;
const BLOCKS_PER_PAGE = PAGE_SIZE / BLOCK_SIZE;

interface WrittenPage {
  bytes: Uint8Array;
  /** bit i: block i of the page holds the guest's bytes */
  mask: number;
}

/**
 * The writes as three flat arrays: page indexes, their masks, and their bytes back to back. A
 * few typed arrays rather than one small array per write: a pulled image is ~100 MB of writes.
 */
type DiskState = [Float64Array, Uint16Array, Uint8Array];

export class ChunkedDisk {
  readonly byteLength: number;
  onload: ((e: object) => void) | undefined;
  onprogress: ((e: object) => void) | undefined;
  /** chunk index → bytes as fetched */
  private readonly chunks = new Map<number, Uint8Array>();
  private readonly pending = new Map<number, Promise<Uint8Array>>();
  /** page index → what the guest wrote in it */
  private readonly written = new Map<number, WrittenPage>();
  /** Called when a chunk fails to arrive: the guest would otherwise wait forever on its I/O. */
  onerror: (err: unknown) => void = () => undefined;

  constructor(private readonly source: ChunkSource) {
    this.byteLength = source.size;
  }

  load(): void {
    this.onload?.(Object.create(null));
  }

  get(offset: number, len: number, fn: (bytes: Uint8Array) => void): void {
    const first = Math.floor(offset / this.source.chunkSize);
    const last = Math.floor((offset + len - 1) / this.source.chunkSize);
    const missing: number[] = [];
    for (let i = first; i <= last; i++) if (!this.chunks.has(i)) missing.push(i);
    if (missing.length === 0) {
      fn(this.assemble(offset, len));
      return;
    }
    Promise.all(missing.map((i) => this.fetchChunk(i))).then(
      () => fn(this.assemble(offset, len)),
      (err: unknown) => this.onerror(err),
    );
  }

  /** v86 calls this for the first sector before it starts the CPU. */
  get_and_cache(offset: number, len: number, fn: (bytes: Uint8Array) => void): void {
    this.get(offset, len, fn);
  }

  /** Synchronous read if the bytes are here already (v86 reads the partition table this way). */
  get_from_cache(offset: number, len: number): Uint8Array | undefined {
    const first = Math.floor(offset / this.source.chunkSize);
    const last = Math.floor((offset + len - 1) / this.source.chunkSize);
    for (let i = first; i <= last; i++) if (!this.chunks.has(i)) return undefined;
    return this.assemble(offset, len);
  }

  set(start: number, data: Uint8Array, fn: () => void): void {
    const first = start / BLOCK_SIZE;
    for (let i = 0; i < data.length / BLOCK_SIZE; i++) {
      const block = first + i;
      const index = Math.floor(block / BLOCKS_PER_PAGE);
      let page = this.written.get(index);
      if (!page) this.written.set(index, (page = { bytes: new Uint8Array(PAGE_SIZE), mask: 0 }));
      const within = block % BLOCKS_PER_PAGE;
      page.bytes.set(data.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE), within * BLOCK_SIZE);
      page.mask |= 1 << within;
    }
    fn();
  }

  get_buffer(fn: (buffer?: ArrayBuffer) => void): void {
    fn(); // the whole disk is never materialised
  }

  get_state(): DiskState {
    const n = this.written.size;
    const indexes = new Float64Array(n);
    const masks = new Uint16Array(n);
    const bytes = new Uint8Array(n * PAGE_SIZE);
    let i = 0;
    for (const [index, page] of this.written) {
      indexes[i] = index;
      masks[i] = page.mask;
      bytes.set(page.bytes, i * PAGE_SIZE);
      i++;
    }
    return [indexes, masks, bytes];
  }

  set_state([indexes, masks, bytes]: DiskState): void {
    this.written.clear();
    for (let i = 0; i < indexes.length; i++) {
      this.written.set(indexes[i]!, { bytes: bytes.slice(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), mask: masks[i]! });
    }
  }

  /**
   * Hands over the guest's writes (BLOCK_SIZE-byte block index → bytes) and forgets them: the
   * image build folds them into the disk its snapshot resumes on (images/snapshot.ts).
   */
  takeWrites(): Map<number, Uint8Array> {
    const blocks = new Map<number, Uint8Array>();
    for (const [index, page] of this.written) {
      for (let b = 0; b < BLOCKS_PER_PAGE; b++) {
        if (page.mask & (1 << b)) blocks.set(index * BLOCKS_PER_PAGE + b, page.bytes.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE));
      }
    }
    this.written.clear();
    return blocks;
  }

  /** Indexes of the chunks fetched so far (for figures and tests). */
  loadedChunks(): number[] {
    return [...this.chunks.keys()].sort((a, b) => a - b);
  }

  /** Indexes of the chunks fetched so far, in the order they arrived (the image build records a visit's with it). */
  chunksInArrivalOrder(): number[] {
    return [...this.chunks.keys()];
  }

  /**
   * Fetches `indexes` ahead of the guest's reads, in their order, `parallel` at a time, so that a
   * read the guest then makes finds its chunk here or joins its fetch. Never rejects: a chunk that
   * fails here is fetched again, with its error reported, when the guest reads it.
   */
  async prefetch(indexes: readonly number[], parallel: number): Promise<void> {
    const queue = indexes.filter((i) => i >= 0 && i * this.source.chunkSize < this.byteLength);
    let next = 0;
    const worker = async () => {
      while (next < queue.length) {
        const index = queue[next++]!;
        if (!this.chunks.has(index)) await this.fetchChunk(index).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  }

  private fetchChunk(index: number): Promise<Uint8Array> {
    let p = this.pending.get(index);
    if (!p) {
      p = this.source.read(index).then((bytes) => {
        this.chunks.set(index, bytes);
        this.pending.delete(index);
        return bytes;
      });
      p.catch(() => this.pending.delete(index));
      this.pending.set(index, p);
    }
    return p;
  }

  /** Copies [offset, offset+len) out of the loaded chunks, then lays the guest's writes over it. */
  private assemble(offset: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const cs = this.source.chunkSize;
    for (let pos = offset; pos < offset + len; ) {
      const index = Math.floor(pos / cs);
      const chunk = this.chunks.get(index)!;
      const within = pos - index * cs;
      const n = Math.min(cs - within, offset + len - pos);
      out.set(chunk.subarray(within, within + n), pos - offset);
      pos += n;
    }
    if (this.written.size > 0) {
      for (let b = offset / BLOCK_SIZE; b < (offset + len) / BLOCK_SIZE; b++) {
        const page = this.written.get(Math.floor(b / BLOCKS_PER_PAGE));
        const within = b % BLOCKS_PER_PAGE;
        if (page && page.mask & (1 << within)) out.set(page.bytes.subarray(within * BLOCK_SIZE, (within + 1) * BLOCK_SIZE), b * BLOCK_SIZE - offset);
      }
    }
    return out;
  }
}

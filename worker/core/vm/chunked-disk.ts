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

type DiskState = [Array<[number, Uint8Array]>];

export class ChunkedDisk {
  readonly byteLength: number;
  onload: ((e: object) => void) | undefined;
  onprogress: ((e: object) => void) | undefined;
  /** chunk index → bytes as fetched */
  private readonly chunks = new Map<number, Uint8Array>();
  private readonly pending = new Map<number, Promise<Uint8Array>>();
  /** 256-byte block index → bytes the guest wrote */
  private readonly written = new Map<number, Uint8Array>();
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
      this.written.set(first + i, data.slice(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE));
    }
    fn();
  }

  get_buffer(fn: (buffer?: ArrayBuffer) => void): void {
    fn(); // the whole disk is never materialised
  }

  get_state(): DiskState {
    return [[...this.written]];
  }

  set_state(state: DiskState): void {
    this.written.clear();
    for (const [index, block] of state[0]) this.written.set(index, block);
  }

  /**
   * Hands over the guest's writes (BLOCK_SIZE-byte block index → bytes) and forgets them: the
   * image build folds them into the disk its snapshot resumes on (images/snapshot.ts).
   */
  takeWrites(): Map<number, Uint8Array> {
    const taken = new Map(this.written);
    this.written.clear();
    return taken;
  }

  /** Indexes of the chunks fetched so far (for figures and tests). */
  loadedChunks(): number[] {
    return [...this.chunks.keys()].sort((a, b) => a - b);
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
        const block = this.written.get(b);
        if (block) out.set(block, b * BLOCK_SIZE - offset);
      }
    }
    return out;
  }
}

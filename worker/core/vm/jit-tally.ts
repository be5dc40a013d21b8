// Counts what v86's JIT does, from the three calls its wasm makes into JavaScript.
//
// v86 keeps its compiled modules in a table of fixed size (jit-config.ts). When a new module
// finds the table full, it frees every module, one jit_clear_func call each, and the whole working
// set runs interpreted again until it is hot (the periodic slow `docker run` of issue 8).
// jit_clear_all_funcs is only called when a state is restored, so a table flush has to be
// recognised by its shape: hundreds of frees with no compile in between. A page overwritten
// frees the one to three modules on it, so the two never look alike.
import { STOCK_JIT } from "./jit-config";

/** What v86's JIT did since the machine started. */
export interface JitCounters {
  /** wasm modules compiled from hot guest code */
  compiled: number;
  /** modules freed, one by one or in a flush */
  cleared: number;
  /** whole-table flushes: every compiled module dropped at once (table full, or a state restored) */
  flushes: number;
  /**
   * The highest table slot a module was given. v86 hands slots out from the top of its free list,
   * so from the first compile on this is the size of the table its wasm keeps, less one.
   */
  highestSlot: number;
}

/** Frees in a row, without a compile, that can only be a flush of a full table, stock or ours. */
const FLUSH_BURST = STOCK_JIT.tableSize / 2;

export class JitTally {
  private readonly counts: JitCounters = { compiled: 0, cleared: 0, flushes: 0, highestSlot: 0 };
  private freedInARow = 0;

  compiled(slot: number): void {
    this.counts.compiled++;
    this.counts.highestSlot = Math.max(this.counts.highestSlot, slot);
    this.freedInARow = 0;
  }

  cleared(): void {
    this.counts.cleared++;
    if (++this.freedInARow === FLUSH_BURST) this.counts.flushes++;
  }

  clearedAll(): void {
    this.counts.flushes++;
    this.freedInARow = 0;
  }

  snapshot(): JitCounters {
    return { ...this.counts };
  }
}

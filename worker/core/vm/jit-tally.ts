// Counts what v86's JIT does, from the three calls its wasm makes into JavaScript.
//
// v86 keeps at most 900 compiled modules (WASM_TABLE_SIZE, a Rust constant). When a new module
// finds the table full, it frees every module, one jit_clear_func call each, and the whole working
// set runs interpreted again until it is hot (the periodic slow `docker run`, issue 8).
// jit_clear_all_funcs is only called when a state is restored, so a table flush has to be
// recognised by its shape: hundreds of frees with no compile in between. A page overwritten
// frees the one to three modules on it, so the two never look alike.

/** What v86's JIT did since the machine started. */
export interface JitCounters {
  /** wasm modules compiled from hot guest code */
  compiled: number;
  /** modules freed, one by one or in a flush */
  cleared: number;
  /** whole-table flushes: every compiled module dropped at once (table full, or a state restored) */
  flushes: number;
}

/** v86's module table (jit.rs WASM_TABLE_SIZE). */
export const JIT_TABLE_SIZE = 900;

/** Frees in a row, without a compile, that can only be a flush of the full table. */
const FLUSH_BURST = JIT_TABLE_SIZE / 2;

export class JitTally {
  private readonly counts: JitCounters = { compiled: 0, cleared: 0, flushes: 0 };
  private freedInARow = 0;

  compiled(): void {
    this.counts.compiled++;
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

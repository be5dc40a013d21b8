// Two constants of v86's JIT that Dockyard sets differently from v86. Neither has a setting: they are
// written into v86's build by scripts/v86-jit-config.ts when npm installs it (issue 8).

/** A v86 JIT's constants, as v86 ships them or as Dockyard sets them. */
export interface JitConfig {
  /** how many compiled wasm modules it keeps before it drops them all (jit.rs WASM_TABLE_SIZE) */
  tableSize: number;
  /** guest instructions interpreted on a page before it is compiled (jit.rs JIT_THRESHOLD) */
  hotnessThreshold: number;
}

/** v86's own. */
export const STOCK_JIT: JitConfig = { tableSize: 900, hotnessThreshold: 200_000 };

/**
 * Ours.
 *
 * tableSize: with 900, the table filled about every 6 `docker run`s and the run after took 2 to 3
 * times as long; with 4065, 50 runs after a resume left 1,872 modules in it and never filled it
 * (Node). Each live module costs ~110 KB of the process's memory. 4065 is the largest size whose
 * patched operands are as short as v86's own.
 *
 * hotnessThreshold: after a resume everything is interpreted again, and every module compiled is
 * compiled twice by V8 (Liftoff, then TurboFan on background threads that take the CPU from the
 * emulator on 2 cores). Compiling only pages twice as hot made the first `docker run` of a cold
 * visit in Chromium 11.1 s instead of 14.5 s (3 pairs) and five runs 36.5 s instead of 40.6 s
 * (2 pairs); in Node the first run 5 s after the prompt took 7.9 s instead of 9.4 s, and runs 2
 * to 10 0.3 s longer (3.9 against 3.6 s, 3 pairs). 100,000 and 50,000 were worse on every figure;
 * 800,000 was no better than 400,000.
 */
export const DOCKYARD_JIT: JitConfig = { tableSize: 4065, hotnessThreshold: 400_000 };

/** Where v86 puts its first compiled module in the wasm function table (const.js). */
export const WASM_TABLE_OFFSET = 1024;

// The size of v86's JIT table: how many compiled wasm modules it keeps before it drops them all.

/** v86's own size (WASM_TABLE_SIZE in its jit.rs and const.js). */
export const STOCK_JIT_TABLE_SIZE = 900;

/**
 * Ours, written into v86's build by scripts/v86-jit-table.ts when npm installs it. With 900, the
 * table filled about every 6 `docker run`s and the run after took 2 to 3 times as long; with 4065,
 * 50 runs after a resume left 1,872 modules in it and never filled it (Node, issue 8). Each live
 * module costs ~110 KB of the process's memory. 4065 is the largest size whose patched operands
 * are as short as v86's own.
 */
export const JIT_TABLE_SIZE = 4065;

/** Where v86 puts its first compiled module in the wasm function table (const.js). */
export const WASM_TABLE_OFFSET = 1024;

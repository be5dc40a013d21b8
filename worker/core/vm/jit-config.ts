// v86's JIT as Dockyard runs it (issue 8). Two of its constants have no setting in v86: the size of
// its module table, and the hotness a page needs before it is compiled. scripts/v86-jit-config.ts
// rewrites the build npm installed (postinstall): the first to our size, the second into a global
// that the emulator sets at run time, because the best value differs between Node and a browser.

/** v86's own. */
export const STOCK_JIT = {
  /** how many compiled wasm modules it keeps before it drops them all (jit.rs WASM_TABLE_SIZE) */
  tableSize: 900,
  /** guest instructions interpreted on a page before it is compiled (jit.rs JIT_THRESHOLD) */
  hotnessThreshold: 200_000,
};

/**
 * Ours. With 900, the table filled about every 6 `docker run`s and the run after took 2 to 3 times
 * as long; with 4065, 50 runs after a resume left 1,872 modules in it and never filled it (Node).
 * Each live module costs ~110 KB of the process's memory. 4065 is the largest size whose patched
 * operands are as short as v86's own.
 */
export const JIT_TABLE_SIZE = 4065;

/** The mutable i32 global, exported from the patched v86.wasm under this name, that holds the hotness threshold. */
export const JIT_THRESHOLD_EXPORT = "dockyard_jit_threshold";

/**
 * The hotness threshold unless a platform sets its own: Node's (the headless harness and
 * `npm run bench`). After a resume everything is interpreted again, and V8 compiles every module
 * twice (Liftoff, then TurboFan on background threads that take the CPU from the emulator on 2
 * cores). In Node, 400,000 made the first run 5 s after the prompt 7.9 s instead of 9.4 s against
 * v86's 200,000, and runs 2 to 10 0.3 s longer (3.9 against 3.6 s, 3 pairs); 100,000 and 50,000
 * were worse on every figure.
 */
export const JIT_THRESHOLD = 400_000;

/**
 * The hotness threshold in a browser: ten times Node's. Chromium's V8 tiers every hot module up
 * with TurboFan on background threads, and on a 2-core machine those compiles left the emulator
 * 15 to 45 M guest instructions a second, against Node's 80 to 100 (with Chromium's
 * `--js-flags=--liftoff-only`, a measurement switch, runs took half as long or less). Compiling only
 * pages ten times hotter keeps the tight loops compiled and leaves the container path, code spread
 * over thousands of lukewarm pages, to v86's interpreter. Chromium 156, the first
 * `docker run --rm busybox true` 5 s after the prompt of a cold visit, then five more, then 10 MiB
 * through gzip in a container twice (one or two visits per value):
 * - 400,000: 24.4 s; 11.7 to 14.8 s; 10.3 and 9.0 s (and 25.2 and 41.0 s first runs before);
 * - 1,000,000: 16.3 s; 8.2 to 11.3 s; 9.6 and 7.5 s;
 * - 4,000,000: 8.6 and 9.4 s; 5.1 to 9.2 s; 6.4 to 9.2 s;
 * - 16,000,000: 8.4 s; 6.0 to 8.9 s; 8.7 and 7.1 s;
 * - the JIT off (set_jit_config): 7.2 s; 5.5 to 6.1 s; but CPU-bound work ~5 times slower (in
 *   Node the gzip run took 16.2 s instead of 3.2 s).
 * Node's V8 does not pay the same: there 4,000,000 was slower on every run (first runs 6.3 and
 * 5.7 s against 5.0 and 4.9 s, two resumes each, alternating).
 *
 * A browser has no warm-up window (WARMUP_JIT_THRESHOLD below): what the window compiles, TurboFan
 * then compiles again while the user's first command runs. Chromium, cold visits alternating, three
 * each, 400,000 while the prompt waited against none: Docker-ready 6.5, 6.1, 7.1 s against 5.9,
 * 5.9, 5.4 s; the first run 5 s after the prompt 8.9, 7.9, 10.6 s against 7.9, 7.6, 7.9 s (the
 * next two 5.7 to 7.0 s against 6.2 to 8.9 s).
 */
export const BROWSER_JIT_THRESHOLD = 4_000_000;

/**
 * The hotness threshold while a restored guest waits for the user's first command (in Node; a
 * browser has no such window: BROWSER_JIT_THRESHOLD). A resume starts with an empty JIT, and
 * dockyard-thaw warms the docker CLI and dockerd with a `docker version` in the background while
 * the user reads the prompt (it also runs crun and docker-init for their versions). At 400,000
 * that pass leaves most of those pages interpreted, for the user's first run to pay again; at a
 * tenth, it compiles them (~400 modules instead of ~100) in time the guest would otherwise idle.
 * The usual threshold comes back with the first command (jit-warmup.ts), so what the user runs
 * compiles as before. Node, the first `docker run --rm busybox true` 5 s after the prompt,
 * alternating resumes, 400,000 against 40,000:
 * - eight each: 5.0, 4.6, 5.0, 8.7, 5.1, 5.8, 7.6, 6.1 s against 4.0, 4.1, 4.0, 6.3, 4.3, 3.8,
 *   5.7, 4.8 s (lower in every pair; the host was slow that hour);
 * - as built, the window's resume first in each pair, four each: 4.4 to 5.7 s against 3.4 to
 *   4.4 s; second, three each: 4.4 to 4.8 s against 3.3 to 3.4 s. The median of runs 2 to 10 did
 *   not change beyond the order of the pair (the second resume of a pair tends to run faster);
 * - typed at once, four each: 9.3, 7.4, 6.9, 11.4 s against 6.9, 6.7, 9.5, 11.0 s.
 * 10,000 was no better than 40,000 and slower in two of four (the background pass then runs ~10 s
 * and still runs when the user types). Only after a resume: after a cold boot, 40,000 from
 * Docker-ready on made the first run slower (6.3, 6.2, 8.7 s against 5.7, 5.0, 4.9 s, three boots
 * each; the shared shim's container starts then and compiles a lot).
 */
export const WARMUP_JIT_THRESHOLD = 40_000;

/** The warm-up ends by itself this long after the prompt if no command comes (the background pass: ~10 s in Node). */
export const JIT_WARMUP_MAX_MS = 30_000;

/** Where v86 puts its first compiled module in the wasm function table (const.js). */
export const WASM_TABLE_OFFSET = 1024;

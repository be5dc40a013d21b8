// Writes Dockyard's JIT constants (worker/core/vm/jit-config.ts: the module table's size, the
// hotness threshold) into the v86 build npm installed. Run by `npm ci` (postinstall).
//
// v86 has no setting for either, so this rewrites the instructions that hold them, checked byte
// for byte against the build it was written for (v86 0.5.462+g5f9a90f). Another build is refused
// with a message, never guessed at. Every rewritten operand keeps its length: nothing moves.
//
// Where they live:
// - v86.wasm, JitState::create_and_initialise: the table's free list of slots, a Vec<u16> of
//   1..=899 that rustc filled with a SIMD loop (32 entries a turn) and three single stores. We
//   change its allocation, capacity, length and the loop's end. The three single stores then
//   write entries 896 to 898 with the values the loop already wrote there, so they stay.
// - v86.wasm, main_loop: jit_increase_hotness_and_maybe_compile inlined, comparing a page's
//   hotness with JIT_THRESHOLD.
// - libv86.mjs: the WebAssembly.Table it creates (1024 + size), and jit_clear_all_funcs, which
//   empties the table's slots when a state is restored.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DOCKYARD_JIT, STOCK_JIT, WASM_TABLE_OFFSET, type JitConfig } from "../worker/core/vm/jit-config";

const STOCK_WASM_SHA256 = "aa0d0e149d6b60063b85de4871e78505637ce92821e14a9f9802c4008ba2336e";
const STOCK_LIB_SHA256 = "581c169db27daad9d64679bd117f4a90c37c23c6ad9e660b7e89ee731eb2a446";

/** Free-list entries: table slots 1..size-1 (slot 0 is never handed out). */
const entries = (tableSize: number) => tableSize - 1;

/** An `i32.const` whose LEB128 operand, of a fixed length, is rewritten in place. */
interface ConstSite {
  /** of the opcode, in the stock v86.wasm */
  offset: number;
  /** of the operand */
  length: 2 | 3;
  operand: (config: JitConfig) => number;
}

/** A table-size site: its operand in the stock build, and for a free list of n entries. */
const tableSite = (offset: number, stock: number, value: (n: number) => number): ConstSite => ({
  offset,
  length: 2,
  operand: ({ tableSize }) => (tableSize === STOCK_JIT.tableSize ? stock : value(entries(tableSize))),
});

/** the free list's capacity */
const CAPACITY = tableSite(0x177430, 899, (n) => n);
/** JIT_THRESHOLD */
const THRESHOLD: ConstSite = { offset: 0x15b97e, length: 3, operand: (c) => c.hotnessThreshold };
const WASM_SITES: ConstSite[] = [
  tableSite(0x177410, 1798, (n) => 2 * n), // the free list's allocation, in bytes
  CAPACITY,
  // the fill loop's end, in bytes (stock: 896 entries by the loop, the last three by the single stores)
  tableSite(0x1774db, 1792, (n) => 2 * n),
  tableSite(0x177503, 899, (n) => n), // the free list's length
  tableSite(0x177603, 1798, (n) => 2 * n), // the size the allocation-failure path reports
  THRESHOLD,
];

/**
 * Table sizes this script can write: the loop fills 32 entries a turn; the three single stores still
 * write entries 896 to 898, so the list must reach past them; 2 * entries stays a 2-byte operand.
 */
export function isWritableTableSize(tableSize: number): boolean {
  const n = entries(tableSize);
  if (tableSize === STOCK_JIT.tableSize) return true;
  return Number.isInteger(n) && n % 32 === 0 && n > entries(STOCK_JIT.tableSize) && 2 * n < 1 << 13;
}

/** Thresholds this script can write: a 3-byte signed LEB128 operand. */
export const isWritableThreshold = (t: number) => Number.isInteger(t) && t > 0 && t < 1 << 20;

function checkTableSize(tableSize: number): void {
  if (!isWritableTableSize(tableSize)) {
    throw new RangeError(`JIT table size ${tableSize}: ${STOCK_JIT.tableSize}, or 1 more than a multiple of 32 from 929 to 4065`);
  }
}

function checkConfig({ tableSize, hotnessThreshold }: JitConfig): void {
  checkTableSize(tableSize);
  if (!isWritableThreshold(hotnessThreshold)) throw new RangeError(`JIT threshold ${hotnessThreshold}: 1 to 1048575`);
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** A fixed-length signed LEB128 of a non-negative value (every byte but the last has its high bit). */
function leb(value: number, length: number): number[] {
  return Array.from({ length }, (_, i) => ((value >> (7 * i)) & 0x7f) | (i < length - 1 ? 0x80 : 0));
}

/** The operand of the site's i32.const, or undefined if the bytes there are not one of its length. */
function readConst(wasm: Uint8Array, { offset, length }: ConstSite): number | undefined {
  if (wasm[offset] !== 0x41) return undefined;
  const bytes = [...wasm.subarray(offset + 1, offset + 1 + length)];
  const last = bytes[length - 1] ?? 0xff;
  if (bytes.length !== length || bytes.slice(0, -1).some((b) => !(b & 0x80)) || last & 0xc0) return undefined;
  return bytes.reduce((v, b, i) => v | ((b & 0x7f) << (7 * i)), 0);
}

/** A copy of `wasm` with every site's operand for `config`. */
function writeSites(wasm: Uint8Array, config: JitConfig): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(wasm);
  for (const site of WASM_SITES) out.set([0x41, ...leb(site.operand(config), site.length)], site.offset);
  return out;
}

/** The JIT config this v86.wasm has if it is the known build, stock or written by this script; else undefined. */
export function wasmJitConfig(wasm: Uint8Array): JitConfig | undefined {
  if (sha256(wasm) === STOCK_WASM_SHA256) return STOCK_JIT;
  const capacity = readConst(wasm, CAPACITY);
  const hotnessThreshold = readConst(wasm, THRESHOLD);
  if (capacity === undefined || hotnessThreshold === undefined) return undefined;
  const config = { tableSize: capacity + 1, hotnessThreshold };
  if (!isWritableTableSize(config.tableSize) || !isWritableThreshold(hotnessThreshold)) return undefined;
  // Ours if every site holds its operand for `config` and the stock operands give back the stock build.
  const sitesHold = Buffer.compare(writeSites(wasm, config), wasm) === 0;
  return sitesHold && sha256(writeSites(wasm, STOCK_JIT)) === STOCK_WASM_SHA256 ? config : undefined;
}

/** The known v86.wasm with `config`; throws for any other build. */
export function wasmWithJitConfig(wasm: Uint8Array, config = DOCKYARD_JIT): Uint8Array<ArrayBuffer> {
  checkConfig(config);
  if (wasmJitConfig(wasm) === undefined) throw new Error(notTheKnownBuild("v86.wasm"));
  return writeSites(wasm, config);
}

const libTable = (size: number) => `new WebAssembly.Table({element:"anyfunc",initial:${WASM_TABLE_OFFSET + size}})`;
const libClearAll = (size: number) => `for(let b=0;${size}>b;b++)a.set(${WASM_TABLE_OFFSET}+b,null)`;
const LIB_TABLE = /new WebAssembly\.Table\(\{element:"anyfunc",initial:(\d+)\}\)/g;

/** libv86.mjs with the table size in both its places swapped from `from` to `to`. */
function swapLibSize(lib: string, from: number, to: number): string | undefined {
  let out = lib;
  for (const site of [libTable, libClearAll]) {
    if (out.split(site(from)).length !== 2) return undefined;
    out = out.replace(site(from), site(to));
  }
  return out;
}

/** The JIT table size this libv86.mjs creates if it is the known build, stock or written by this script; else undefined. */
export function libTableSize(lib: string): number | undefined {
  // (v86 makes a second table, of 1024 and for another use)
  const sizes = [...lib.matchAll(LIB_TABLE)].map((m) => Number(m[1]) - WASM_TABLE_OFFSET).filter((n) => n > 0);
  if (sizes.length !== 1) return undefined;
  const size = sizes[0]!;
  const stock = swapLibSize(lib, size, STOCK_JIT.tableSize);
  return stock !== undefined && sha256(stock) === STOCK_LIB_SHA256 ? size : undefined;
}

/** The known libv86.mjs with a JIT table of `tableSize`; throws for any other build. */
export function libWithTableSize(lib: string, tableSize = DOCKYARD_JIT.tableSize): string {
  checkTableSize(tableSize);
  const size = libTableSize(lib);
  if (size === undefined) throw new Error(notTheKnownBuild("libv86.mjs"));
  return swapLibSize(lib, size, tableSize)!;
}

function notTheKnownBuild(file: string): string {
  return (
    `v86's ${file} is not the build scripts/v86-jit-config.ts was written for (v86 0.5.462+g5f9a90f). ` +
    `Its JIT would keep v86's own constants: a table of ${STOCK_JIT.tableSize} modules, flushed every ~6 docker runs. ` +
    `Find the sites again in the new build (wasm-objdump -d: JitState::create_and_initialise, main_loop) or pin v86 back.`
  );
}

/** Replaces a file at once, so an interrupted install leaves the old one or the new one. */
function writeAtomically(path: string, data: Uint8Array | string): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

const summary = ({ tableSize, hotnessThreshold }: JitConfig) => `table ${tableSize} modules, threshold ${hotnessThreshold}`;

/** Gives the v86 build in `v86Build` (node_modules/v86/build) DOCKYARD_JIT; says what it did. */
export function configureInstalledV86(v86Build: string): string {
  const wasmPath = join(v86Build, "v86.wasm");
  const libPath = join(v86Build, "libv86.mjs");
  const wasm = new Uint8Array(readFileSync(wasmPath));
  const lib = readFileSync(libPath, "utf8");
  const was = wasmJitConfig(wasm);
  const done = was?.tableSize === DOCKYARD_JIT.tableSize && was.hotnessThreshold === DOCKYARD_JIT.hotnessThreshold;
  if (done && libTableSize(lib) === DOCKYARD_JIT.tableSize) return `v86 JIT: already ${summary(DOCKYARD_JIT)}`;
  // Both are made before either is written: a wasm handing out slots beyond the JS table would trap.
  const [newWasm, newLib] = [wasmWithJitConfig(wasm), libWithTableSize(lib)];
  writeAtomically(wasmPath, newWasm);
  writeAtomically(libPath, newLib);
  return `v86 JIT: ${was ? summary(was) : "?"} -> ${summary(DOCKYARD_JIT)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  console.log(configureInstalledV86(join(root, "node_modules", "v86", "build")));
  // Vite's dev server keeps pre-bundled dependencies; drop them so it bundles the patched v86.
  rmSync(join(root, "node_modules", ".vite"), { recursive: true, force: true });
}

// Gives v86 a JIT table of JIT_TABLE_SIZE modules instead of 900. Run by `npm ci` (postinstall).
//
// Why: v86 keeps at most 900 compiled wasm modules (WASM_TABLE_SIZE, a constant in its Rust source
// and its JS) and drops all of them when a new one finds the table full. A `docker run` needs more
// than 900 once all its code has turned hot, so every ~6th run started from an empty table and
// took 2 to 3 times as long (issue 8). The npm package has no setting for it, so this rewrites the
// places that hold the size in the package's build, checked byte by byte against the build it was
// written for (v86 0.5.462+g5f9a90f). Another build is refused with a message, never guessed at.
//
// Where the size lives:
// - v86.wasm, JitState::create_and_initialise: the free list of table indices, a Vec<u16> of
//   1..=899 that rustc filled with a SIMD loop (32 entries a turn) and three single stores. We
//   change its allocation, capacity, length and the loop's end. The three single stores then
//   write entries 896 to 898 with the values the loop already wrote there, so they stay.
// - libv86.mjs: the WebAssembly.Table it creates (1024 + size), and jit_clear_all_funcs, which
//   empties the table's slots when a state is restored.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { JIT_TABLE_SIZE, STOCK_JIT_TABLE_SIZE, WASM_TABLE_OFFSET } from "../worker/core/vm/jit-table";

const STOCK_WASM_SHA256 = "aa0d0e149d6b60063b85de4871e78505637ce92821e14a9f9802c4008ba2336e";
const STOCK_LIB_SHA256 = "581c169db27daad9d64679bd117f4a90c37c23c6ad9e660b7e89ee731eb2a446";

/** Free-list entries: table slots 1..size-1 (slot 0 is never handed out). */
const entries = (tableSize: number) => tableSize - 1;

/** An `i32.const` whose 2-byte LEB128 operand is rewritten in place, so no offset in the module moves. */
interface ConstSite {
  /** of the opcode, in the stock v86.wasm */
  offset: number;
  what: string;
  /** the operand in the stock build */
  stock: number;
  /** the operand for a free list of n entries */
  value: (n: number) => number;
}

const CAPACITY: ConstSite = { offset: 0x177430, what: "free list capacity", stock: 899, value: (n) => n };
const WASM_SITES: ConstSite[] = [
  { offset: 0x177410, what: "free list allocation (bytes)", stock: 1798, value: (n) => 2 * n },
  CAPACITY,
  // stock: 896 entries by the loop, the last three by the single stores
  { offset: 0x1774db, what: "fill loop end (bytes)", stock: 1792, value: (n) => 2 * n },
  { offset: 0x177503, what: "free list length", stock: 899, value: (n) => n },
  { offset: 0x177603, what: "allocation failure's size (bytes)", stock: 1798, value: (n) => 2 * n },
];

/**
 * Sizes this script can write: the loop fills 32 entries a turn; the three single stores still
 * write entries 896 to 898, so the list must reach past them; 2 * entries stays a 2-byte operand.
 */
export function isWritableSize(tableSize: number): boolean {
  const n = entries(tableSize);
  if (tableSize === STOCK_JIT_TABLE_SIZE) return true;
  return Number.isInteger(n) && n % 32 === 0 && n > entries(STOCK_JIT_TABLE_SIZE) && 2 * n < 1 << 13;
}

function checkSize(tableSize: number): void {
  if (!isWritableSize(tableSize)) {
    throw new RangeError(`JIT table size ${tableSize}: ${STOCK_JIT_TABLE_SIZE}, or 1 more than a multiple of 32 from 929 to 4065`);
  }
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** A site's operand for a table of `tableSize`, the stock size included. */
const operand = (site: ConstSite, tableSize: number) =>
  tableSize === STOCK_JIT_TABLE_SIZE ? site.stock : site.value(entries(tableSize));

/** A 2-byte signed LEB128, as rustc emitted these operands. */
const sleb2 = (value: number) => [(value & 0x7f) | 0x80, value >> 7];

/** The 2-byte LEB128 operand of the i32.const at `offset`, or undefined if there is none. */
function readConst(wasm: Uint8Array, offset: number): number | undefined {
  const [op, lo = 0, hi = 0xff] = wasm.subarray(offset, offset + 3);
  return op === 0x41 && lo & 0x80 && !(hi & 0xc0) ? (lo & 0x7f) | (hi << 7) : undefined;
}

/** A copy of `wasm` with every site's operand for a table of `tableSize`. */
function writeSites(wasm: Uint8Array, tableSize: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(wasm);
  for (const site of WASM_SITES) out.set([0x41, ...sleb2(operand(site, tableSize))], site.offset);
  return out;
}

/**
 * The JIT table size this v86.wasm keeps if it is the known build, stock or written by this script
 * to any size; undefined for any other build.
 */
export function wasmTableSize(wasm: Uint8Array): number | undefined {
  if (sha256(wasm) === STOCK_WASM_SHA256) return STOCK_JIT_TABLE_SIZE;
  const capacity = readConst(wasm, CAPACITY.offset);
  if (capacity === undefined || !isWritableSize(capacity + 1)) return undefined;
  const size = capacity + 1;
  // Ours if every site holds its operand for `size` and the stock operands give back the stock build.
  const sitesHold = Buffer.compare(writeSites(wasm, size), wasm) === 0;
  return sitesHold && sha256(writeSites(wasm, STOCK_JIT_TABLE_SIZE)) === STOCK_WASM_SHA256 ? size : undefined;
}

/** The known v86.wasm with a JIT table of `tableSize`; throws for any other build. */
export function wasmWithTableSize(wasm: Uint8Array, tableSize = JIT_TABLE_SIZE): Uint8Array<ArrayBuffer> {
  checkSize(tableSize);
  if (wasmTableSize(wasm) === undefined) throw new Error(notTheKnownBuild("v86.wasm"));
  return writeSites(wasm, tableSize);
}

const libTable = (size: number) => `new WebAssembly.Table({element:"anyfunc",initial:${WASM_TABLE_OFFSET + size}})`;
const libClearAll = (size: number) => `for(let b=0;${size}>b;b++)a.set(${WASM_TABLE_OFFSET}+b,null)`;
const LIB_TABLE = /new WebAssembly\.Table\(\{element:"anyfunc",initial:(\d+)\}\)/g;

/** libv86.mjs with the size in both its places swapped from `from` to `to`. */
function swapLibSize(lib: string, from: number, to: number): string | undefined {
  let out = lib;
  for (const site of [libTable, libClearAll]) {
    if (out.split(site(from)).length !== 2) return undefined;
    out = out.replace(site(from), site(to));
  }
  return out;
}

/** The JIT table size this libv86.mjs creates, if it is the known build, stock or patched; else undefined. */
export function libTableSize(lib: string): number | undefined {
  // (v86 makes a second table, of 1024 and for another use)
  const sizes = [...lib.matchAll(LIB_TABLE)].map((m) => Number(m[1]) - WASM_TABLE_OFFSET).filter((n) => n > 0);
  if (sizes.length !== 1) return undefined;
  const size = sizes[0]!;
  const stock = swapLibSize(lib, size, STOCK_JIT_TABLE_SIZE);
  return stock !== undefined && sha256(stock) === STOCK_LIB_SHA256 ? size : undefined;
}

/** The known libv86.mjs with a JIT table of `tableSize`; throws for any other build. */
export function libWithTableSize(lib: string, tableSize = JIT_TABLE_SIZE): string {
  checkSize(tableSize);
  const size = libTableSize(lib);
  if (size === undefined) throw new Error(notTheKnownBuild("libv86.mjs"));
  return swapLibSize(lib, size, tableSize)!;
}

function notTheKnownBuild(file: string): string {
  return (
    `v86's ${file} is not the build scripts/v86-jit-table.ts was written for (v86 0.5.462+g5f9a90f). ` +
    `Its JIT table would stay at ${STOCK_JIT_TABLE_SIZE} modules, flushed every ~6 docker runs. ` +
    `Find the sites again in the new build (wasm-objdump -d, JitState::create_and_initialise) or pin v86 back.`
  );
}

/** Replaces a file at once, so an interrupted install leaves the old one or the new one. */
function writeAtomically(path: string, data: Uint8Array | string): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

/** Gives the v86 build in `v86Build` (node_modules/v86/build) a JIT table of JIT_TABLE_SIZE; says what it did. */
export function patchInstalledV86(v86Build: string): string {
  const wasmPath = join(v86Build, "v86.wasm");
  const libPath = join(v86Build, "libv86.mjs");
  const wasm = new Uint8Array(readFileSync(wasmPath));
  const lib = readFileSync(libPath, "utf8");
  if (wasmTableSize(wasm) === JIT_TABLE_SIZE && libTableSize(lib) === JIT_TABLE_SIZE) return `v86: JIT table already ${JIT_TABLE_SIZE} modules`;
  // Both are made before either is written: a wasm handing out slots beyond the JS table would trap.
  const [newWasm, newLib] = [wasmWithTableSize(wasm), libWithTableSize(lib)];
  writeAtomically(wasmPath, newWasm);
  writeAtomically(libPath, newLib);
  return `v86: JIT table ${STOCK_JIT_TABLE_SIZE} -> ${JIT_TABLE_SIZE} modules`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  console.log(patchInstalledV86(join(root, "node_modules", "v86", "build")));
  // Vite's dev server keeps pre-bundled dependencies; drop them so it bundles the patched v86.
  rmSync(join(root, "node_modules", ".vite"), { recursive: true, force: true });
}

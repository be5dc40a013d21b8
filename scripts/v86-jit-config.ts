// Writes Dockyard's JIT set-up (worker/core/vm/jit-config.ts) into the v86 build npm installed:
// the module table's size, and a hotness threshold the emulator can set. Run by `npm ci`
// (postinstall).
//
// v86 has no setting for either, so this rewrites the instructions that hold them, checked byte
// for byte against the build it was written for (v86 0.5.462+g5f9a90f). Another build is refused
// with a message, never guessed at. The rewritten instructions keep their length, so no function
// changes size; the code section as a whole moves by the few bytes the new global and its export take.
//
// Where they live:
// - v86.wasm, JitState::create_and_initialise: the table's free list of slots, a Vec<u16> of
//   1..=899 that rustc filled with a SIMD loop (32 entries a turn) and three single stores. We
//   change its allocation, capacity, length and the loop's end. The three single stores then
//   write entries 896 to 898 with the values the loop already wrote there, so they stay.
// - v86.wasm, main_loop: jit_increase_hotness_and_maybe_compile inlined, comparing a page's
//   hotness with the constant JIT_THRESHOLD. We make it compare with a new mutable global,
//   exported as JIT_THRESHOLD_EXPORT and starting at v86's own value.
// - libv86.mjs: the WebAssembly.Table it creates (1024 + size), and jit_clear_all_funcs, which
//   empties the table's slots when a state is restored.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { JIT_TABLE_SIZE, JIT_THRESHOLD_EXPORT, STOCK_JIT, WASM_TABLE_OFFSET } from "../worker/core/vm/jit-config";

const STOCK_WASM_SHA256 = "aa0d0e149d6b60063b85de4871e78505637ce92821e14a9f9802c4008ba2336e";
const STOCK_LIB_SHA256 = "581c169db27daad9d64679bd117f4a90c37c23c6ad9e660b7e89ee731eb2a446";

/** What a known v86.wasm has: v86's own build, or one this script wrote. */
export interface WasmJit {
  tableSize: number;
  /** the hotness threshold is read from the exported global (false: v86's constant) */
  settableThreshold: boolean;
}

/** Free-list entries: table slots 1..size-1 (slot 0 is never handed out). */
const entries = (tableSize: number) => tableSize - 1;

/** An `i32.const` with a 2-byte LEB128 operand that depends on the table size, rewritten in place. */
interface TableSite {
  /** of the opcode, in the stock v86.wasm's layout */
  offset: number;
  /** its operand in the stock build */
  stock: number;
  /** its operand for a free list of n entries */
  value: (n: number) => number;
}

/** the free list's capacity */
const CAPACITY: TableSite = { offset: 0x177430, stock: 899, value: (n) => n };
const TABLE_SITES: TableSite[] = [
  { offset: 0x177410, stock: 1798, value: (n) => 2 * n }, // the free list's allocation, in bytes
  CAPACITY,
  // the fill loop's end, in bytes (stock: 896 entries by the loop, the last three by the single stores)
  { offset: 0x1774db, stock: 1792, value: (n) => 2 * n },
  { offset: 0x177503, stock: 899, value: (n) => n }, // the free list's length
  { offset: 0x177603, stock: 1798, value: (n) => 2 * n }, // the size the allocation-failure path reports
];
const operand = (site: TableSite, tableSize: number) => (tableSize === STOCK_JIT.tableSize ? site.stock : site.value(entries(tableSize)));

/**
 * main_loop's hotness test, `hotness < JIT_THRESHOLD` (then skip the compile), in the stock
 * layout: local.get 3 (the page's new hotness), i32.const 200000, i32.lt_u. Ours compares with
 * global 1 instead (global 0 is rustc's stack pointer, v86.wasm's only one), padded with nops.
 */
const THRESHOLD_OFFSET = 0x15b97c;
const STOCK_THRESHOLD_TEST = [0x20, 0x03, 0x41, 0xc0, 0x9a, 0x0c, 0x49];
const GLOBAL_THRESHOLD_TEST = [0x20, 0x03, 0x23, 0x01, 0x49, 0x01, 0x01];
const THRESHOLD_GLOBAL = 1;

/** Table sizes this script can write: the loop fills 32 entries a turn; the three single stores still
 * write entries 896 to 898, so the list must reach past them; 2 * entries stays a 2-byte operand. */
export function isWritableTableSize(tableSize: number): boolean {
  const n = entries(tableSize);
  if (tableSize === STOCK_JIT.tableSize) return true;
  return Number.isInteger(n) && n % 32 === 0 && n > entries(STOCK_JIT.tableSize) && 2 * n < 1 << 13;
}

function checkTableSize(tableSize: number): void {
  if (!isWritableTableSize(tableSize)) {
    throw new RangeError(`JIT table size ${tableSize}: ${STOCK_JIT.tableSize}, or 1 more than a multiple of 32 from 929 to 4065`);
  }
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
const same = (a: Uint8Array, b: ArrayLike<number>) => a.length === b.length && a.every((x, i) => x === b[i]);

/** An unsigned LEB128, as short as it goes. */
function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    const byte = value & 0x7f;
    value >>>= 7;
    out.push(value ? byte | 0x80 : byte);
  } while (value);
  return out;
}

/** A fixed-length signed LEB128 of a non-negative value (every byte but the last has its high bit). */
function fixedLeb(value: number, length: number): number[] {
  return Array.from({ length }, (_, i) => ((value >> (7 * i)) & 0x7f) | (i < length - 1 ? 0x80 : 0));
}

function readUleb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[at++];
    if (b === undefined || shift > 28) throw new RangeError("bad LEB128");
    value += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return [value, at];
  }
}

/** The operand of the site's i32.const, or undefined if the bytes there are not one of 2 bytes. */
function readTableSite(wasm: Uint8Array, { offset }: TableSite): number | undefined {
  const [op, lo, hi] = [wasm[offset], wasm[offset + 1] ?? 0, wasm[offset + 2] ?? 0xff];
  if (op !== 0x41 || !(lo & 0x80) || hi & 0xc0) return undefined;
  return (lo & 0x7f) | (hi << 7);
}

interface Section {
  id: number;
  body: Uint8Array;
}

function sections(wasm: Uint8Array): Section[] {
  const out: Section[] = [];
  for (let at = 8; at < wasm.length; ) {
    const id = wasm[at]!;
    const [size, start] = readUleb(wasm, at + 1);
    out.push({ id, body: wasm.subarray(start, start + size) });
    at = start + size;
  }
  return out;
}

function assemble(header: Uint8Array, parts: Section[]): Uint8Array<ArrayBuffer> {
  const chunks = [header, ...parts.flatMap(({ id, body }) => [Uint8Array.from([id, ...uleb(body.length)]), body])];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
}

/** A vector section (count, then entries) with one entry appended. */
function appendEntry(body: Uint8Array, entry: number[]): Uint8Array {
  const [count, rest] = readUleb(body, 0);
  return Uint8Array.from([...uleb(count + 1), ...body.subarray(rest), ...entry]);
}

const GLOBAL_SECTION = 6;
const EXPORT_SECTION = 7;
/** global 1: a mutable i32 starting at v86's own threshold (i32.const … end) */
const THRESHOLD_GLOBAL_ENTRY = [0x7f, 0x01, 0x41, ...fixedLeb(STOCK_JIT.hotnessThreshold, 3), 0x0b];
const name = new TextEncoder().encode(JIT_THRESHOLD_EXPORT);
/** the global's export: name, kind 3 (global), index */
const THRESHOLD_EXPORT_ENTRY = [...uleb(name.length), ...name, 0x03, THRESHOLD_GLOBAL];

/** v86's own v86.wasm made ours: the table sites for `tableSize`, and the threshold in a global. */
function writeOurs(stock: Uint8Array, tableSize: number): Uint8Array<ArrayBuffer> {
  const code = new Uint8Array(stock);
  for (const site of TABLE_SITES) code.set([0x41, ...fixedLeb(operand(site, tableSize), 2)], site.offset);
  code.set(GLOBAL_THRESHOLD_TEST, THRESHOLD_OFFSET);
  // The global and its export go in sections before the code: the code moves as one block, and
  // nothing in the module refers to a byte offset of it.
  const parts = sections(code).map((s) =>
    s.id === GLOBAL_SECTION ? { ...s, body: appendEntry(s.body, THRESHOLD_GLOBAL_ENTRY) } : s.id === EXPORT_SECTION ? { ...s, body: appendEntry(s.body, THRESHOLD_EXPORT_ENTRY) } : s,
  );
  return assemble(code.subarray(0, 8), parts);
}

/**
 * The reverse of writeOurs, if `wasm` has the shape it writes: v86's own bytes and the table size
 * it read; else undefined.
 */
function readOurs(wasm: Uint8Array): { stock: Uint8Array<ArrayBuffer>; tableSize: number } | undefined {
  let parts: Section[];
  try {
    parts = sections(wasm);
  } catch {
    return undefined;
  }
  const withoutLast = (body: Uint8Array, entry: number[]): Uint8Array | undefined => {
    const [count, rest] = readUleb(body, 0);
    if (count < 1 || !same(body.subarray(body.length - entry.length), entry)) return undefined;
    return Uint8Array.from([...uleb(count - 1), ...body.subarray(rest, body.length - entry.length)]);
  };
  const restored: Section[] = [];
  for (const s of parts) {
    const entry = s.id === GLOBAL_SECTION ? THRESHOLD_GLOBAL_ENTRY : s.id === EXPORT_SECTION ? THRESHOLD_EXPORT_ENTRY : undefined;
    const body = entry ? withoutLast(s.body, entry) : s.body;
    if (!body) return undefined;
    restored.push({ ...s, body });
  }
  const stock = assemble(wasm.subarray(0, 8), restored);
  if (!same(stock.subarray(THRESHOLD_OFFSET, THRESHOLD_OFFSET + 7), GLOBAL_THRESHOLD_TEST)) return undefined;
  stock.set(STOCK_THRESHOLD_TEST, THRESHOLD_OFFSET);
  const capacity = readTableSite(stock, CAPACITY);
  if (capacity === undefined) return undefined;
  for (const site of TABLE_SITES) stock.set([0x41, ...fixedLeb(site.stock, 2)], site.offset);
  return { stock, tableSize: capacity + 1 };
}

/** readOurs, kept only if writing its result again gives `wasm` byte for byte (every table site agrees with the capacity). */
function verifiedOurs(wasm: Uint8Array): { stock: Uint8Array<ArrayBuffer>; tableSize: number } | undefined {
  const ours = readOurs(wasm);
  if (!ours || sha256(ours.stock) !== STOCK_WASM_SHA256 || !isWritableTableSize(ours.tableSize)) return undefined;
  return same(writeOurs(ours.stock, ours.tableSize), wasm) ? ours : undefined;
}

/** What this v86.wasm has if it is the known build, v86's own or written by this script; else undefined. */
export function wasmJitConfig(wasm: Uint8Array): WasmJit | undefined {
  if (sha256(wasm) === STOCK_WASM_SHA256) return { tableSize: STOCK_JIT.tableSize, settableThreshold: false };
  const ours = verifiedOurs(wasm);
  return ours && { tableSize: ours.tableSize, settableThreshold: true };
}

/**
 * What this script wrote before the threshold was settable (a constant in place of v86's), made
 * v86's own again; undefined if `wasm` is not that.
 */
function stockFromConstantThreshold(wasm: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  const test = wasm.subarray(THRESHOLD_OFFSET, THRESHOLD_OFFSET + 7);
  if (!same(test.subarray(0, 3), STOCK_THRESHOLD_TEST.slice(0, 3)) || test[6] !== 0x49) return undefined;
  const stock = new Uint8Array(wasm);
  stock.set(STOCK_THRESHOLD_TEST, THRESHOLD_OFFSET);
  for (const site of TABLE_SITES) stock.set([0x41, ...fixedLeb(site.stock, 2)], site.offset);
  return sha256(stock) === STOCK_WASM_SHA256 ? stock : undefined;
}

/** The known v86.wasm as v86 ships it, from any build of it this script wrote; throws for any other build. */
export function stockWasm(wasm: Uint8Array): Uint8Array<ArrayBuffer> {
  if (sha256(wasm) === STOCK_WASM_SHA256) return new Uint8Array(wasm);
  const stock = verifiedOurs(wasm)?.stock ?? stockFromConstantThreshold(wasm);
  if (!stock) throw new Error(notTheKnownBuild("v86.wasm"));
  return stock;
}

/** The known v86.wasm with a table of `tableSize` and the settable threshold; throws for any other build. */
export function wasmWithJitConfig(wasm: Uint8Array, tableSize = JIT_TABLE_SIZE): Uint8Array<ArrayBuffer> {
  checkTableSize(tableSize);
  return writeOurs(stockWasm(wasm), tableSize);
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
export function libWithTableSize(lib: string, tableSize = JIT_TABLE_SIZE): string {
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

const summary = ({ tableSize, settableThreshold }: WasmJit) => `table ${tableSize} modules, threshold ${settableThreshold ? "settable" : "constant"}`;

/** Gives the v86 build in `v86Build` (node_modules/v86/build) Dockyard's JIT set-up; says what it did. */
export function configureInstalledV86(v86Build: string): string {
  const wasmPath = join(v86Build, "v86.wasm");
  const libPath = join(v86Build, "libv86.mjs");
  const wasm = new Uint8Array(readFileSync(wasmPath));
  const lib = readFileSync(libPath, "utf8");
  const was = wasmJitConfig(wasm);
  const ours: WasmJit = { tableSize: JIT_TABLE_SIZE, settableThreshold: true };
  if (was?.tableSize === JIT_TABLE_SIZE && was.settableThreshold && libTableSize(lib) === JIT_TABLE_SIZE) return `v86 JIT: already ${summary(ours)}`;
  // Both are made before either is written: a wasm handing out slots beyond the JS table would trap.
  const [newWasm, newLib] = [wasmWithJitConfig(wasm), libWithTableSize(lib)];
  writeAtomically(wasmPath, newWasm);
  writeAtomically(libPath, newLib);
  return `v86 JIT: ${was ? summary(was) : "?"} -> ${summary(ours)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  console.log(configureInstalledV86(join(root, "node_modules", "v86", "build")));
  // Vite's dev server keeps pre-bundled dependencies; drop them so it bundles the patched v86.
  rmSync(join(root, "node_modules", ".vite"), { recursive: true, force: true });
}

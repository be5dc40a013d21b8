// Dockyard's JIT constants in v86: in the build npm installed (written by postinstall) and in the
// site `npm run build` wrote, which is what a browser runs.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCKYARD_JIT, STOCK_JIT, WASM_TABLE_OFFSET } from "../worker/core/vm/jit-config";
import { isWritableTableSize, isWritableThreshold, libTableSize, libWithTableSize, wasmJitConfig, wasmWithJitConfig } from "./v86-jit-config";

const root = join(import.meta.dirname, "..");
const installed = join(root, "node_modules", "v86", "build");
const wasm = new Uint8Array(readFileSync(join(installed, "v86.wasm")));
const lib = readFileSync(join(installed, "libv86.mjs"), "utf8");
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0; // (toEqual on 2 MB is slow)

describe("v86's JIT constants", () => {
  it("are Dockyard's in the installed build, its wasm and its JS", () => {
    expect(wasmJitConfig(wasm)).toEqual(DOCKYARD_JIT);
    expect(libTableSize(lib)).toBe(DOCKYARD_JIT.tableSize);
    expect(WebAssembly.validate(wasm)).toBe(true);
  });

  it("go back to v86's own build byte for byte, and from there to any writable config", () => {
    const stockWasm = wasmWithJitConfig(wasm, STOCK_JIT);
    const stockLib = libWithTableSize(lib, STOCK_JIT.tableSize);
    expect(wasmJitConfig(stockWasm)).toEqual(STOCK_JIT);
    expect(libTableSize(stockLib)).toBe(STOCK_JIT.tableSize);
    expect(stockLib).toContain(`initial:${WASM_TABLE_OFFSET + 900}}`);
    expect(same(wasmWithJitConfig(stockWasm), wasm)).toBe(true);
    expect(libWithTableSize(stockLib)).toBe(lib);
    const other = { tableSize: 929, hotnessThreshold: 1_000_000 };
    const small = wasmWithJitConfig(stockWasm, other);
    expect(wasmJitConfig(small)).toEqual(other);
    expect(WebAssembly.validate(small)).toBe(true);
    expect(libTableSize(libWithTableSize(stockLib, 929))).toBe(929);
  });

  it("refuse any other build, and values they cannot write", () => {
    const other = wasm.slice();
    other[1000] = other[1000]! ^ 1;
    expect(wasmJitConfig(other)).toBeUndefined();
    expect(() => wasmWithJitConfig(other)).toThrow(/not the build .* was written for/);
    expect(() => libWithTableSize(lib.replace("jit_clear_func", "jit_clear_fn"))).toThrow(/not the build/);
    for (const size of [897, 928, 930, 4097]) expect(isWritableTableSize(size)).toBe(false);
    for (const t of [0, 1 << 20, 1.5]) expect(isWritableThreshold(t)).toBe(false);
    expect(() => wasmWithJitConfig(wasm, { ...DOCKYARD_JIT, tableSize: 928 })).toThrow(RangeError);
  });

  it("are Dockyard's in the site `npm run build` wrote", () => {
    const assets = join(root, "dist", "assets");
    const files = readdirSync(assets);
    const wasms = files.filter((f) => /^v86.*\.wasm$/.test(f) && !f.includes("fallback"));
    expect(wasms).toHaveLength(1);
    expect(wasmJitConfig(new Uint8Array(readFileSync(join(assets, wasms[0]!))))).toEqual(DOCKYARD_JIT);
    const scripts = files.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(assets, f), "utf8"));
    // (minified: the quotes may change; v86's other table, of 1024, is for another use)
    const tables = scripts.flatMap((js) => [...js.matchAll(/new WebAssembly\.Table\(\{element:["`']anyfunc["`'],initial:(\d+)\}\)/g)]);
    expect(tables.map((m) => Number(m[1])).sort((a, b) => a - b)).toEqual([WASM_TABLE_OFFSET, WASM_TABLE_OFFSET + DOCKYARD_JIT.tableSize]);
  });
});

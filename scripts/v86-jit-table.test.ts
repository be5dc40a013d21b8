// The JIT table patch, on the v86 build npm installed (patched by postinstall) and on the site
// `npm run build` wrote, which is what a browser runs.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JIT_TABLE_SIZE, STOCK_JIT_TABLE_SIZE } from "../worker/core/vm/jit-table";
import { isWritableSize, libTableSize, libWithTableSize, wasmTableSize, wasmWithTableSize } from "./v86-jit-table";

const root = join(import.meta.dirname, "..");
const installed = join(root, "node_modules", "v86", "build");
const wasm = new Uint8Array(readFileSync(join(installed, "v86.wasm")));
const lib = readFileSync(join(installed, "libv86.mjs"), "utf8");

describe("v86's JIT table", () => {
  it("is JIT_TABLE_SIZE in the installed build, in its wasm and its JS", () => {
    expect(wasmTableSize(wasm)).toBe(JIT_TABLE_SIZE);
    expect(libTableSize(lib)).toBe(JIT_TABLE_SIZE);
    expect(WebAssembly.validate(wasm)).toBe(true);
  });

  it("goes back to v86's own build byte for byte, and from there to any writable size", () => {
    const stockWasm = wasmWithTableSize(wasm, STOCK_JIT_TABLE_SIZE);
    const stockLib = libWithTableSize(lib, STOCK_JIT_TABLE_SIZE);
    expect(wasmTableSize(stockWasm)).toBe(STOCK_JIT_TABLE_SIZE);
    expect(libTableSize(stockLib)).toBe(STOCK_JIT_TABLE_SIZE);
    expect(stockLib).toContain('initial:1924}');
    expect(Buffer.compare(wasmWithTableSize(stockWasm), wasm)).toBe(0); // (toEqual on 2 MB is slow)
    expect(libWithTableSize(stockLib)).toBe(lib);
    const small = wasmWithTableSize(stockWasm, 929);
    expect(wasmTableSize(small)).toBe(929);
    expect(WebAssembly.validate(small)).toBe(true);
    expect(libTableSize(libWithTableSize(stockLib, 929))).toBe(929);
  });

  it("refuses any other build, and sizes it cannot write", () => {
    const other = wasm.slice();
    other[1000] = other[1000]! ^ 1;
    expect(wasmTableSize(other)).toBeUndefined();
    expect(() => wasmWithTableSize(other)).toThrow(/not the build .* was written for/);
    expect(() => libWithTableSize(lib.replace("jit_clear_func", "jit_clear_fn"))).toThrow(/not the build/);
    for (const size of [897, 928, 930, 4097]) expect(isWritableSize(size)).toBe(false);
    expect(() => wasmWithTableSize(wasm, 928)).toThrow(RangeError);
  });

  it("is JIT_TABLE_SIZE in the site `npm run build` wrote", () => {
    const assets = join(root, "dist", "assets");
    const files = readdirSync(assets);
    const wasms = files.filter((f) => /^v86.*\.wasm$/.test(f) && !f.includes("fallback"));
    expect(wasms).toHaveLength(1);
    expect(wasmTableSize(new Uint8Array(readFileSync(join(assets, wasms[0]!))))).toBe(JIT_TABLE_SIZE);
    const scripts = files.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(assets, f), "utf8"));
    // (minified: the quotes may change; v86's other table, of 1024, is for another use)
    const tables = scripts.flatMap((js) => [...js.matchAll(/new WebAssembly\.Table\(\{element:["`']anyfunc["`'],initial:(\d+)\}\)/g)]);
    expect(tables.map((m) => Number(m[1])).sort()).toEqual([1024, 1024 + JIT_TABLE_SIZE]);
  });
});

// Dockyard's JIT set-up in v86: in the build npm installed (written by postinstall) and in the
// site `npm run build` wrote, which is what a browser runs.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JIT_TABLE_SIZE, JIT_THRESHOLD_EXPORT, STOCK_JIT, WASM_TABLE_OFFSET } from "../worker/core/vm/jit-config";
import { isWritableTableSize, libTableSize, libWithTableSize, stockWasm, wasmJitConfig, wasmWithJitConfig } from "./v86-jit-config";

const root = join(import.meta.dirname, "..");
const installed = join(root, "node_modules", "v86", "build");
const wasm = new Uint8Array(readFileSync(join(installed, "v86.wasm")));
const lib = readFileSync(join(installed, "libv86.mjs"), "utf8");
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0; // (toEqual on 2 MB is slow)
const OURS = { tableSize: JIT_TABLE_SIZE, settableThreshold: true };

/** The threshold global of a module, instantiated with v86's imports stubbed (none is called at start). */
function thresholdGlobal(module: WebAssembly.Module): WebAssembly.Global | undefined {
  const imports: Record<string, Record<string, unknown>> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    const stub = { function: () => () => 0, table: () => new WebAssembly.Table({ element: "anyfunc", initial: WASM_TABLE_OFFSET + JIT_TABLE_SIZE }) }[i.kind as string];
    if (!stub) throw new Error(`unexpected import kind ${i.kind}`);
    (imports[i.module] ??= {})[i.name] = stub();
  }
  const exports = new WebAssembly.Instance(module, imports as WebAssembly.Imports).exports;
  return exports[JIT_THRESHOLD_EXPORT] as WebAssembly.Global | undefined;
}

describe("v86's JIT set-up", () => {
  it("is Dockyard's in the installed build: its wasm (a settable threshold, starting at v86's own) and its JS", () => {
    expect(wasmJitConfig(wasm)).toEqual(OURS);
    expect(libTableSize(lib)).toBe(JIT_TABLE_SIZE);
    const threshold = thresholdGlobal(new WebAssembly.Module(wasm));
    expect(threshold?.value).toBe(STOCK_JIT.hotnessThreshold);
    threshold!.value = 1_000_000;
    expect(threshold!.value).toBe(1_000_000);
  });

  it("goes back to v86's own build byte for byte, and from there to any writable table size", () => {
    const stock = stockWasm(wasm);
    const stockLib = libWithTableSize(lib, STOCK_JIT.tableSize);
    expect(wasmJitConfig(stock)).toEqual({ tableSize: STOCK_JIT.tableSize, settableThreshold: false });
    expect(thresholdGlobal(new WebAssembly.Module(stock))).toBeUndefined();
    expect(libTableSize(stockLib)).toBe(STOCK_JIT.tableSize);
    expect(stockLib).toContain(`initial:${WASM_TABLE_OFFSET + 900}}`);
    expect(same(wasmWithJitConfig(stock), wasm)).toBe(true);
    expect(libWithTableSize(stockLib)).toBe(lib);
    const small = wasmWithJitConfig(stock, 929);
    expect(wasmJitConfig(small)).toEqual({ tableSize: 929, settableThreshold: true });
    expect(WebAssembly.validate(small)).toBe(true);
    expect(same(wasmWithJitConfig(small), wasm)).toBe(true);
    expect(libTableSize(libWithTableSize(stockLib, 929))).toBe(929);
  });

  it("refuses any other build, and table sizes it cannot write", () => {
    for (const at of [1000, wasm.length - 1000]) {
      const other = wasm.slice();
      other[at] = other[at]! ^ 1;
      expect(wasmJitConfig(other)).toBeUndefined();
      expect(() => wasmWithJitConfig(other)).toThrow(/not the build .* was written for/);
    }
    expect(() => libWithTableSize(lib.replace("jit_clear_func", "jit_clear_fn"))).toThrow(/not the build/);
    for (const size of [897, 928, 930, 4097]) expect(isWritableTableSize(size)).toBe(false);
    expect(() => wasmWithJitConfig(wasm, 928)).toThrow(RangeError);
  });

  it("is Dockyard's in the site `npm run build` wrote", () => {
    const assets = join(root, "dist", "assets");
    const files = readdirSync(assets);
    const wasms = files.filter((f) => /^v86.*\.wasm$/.test(f) && !f.includes("fallback"));
    expect(wasms).toHaveLength(1);
    expect(wasmJitConfig(new Uint8Array(readFileSync(join(assets, wasms[0]!))))).toEqual(OURS);
    const scripts = files.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(assets, f), "utf8"));
    // (minified: the quotes may change; v86's other table, of 1024, is for another use)
    const tables = scripts.flatMap((js) => [...js.matchAll(/new WebAssembly\.Table\(\{element:["`']anyfunc["`'],initial:(\d+)\}\)/g)]);
    expect(tables.map((m) => Number(m[1])).sort((a, b) => a - b)).toEqual([WASM_TABLE_OFFSET, WASM_TABLE_OFFSET + JIT_TABLE_SIZE]);
  });
});

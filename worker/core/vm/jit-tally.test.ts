import { describe, expect, it } from "vitest";
import { JitTally } from "./jit-tally";
import { JIT_TABLE_SIZE, STOCK_JIT } from "./jit-config";


describe("JitTally", () => {
  it.each([JIT_TABLE_SIZE, STOCK_JIT.tableSize])("counts a full table of %i freed module by module as one flush", (size) => {
    const t = new JitTally();
    for (let i = size - 1; i > 0; i--) t.compiled(i);
    for (let i = 1; i < size; i++) t.cleared();
    t.compiled(size - 1);
    expect(t.snapshot()).toEqual({ compiled: size, cleared: size - 1, flushes: 1, highestSlot: size - 1 });
  });

  it("does not count pages overwritten between compiles as flushes", () => {
    const t = new JitTally();
    for (let i = 0; i < 2000; i++) {
      t.compiled(1 + (i % 899));
      t.cleared();
      if (i % 3 === 0) t.cleared();
    }
    expect(t.snapshot()).toMatchObject({ compiled: 2000, flushes: 0 });
  });

  it("counts two flushes in a row and a restore's clear-all", () => {
    const t = new JitTally();
    for (let i = 0; i < JIT_TABLE_SIZE; i++) t.cleared();
    t.compiled(JIT_TABLE_SIZE - 1);
    for (let i = 0; i < JIT_TABLE_SIZE; i++) t.cleared();
    t.clearedAll();
    expect(t.snapshot().flushes).toBe(3);
  });
});

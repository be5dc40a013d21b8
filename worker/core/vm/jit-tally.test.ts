import { describe, expect, it } from "vitest";
import { JIT_TABLE_SIZE, JitTally } from "./jit-tally";

describe("JitTally", () => {
  it("counts a full table freed module by module as one flush", () => {
    const t = new JitTally();
    for (let i = 0; i < JIT_TABLE_SIZE; i++) t.compiled();
    for (let i = 0; i < JIT_TABLE_SIZE; i++) t.cleared();
    t.compiled();
    expect(t.snapshot()).toEqual({ compiled: JIT_TABLE_SIZE + 1, cleared: JIT_TABLE_SIZE, flushes: 1 });
  });

  it("does not count pages overwritten between compiles as flushes", () => {
    const t = new JitTally();
    for (let i = 0; i < 2000; i++) {
      t.compiled();
      t.cleared();
      if (i % 3 === 0) t.cleared();
    }
    expect(t.snapshot()).toMatchObject({ compiled: 2000, flushes: 0 });
  });

  it("counts two flushes in a row and a restore's clear-all", () => {
    const t = new JitTally();
    for (let i = 0; i < JIT_TABLE_SIZE; i++) t.cleared();
    t.compiled();
    for (let i = 0; i < JIT_TABLE_SIZE; i++) t.cleared();
    t.clearedAll();
    expect(t.snapshot().flushes).toBe(3);
  });
});

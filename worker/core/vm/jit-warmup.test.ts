import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { JitWarmup } from "./jit-warmup";

describe("JitWarmup", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("stays open until the first command, then puts the usual threshold back once", () => {
    const restore = vi.fn();
    const w = new JitWarmup(restore);
    vi.advanceTimersByTime(600_000); // no clock before the prompt: a slow resume keeps its window
    expect(w.open).toBe(true);
    expect(restore).not.toHaveBeenCalled();
    w.closeAfter(30_000);
    w.end();
    w.end();
    expect(restore).toHaveBeenCalledTimes(1);
    expect(w.open).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(restore).toHaveBeenCalledTimes(1);
  });

  it("closes by itself when no command comes after the prompt", () => {
    const restore = vi.fn();
    const w = new JitWarmup(restore);
    w.closeAfter(30_000);
    vi.advanceTimersByTime(29_999);
    expect(restore).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(restore).toHaveBeenCalledTimes(1);
    expect(w.open).toBe(false);
    w.closeAfter(30_000); // (closed: nothing more)
    vi.advanceTimersByTime(60_000);
    expect(restore).toHaveBeenCalledTimes(1);
  });
});

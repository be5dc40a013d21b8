import { afterEach, describe, expect, it, vi } from "vitest";
import { CONSOLE_BUFFER_BYTES, ConsoleInput, type ConsolePort } from "./console-input";

/** A guest with `free` receive buffers, which gets one back each time `run()` is called. */
function guest(free: number): ConsolePort & { received: Uint8Array[]; run(): void } {
  const received: Uint8Array[] = [];
  return {
    received,
    hasBuffer: () => free > 0,
    deliver(bytes) {
      if (free === 0) throw new Error("delivered with no buffer: v86 would drop these bytes");
      free--;
      received.push(bytes);
    },
    run: () => void free++,
  };
}

const text = (parts: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(parts));

describe("ConsoleInput", () => {
  afterEach(() => void vi.useRealTimers());

  it("hands a key over at once when the guest has a buffer", () => {
    const g = guest(32);
    new ConsoleInput(g).send(new TextEncoder().encode("l"));
    expect(text(g.received)).toBe("l");
  });

  it("keeps a burst longer than the guest's buffers, in order, and delivers it as buffers come back", () => {
    vi.useFakeTimers();
    const g = guest(3);
    const input = new ConsoleInput(g);
    const typed = "docker version --format '{{.Server.Version}}'\r";
    for (const ch of typed) input.send(new TextEncoder().encode(ch));
    expect(g.received.length).toBe(3); // one key per buffer while the burst came in
    for (let i = 0; i < 5; i++) {
      g.run();
      vi.advanceTimersByTime(10);
    }
    expect(text(g.received)).toBe(typed);
    expect(g.received.length).toBe(4); // the rest went as one buffer
  });

  it("splits a paste larger than a buffer", () => {
    const g = guest(32);
    const paste = new Uint8Array(CONSOLE_BUFFER_BYTES * 2 + 10).fill(0x61);
    new ConsoleInput(g).send(paste);
    expect(g.received.map((b) => b.length)).toEqual([CONSOLE_BUFFER_BYTES, CONSOLE_BUFFER_BYTES, 10]);
  });

  it("copies what it keeps: the caller may reuse its array", () => {
    vi.useFakeTimers();
    const g = guest(0);
    const input = new ConsoleInput(g);
    const key = new TextEncoder().encode("a");
    input.send(key);
    key[0] = 0x7a;
    g.run();
    vi.advanceTimersByTime(10);
    expect(text(g.received)).toBe("a");
  });

  it("drops what is pending when disposed, and stops retrying", () => {
    vi.useFakeTimers();
    const g = guest(0);
    const input = new ConsoleInput(g);
    input.send(new TextEncoder().encode("lost"));
    input.dispose();
    g.run();
    vi.advanceTimersByTime(100);
    expect(g.received).toEqual([]);
  });
});

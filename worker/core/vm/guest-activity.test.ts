import { afterEach, describe, expect, it, vi } from "vitest";
import { BUSY_INSTRUCTIONS_PER_S, IdleGate, watchGuestActivity } from "./guest-activity";

describe("watchGuestActivity", () => {
  afterEach(() => void vi.useRealTimers());

  it("reports the first sample, then only changes between busy and idle", () => {
    vi.useFakeTimers();
    let counter = 0;
    const seen: boolean[] = [];
    const { stop } = watchGuestActivity(() => counter, (busy) => seen.push(busy));
    // per second: idle (3 M), idle, busy (40 M), busy, idle
    for (const perSecond of [3e6, 3e6, 40e6, 40e6, 3e6]) {
      counter += perSecond;
      vi.advanceTimersByTime(1000);
    }
    expect(seen).toEqual([false, true, false]);
    stop();
    counter += 40e6;
    vi.advanceTimersByTime(5000);
    expect(seen).toEqual([false, true, false]);
  });

  it("counts a rate just over the threshold as busy", () => {
    vi.useFakeTimers();
    let counter = 0;
    const seen: boolean[] = [];
    const { stop } = watchGuestActivity(() => counter, (busy) => seen.push(busy));
    counter += BUSY_INSTRUCTIONS_PER_S * 1.1;
    vi.advanceTimersByTime(1000);
    stop();
    expect(seen).toEqual([true]);
  });
});

describe("watchGuestActivity, told of a command entered", () => {
  afterEach(() => void vi.useRealTimers());

  it("reports busy at once, then idle only after a whole quiet sample from the command on", () => {
    vi.useFakeTimers();
    let counter = 0;
    const seen: boolean[] = [];
    const activity = watchGuestActivity(() => counter, (busy) => seen.push(busy));
    counter += 3e6;
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([false]);
    vi.advanceTimersByTime(900);
    activity.commandEntered();
    expect(seen).toEqual([false, true]);
    vi.advanceTimersByTime(100); // where the old sample would have fallen: no sample now
    expect(seen).toEqual([false, true]);
    counter += 30e6; // the command runs
    vi.advanceTimersByTime(900);
    counter += 1e6; // and is done
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([false, true, false]);
    activity.commandEntered(); // a command that does little
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([false, true, false, true, false]);
    activity.stop();
  });
});

describe("IdleGate", () => {
  it("holds waiters until the guest is idle, and lets them through at once while it is", async () => {
    const gate = new IdleGate();
    let passed = 0;
    void gate.whenIdle().then(() => passed++);
    await Promise.resolve();
    expect(passed).toBe(0); // closed until the first report
    gate.setBusy(false);
    await Promise.resolve();
    expect(passed).toBe(1);
    await gate.whenIdle();
    gate.setBusy(true);
    void gate.whenIdle().then(() => passed++);
    await Promise.resolve();
    expect(passed).toBe(1);
    gate.setBusy(false);
    await Promise.resolve();
    expect(passed).toBe(2);
  });
});

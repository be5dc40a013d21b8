// Whether the guest is working or waiting, from its instruction rate: background jobs (the offline
// copy) hold back while it works, so they do not slow the user's commands on a 2-core machine.
// Measured in Node: a guest at its prompt executes ~2.8 M instructions per second (timers of the
// kernel, dockerd and containerd); a `docker run` 20 to 90 M.

/** Above this many guest instructions per second, the guest is busy. */
export const BUSY_INSTRUCTIONS_PER_S = 10e6;
const SAMPLE_MS = 1000;

export interface GuestActivity {
  stop(): void;
  /**
   * The user just entered a command: busy from now on, until a whole sample taken from now says
   * otherwise. The work a command starts shows in the rate only at the next sample, up to a second
   * later, and background downloads started meanwhile slow the command on a real network.
   */
  commandEntered(): void;
}

/**
 * Calls `onChange(busy)` once with the first sample, then whenever the guest turns busy or idle.
 * `instructions` is the guest's instruction counter.
 */
export function watchGuestActivity(instructions: () => number, onChange: (busy: boolean) => void): GuestActivity {
  let last = instructions();
  let lastAt = performance.now();
  let busy: boolean | undefined;
  const report = (next: boolean) => {
    if (next !== busy) onChange((busy = next));
  };
  const sample = () => {
    const now = instructions();
    const at = performance.now();
    const rate = ((now - last) * 1000) / Math.max(1, at - lastAt);
    [last, lastAt] = [now, at];
    report(rate > BUSY_INSTRUCTIONS_PER_S);
  };
  let timer = setInterval(sample, SAMPLE_MS);
  return {
    stop: () => clearInterval(timer),
    commandEntered() {
      clearInterval(timer);
      [last, lastAt] = [instructions(), performance.now()];
      timer = setInterval(sample, SAMPLE_MS);
      report(true);
    },
  };
}

/** A gate that background work passes only while the guest is idle. Closed until told otherwise. */
export class IdleGate {
  private idle = false;
  private waiters: (() => void)[] = [];

  setBusy(busy: boolean): void {
    this.idle = !busy;
    if (this.idle) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves at once while the guest is idle, otherwise when it next is. */
  whenIdle(): Promise<void> {
    return this.idle ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

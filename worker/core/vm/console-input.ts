// Keys and pastes on their way to the guest's console (hvc0), held until the guest has room.
// v86 copies console input into a receive buffer the guest has posted, and drops it when there is
// none. Linux posts 32 of them, one page each, and gets them back only when it runs: keys that reach
// the worker while it is busy emulating arrive as a burst of one-byte sends, and everything past the
// 32nd was lost (measured: 300 keys sent at once, not one line of them arrived whole). Here pending
// bytes are merged, handed over one buffer at a time, and retried until the guest has taken them all.

import { concatBytes } from "../bytes";

/** The guest's end of the console, as v86 exposes it. */
export interface ConsolePort {
  /** whether the guest has a receive buffer posted */
  hasBuffer(): boolean;
  /** copies bytes into the next receive buffer */
  deliver(bytes: Uint8Array): void;
}

/** Linux's virtio console posts page-sized receive buffers. */
export const CONSOLE_BUFFER_BYTES = 4096;
/** How soon to look again when the guest has no buffer free. */
const RETRY_MS = 4;

export class ConsoleInput {
  private pending: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly port: ConsolePort) {}

  send(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes.slice());
    if (this.timer === undefined) this.pump(); // otherwise the retry delivers it, in order
  }

  /** Drops what the guest has not taken yet (the machine is going away). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }

  private pump(): void {
    this.timer = undefined;
    while (this.pending.length > 0 && this.port.hasBuffer()) this.port.deliver(this.take(CONSOLE_BUFFER_BYTES));
    if (this.pending.length > 0) this.timer = setTimeout(() => this.pump(), RETRY_MS);
  }

  /** Up to `max` pending bytes, oldest first, as one array; the rest stays pending. */
  private take(max: number): Uint8Array {
    const all = this.pending.length === 1 ? this.pending[0]! : concatBytes(this.pending);
    this.pending = all.length > max ? [all.subarray(max)] : [];
    return all.subarray(0, max);
  }
}

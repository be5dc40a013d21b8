// Runs commands in the guest on a serial port of their own (ttyS1), apart from the user's console.
// The guest end is images/vm/overlay/usr/local/bin/dockyard-agent. Protocol:
//   host → guest   "RUN <nonce> <length of the script in bytes>\n", then the bash script's bytes
//                  (as they are: the agent reads its raw tty through a pipe, exactly that many)
//   guest → host   the command's output bytes (stdout and stderr merged), then
//                  "\x1eDOCKYARD-EXIT <nonce> <status>\n"
// Commands run one at a time, in the order they were asked.
import { concatBytes } from "../bytes";

export interface ExecResult {
  status: number;
  /** all output, when collected (see ExecOptions.collect) */
  output: Uint8Array;
}

export interface ExecOptions {
  onOutput?: (bytes: Uint8Array) => void;
  /** keep the output in the result (default true) */
  collect?: boolean;
}

const encoder = new TextEncoder();

interface Running {
  trailer: Uint8Array;
  options: ExecOptions;
  collected: Uint8Array[];
  /** bytes held back because they may be the start of the trailer */
  held: number[];
  /** output not yet handed to onOutput: flushed once per task, not per byte */
  unflushed: number[];
  resolve: (r: ExecResult) => void;
}

export class ExecChannel {
  private queue: Promise<unknown> = Promise.resolve();
  private running: Running | undefined;
  private statusDigits = "";
  private readingStatus = false;

  /** `send` writes bytes to the guest's ttyS1. */
  constructor(private readonly send: (bytes: Uint8Array) => void) {}

  run(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    // bash drops NUL bytes as it reads, so the agent would wait for bytes that never come.
    if (script.includes("\0")) return Promise.reject(new Error("a guest command cannot contain NUL bytes"));
    const next = this.queue.then(() => this.start(script, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private start(script: string, options: ExecOptions): Promise<ExecResult> {
    const nonce = Math.random().toString(36).slice(2, 12);
    return new Promise<ExecResult>((resolve) => {
      this.running = {
        trailer: encoder.encode(`\x1eDOCKYARD-EXIT ${nonce} `),
        options,
        collected: [],
        held: [],
        unflushed: [],
        resolve,
      };
      const bytes = encoder.encode(script);
      this.send(concatBytes([encoder.encode(`RUN ${nonce} ${bytes.length}\n`), bytes]));
    });
  }

  /** One byte of ttyS1 output. */
  push(byte: number): void {
    const r = this.running;
    if (!r) return; // noise before a command (the agent's start-up) is dropped
    if (this.readingStatus) {
      if (byte === 10) this.finish(r);
      else this.statusDigits += String.fromCharCode(byte);
      return;
    }
    r.held.push(byte);
    // Keep holding while the held bytes are a prefix of the trailer; release what cannot be.
    while (r.held.length > 0 && !isPrefix(r.held, r.trailer)) {
      // Release bytes up to the next possible start of the trailer.
      let cut = 1;
      while (cut < r.held.length && r.held[cut] !== r.trailer[0]) cut++;
      this.deliver(r, r.held.splice(0, cut));
    }
    if (r.held.length === r.trailer.length) {
      r.held = [];
      this.readingStatus = true;
    }
  }

  private deliver(r: Running, bytes: number[]): void {
    if (r.unflushed.length === 0) queueMicrotask(() => this.flush(r));
    for (const b of bytes) r.unflushed.push(b);
  }

  private flush(r: Running): void {
    if (r.unflushed.length === 0) return;
    const bytes = Uint8Array.from(r.unflushed);
    r.unflushed = [];
    r.options.onOutput?.(bytes);
    if (r.options.collect !== false) r.collected.push(bytes);
  }

  private finish(r: Running): void {
    this.flush(r);
    const status = Number.parseInt(this.statusDigits, 10);
    this.statusDigits = "";
    this.readingStatus = false;
    this.running = undefined;
    const total = r.collected.reduce((n, c) => n + c.length, 0);
    const output = new Uint8Array(total);
    let at = 0;
    for (const c of r.collected) {
      output.set(c, at);
      at += c.length;
    }
    r.resolve({ status: Number.isNaN(status) ? 255 : status, output });
  }
}

function isPrefix(held: number[], trailer: Uint8Array): boolean {
  if (held.length > trailer.length) return false;
  for (let i = 0; i < held.length; i++) if (held[i] !== trailer[i]) return false;
  return true;
}

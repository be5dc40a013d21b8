// A booted Dockyard guest: the emulator plus what we read from it (boot stages), the user's
// console as a byte stream, and the exec channel. No DOM, no Node APIs: both platforms use it.
import { BootStageTracker, BOOT_STAGES, type BootEvent, type BootStage } from "./boot-stages";
import { Emulator, type EmulatorOptions } from "./emulator";
import { ExecChannel, type ExecOptions, type ExecResult } from "./exec-channel";
import { JIT_THRESHOLD, JIT_WARMUP_MAX_MS, WARMUP_JIT_THRESHOLD } from "./jit-config";
import { JitWarmup } from "./jit-warmup";

export type GuestMachineOptions = EmulatorOptions & {
  /** v86's hotness threshold while a restored guest waits for its first command (WARMUP_JIT_THRESHOLD when unset) */
  warmupJitThreshold?: number;
};

export class GuestFailure extends Error {
  override name = "GuestFailure";
}

/** Restoring a state and the guest's first answer after it; far more means the state is not usable. */
const THAW_TIMEOUT_MS = 90 * 1000;

/** Bytes as printf escapes (\xNN): the guest writes them with bash's builtin printf, no program started. */
function printfEscapes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
}

/** Ctrl-L: readline clears the screen and draws its prompt (and any half-typed line) again. */
const REDRAW = new Uint8Array([0x0c]);
/** Enter, as a terminal sends it: the user's command goes to the shell. */
const CARRIAGE_RETURN = 0x0d;

/** true when console input holds an Enter: a command of the user's starts. */
export function entersCommand(bytes: Uint8Array): boolean {
  return bytes.includes(CARRIAGE_RETURN);
}

type Listener<T> = (value: T) => void;

export class GuestMachine {
  readonly emulator: Emulator;
  private readonly tracker: BootStageTracker;
  private readonly exec: ExecChannel;
  private readonly bootListeners = new Set<Listener<BootEvent>>();
  private readonly consoleListeners = new Set<Listener<Uint8Array>>();
  private failure: string | undefined;
  /** the console size last asked for: a restored state brings the build machine's along */
  private consoleSize: [number, number] | undefined;
  /** open from a resume to the user's first command (a console line or run()) */
  private readonly warmup: JitWarmup | undefined;

  constructor(options: GuestMachineOptions) {
    this.tracker = new BootStageTracker((e) => {
      if (e.type === "failure") this.failure ??= e.reason;
      for (const fn of this.bootListeners) fn(e);
    });
    if (options.snapshot === undefined) this.emulator = new Emulator(options);
    else {
      const usual = options.jitThreshold ?? JIT_THRESHOLD;
      this.emulator = new Emulator({ ...options, jitThreshold: options.warmupJitThreshold ?? WARMUP_JIT_THRESHOLD });
      this.warmup = new JitWarmup(() => this.emulator.setJitThreshold(usual));
    }
    this.exec = new ExecChannel((bytes) => this.emulator.sendSerial(1, bytes));
    this.emulator.on("serial0-output-byte", (b) => this.tracker.push(b));
    this.emulator.on("serial1-output-byte", (b) => this.exec.push(b));
    this.emulator.on("virtio-console0-output-bytes", (bytes) => {
      for (const fn of this.consoleListeners) fn(bytes);
    });
    options.files.disk.onerror = (err) => this.fail(`the root disk could not be read: ${String(err)}`);
    if (options.snapshot !== undefined) void this.thaw();
  }

  /**
   * A restored guest is past every boot stage but still lives in the build machine's moment:
   * dockyard-thaw (in the guest) takes this visit's clock and entropy and waits for Docker; then the
   * console shell redraws its prompt. Only then are the stages reached.
   */
  private async thaw(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${THAW_TIMEOUT_MS / 1000} s`)), THAW_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.emulator.started, timeout]);
      if (this.consoleSize) this.emulator.resizeConsole(...this.consoleSize);
      const entropy = printfEscapes(crypto.getRandomValues(new Uint8Array(64)));
      const now = (Date.now() / 1000).toFixed(3);
      // Sourced into the agent's subshell rather than started as a script: one bash less to start
      // on the cold JIT of a restored guest.
      // (the exec channel itself: the thaw is not the user's first command)
      const r = await Promise.race([this.exec.run(`. dockyard-thaw ${now} '${entropy}'`), timeout]);
      if (r.status !== 0) throw new Error(`dockyard-thaw exited with ${r.status}: ${new TextDecoder().decode(r.output).slice(-300)}`);
      // The console shell drew its prompt on the terminal of the moment the state was saved, not on
      // this page's (a resize makes readline redraw it, but only when the size changed): draw it here.
      this.emulator.sendConsole(REDRAW);
      this.warmup?.closeAfter(JIT_WARMUP_MAX_MS);
      for (const stage of BOOT_STAGES) if (stage !== "downloading") this.tracker.reach(stage);
    } catch (err) {
      this.fail(`the saved state did not resume: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  get stage(): BootStage | undefined {
    return this.tracker.stage;
  }

  /** Stops waiting for the guest: the reason reaches every waiter. */
  fail(reason: string): void {
    this.failure ??= reason;
    for (const fn of this.bootListeners) fn({ type: "failure", reason });
  }

  onBoot(fn: Listener<BootEvent>): () => void {
    this.bootListeners.add(fn);
    return () => this.bootListeners.delete(fn);
  }

  onConsoleOutput(fn: Listener<Uint8Array>): () => void {
    this.consoleListeners.add(fn);
    return () => this.consoleListeners.delete(fn);
  }

  /** Resolves when `stage` is reached; rejects if the guest fails first or `timeoutMs` passes. */
  waitFor(stage: BootStage, timeoutMs: number): Promise<void> {
    const reached = (): boolean => {
      const now = this.tracker.stage;
      return now !== undefined && BOOT_STAGES.indexOf(now) >= BOOT_STAGES.indexOf(stage);
    };
    if (reached()) return Promise.resolve();
    if (this.failure) return Promise.reject(new GuestFailure(this.failure));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new GuestFailure(`the guest did not reach "${stage}" within ${Math.round(timeoutMs / 1000)} s (last stage: ${this.tracker.stage ?? "none"})`));
      }, timeoutMs);
      const off = this.onBoot((e) => {
        if (e.type === "failure") {
          clearTimeout(timer);
          off();
          reject(new GuestFailure(e.reason));
        } else if (reached()) {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
    });
  }

  /** Runs a bash script as root in the guest, apart from the console: a user's command (the harness's way to type). */
  run(script: string, options?: ExecOptions): Promise<ExecResult> {
    this.warmup?.end();
    return this.exec.run(script, options);
  }

  writeConsole(bytes: Uint8Array): void {
    if (entersCommand(bytes)) this.warmup?.end();
    this.emulator.sendConsole(bytes);
  }

  resizeConsole(cols: number, rows: number): void {
    this.consoleSize = [cols, rows];
    this.emulator.resizeConsole(cols, rows);
  }

  destroy(): Promise<void> {
    this.warmup?.end(); // (its timer would hold Node's event loop)
    return this.emulator.destroy();
  }
}

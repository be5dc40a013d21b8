// The window after a resume in which v86 compiles sooner than usual (jit-config.ts:
// WARMUP_JIT_THRESHOLD). It closes at the user's first command, or by itself a while after the
// prompt, and puts the usual threshold back: a low threshold pays only while the guest would
// otherwise idle.

export class JitWarmup {
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** The warm-up threshold is in force already (the emulator was made with it); `restore` puts the usual one back. */
  constructor(private readonly restore: () => void) {}

  get open(): boolean {
    return !this.closed;
  }

  /** The prompt is up: the window closes by itself `ms` from now unless a command closes it first. */
  closeAfter(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.end(), ms);
  }

  /** Closes the window (the user's first command); later calls do nothing. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.restore();
  }
}

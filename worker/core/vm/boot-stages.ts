// Follows a boot from the text the guest prints on its first serial port (ttyS0): kernel
// messages, and the "DOCKYARD-STAGE <name>" lines our init writes (images/vm/overlay/sbin/dockyard-init).

/** Where a boot is, in order. `docker-ready`: `docker` answers. */
export type BootStage = "downloading" | "kernel" | "initramfs" | "userspace" | "shell" | "docker-ready";

export const BOOT_STAGES: readonly BootStage[] = ["downloading", "kernel", "initramfs", "userspace", "shell", "docker-ready"];

export type BootEvent =
  | { type: "stage"; stage: BootStage }
  | { type: "failure"; reason: string };

const STAGE_LINE = /^DOCKYARD-STAGE (\S+)/;
const FAIL_LINE = /^DOCKYARD-FAIL (.*)/;
const PANIC_LINE = /Kernel panic - not syncing: (.*)/;

/** Feed it serial bytes; it calls `emit` for each stage reached and for a guest failure. */
export class BootStageTracker {
  private line = "";
  private reached = new Set<BootStage>();

  constructor(private readonly emit: (e: BootEvent) => void) {}

  get stage(): BootStage | undefined {
    let last: BootStage | undefined;
    for (const s of BOOT_STAGES) if (this.reached.has(s)) last = s;
    return last;
  }

  reach(stage: BootStage): void {
    if (this.reached.has(stage)) return;
    this.reached.add(stage);
    this.emit({ type: "stage", stage });
  }

  /** One byte of ttyS0 output. */
  push(byte: number): void {
    // The first byte from the guest means the kernel has started (the BIOS writes to the VGA screen only).
    this.reach("kernel");
    if (byte === 10) {
      this.onLine(this.line.replace(/\r$/, ""));
      this.line = "";
    } else if (this.line.length < 4096) {
      this.line += String.fromCharCode(byte);
    }
  }

  private onLine(line: string): void {
    const stage = STAGE_LINE.exec(line)?.[1];
    if (stage && (BOOT_STAGES as readonly string[]).includes(stage)) {
      this.reach(stage as BootStage);
      return;
    }
    const fail = FAIL_LINE.exec(line)?.[1] ?? PANIC_LINE.exec(line)?.[0];
    if (fail) this.emit({ type: "failure", reason: fail });
  }
}

// The same guest build under QEMU's software emulator (qemu-system-i386, TCG), driven through the
// same boot-stage tracker and exec channel as v86, so `npm run bench` compares like with like.
// The registry is our Node registry on a host port, reached through QEMU's user network.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BootStageTracker, BOOT_STAGES, type BootStage } from "../../core/vm/boot-stages";
import { ExecChannel, type ExecResult } from "../../core/vm/exec-channel";
import { BOOT_FILES, type GuestManifest } from "../../core/vm/guest-manifest";
import { RAW_DISK_PATH } from "./guest-files";

/** In QEMU's user network, the guest reaches host ports through this address. */
const QEMU_REGISTRY_ADDRESS = "10.0.2.100";

export class QemuGuest {
  private readonly proc: ChildProcess;
  private readonly tracker: BootStageTracker;
  private exec: ExecChannel | undefined;
  private socket: Socket | undefined;
  private readonly reached = new Map<BootStage, number>();
  private readonly waiters: (() => void)[] = [];
  readonly started = performance.now();

  constructor(guestDir: string, manifest: GuestManifest, registryPort: number) {
    const dir = mkdtempSync(join(tmpdir(), "qemu-"));
    const sock = join(dir, "ttyS1.sock");
    // QEMU's guestfwd runs this once per guest connection: stdin/stdout ↔ the host registry.
    // (A chardev guestfwd would carry only one connection, and dockerd opens several.)
    const pipe = join(dir, "pipe.cjs");
    writeFileSync(pipe, `const s = require("net").connect(${registryPort}, "127.0.0.1"); process.stdin.pipe(s); s.pipe(process.stdout); s.on("close", () => process.exit(0));\n`);
    this.tracker = new BootStageTracker((e) => {
      if (e.type === "stage") this.reached.set(e.stage, performance.now() - this.started);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.proc = spawn("qemu-system-i386", [
      "-accel", "tcg", "-m", "1024", "-nographic", "-no-reboot",
      "-kernel", join(guestDir, BOOT_FILES.kernel),
      "-initrd", join(guestDir, BOOT_FILES.initrd),
      "-append", manifest.cmdline,
      "-drive", `file=${RAW_DISK_PATH},format=raw,if=ide,snapshot=on`,
      "-serial", "stdio",
      "-chardev", `socket,id=s1,path=${sock},server=on,wait=off`, "-serial", "chardev:s1",
      "-device", "virtio-serial-pci", "-chardev", "null,id=hvc", "-device", "virtconsole,chardev=hvc",
      "-netdev", `user,id=n0,guestfwd=tcp:${QEMU_REGISTRY_ADDRESS}:5000-cmd:${process.execPath} ${pipe}`,
      "-device", "virtio-net-pci,netdev=n0",
      "-monitor", "none",
    ], { stdio: ["ignore", "pipe", "inherit"] });
    this.proc.stdout!.on("data", (b: Buffer) => {
      for (const byte of b) this.tracker.push(byte);
    });
    const tryConnect = () => {
      const s = connect(sock);
      s.on("connect", () => {
        this.socket = s;
        this.exec = new ExecChannel((bytes) => s.write(bytes));
        s.on("data", (b: Buffer) => {
          for (const byte of b) this.exec!.push(byte);
        });
      });
      s.on("error", () => setTimeout(tryConnect, 100));
    };
    setTimeout(tryConnect, 200);
  }

  stageMs(stage: BootStage): number | undefined {
    return this.reached.get(stage);
  }

  async waitFor(stage: BootStage, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const at = () => {
      const s = this.tracker.stage;
      return s !== undefined && BOOT_STAGES.indexOf(s) >= BOOT_STAGES.indexOf(stage);
    };
    while (!at()) {
      if (Date.now() > deadline) throw new Error(`QEMU guest did not reach ${stage}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 500);
      });
    }
  }

  /** Points the guest's registry names at the host's registry (QEMU's network differs from v86's). */
  async useHostRegistry(): Promise<void> {
    await this.run(`sed -i 's/^192.168.86.1 /${QEMU_REGISTRY_ADDRESS} /' /etc/hosts`);
  }

  run(script: string): Promise<ExecResult> {
    if (!this.exec) throw new Error("QEMU's exec channel is not connected yet");
    return this.exec.run(script);
  }

  stop(): void {
    this.socket?.destroy();
    this.proc.kill("SIGKILL");
  }
}

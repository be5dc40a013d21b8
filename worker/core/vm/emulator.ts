// The only module that touches v86. It builds the emulated PC Dockyard needs and exposes it
// through a small typed surface; v86's own d.ts is incomplete, so the parts we use are typed here.
import { V86 } from "v86";
import type { ChunkedDisk } from "./chunked-disk";

/** Guest RAM. Docker with a disk root needs ~180 MB once ready; containers and builds need the rest. */
export const MEMORY_BYTES = 1024 * 1024 * 1024;
/** Text-mode VGA only: nothing draws graphics. */
const VGA_MEMORY_BYTES = 2 * 1024 * 1024;

export interface BootFiles {
  bios: ArrayBuffer;
  vgaBios: ArrayBuffer;
  kernel: ArrayBuffer;
  initrd: ArrayBuffer;
  disk: ChunkedDisk;
  cmdline: string;
}

export interface EmulatorOptions {
  files: BootFiles;
  /** Where v86.wasm is: a path in Node, a URL in the browser. */
  wasmPath: string;
  /** A saved state to resume from instead of booting. */
  initialState?: ArrayBuffer;
  /** The virtio NIC's MTU (v86's default when unset). */
  mtu?: number;
}

/** A TCP connection the guest opened, as v86's network adapter hands it over. */
export interface GuestTcpConnection {
  /** the port the guest dialed */
  sport: number;
  /** the IPv4 address the guest dialed */
  psrc: Uint8Array;
  /** Must be called synchronously from the event, or the guest gets a reset. */
  accept(): void;
  on(event: "data", fn: (bytes: Uint8Array) => void): void;
  on(event: "close" | "shutdown", fn: () => void): void;
  write(bytes: Uint8Array): void;
  close(): void;
}

/** The events of v86's bus that Dockyard listens to. */
export interface EmulatorEvents {
  "tcp-connection": GuestTcpConnection;
  "serial0-output-byte": number;
  "serial1-output-byte": number;
  "virtio-console0-output-bytes": Uint8Array;
  "emulator-started": void;
  "emulator-stopped": void;
}

/** The slice of v86's API we use. */
interface V86Instance {
  add_listener<K extends keyof EmulatorEvents>(e: K, fn: (arg: EmulatorEvents[K]) => void): void;
  remove_listener<K extends keyof EmulatorEvents>(e: K, fn: (arg: EmulatorEvents[K]) => void): void;
  serial_send_bytes(port: number, data: Uint8Array): void;
  bus: { send(name: string, value: unknown): void };
  run(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
  save_state(): Promise<ArrayBuffer>;
  restore_state(state: ArrayBuffer): Promise<void>;
  get_instruction_counter(): number;
  v86: { cpu: { wm: { exports: Record<string, (...args: number[]) => number> } } };
}

export class Emulator {
  private readonly v86: V86Instance;
  private instructionsHigh = 0;
  private lastCounter = 0;

  constructor(options: EmulatorOptions) {
    const { files } = options;
    this.v86 = new V86({
      wasm_path: options.wasmPath,
      memory_size: MEMORY_BYTES,
      vga_memory_size: VGA_MEMORY_BYTES,
      bios: { buffer: files.bios },
      vga_bios: { buffer: files.vgaBios },
      bzimage: { buffer: files.kernel },
      initrd: { buffer: files.initrd },
      cmdline: files.cmdline,
      hda: files.disk,
      initial_state: options.initialState ? { buffer: options.initialState } : undefined,
      uart1: true, // ttyS1: the exec channel
      virtio_console: true, // hvc0: the user's console, 20x faster than a UART
      net_device: { type: "virtio", relay_url: "fetch", ...(options.mtu ? { mtu: options.mtu } : {}) },
      autostart: true,
      disable_keyboard: true,
      disable_mouse: true,
      disable_speaker: true,
    } as unknown as ConstructorParameters<typeof V86>[0]) as unknown as V86Instance;
  }

  on<K extends keyof EmulatorEvents>(event: K, fn: (arg: EmulatorEvents[K]) => void): () => void {
    this.v86.add_listener(event, fn);
    return () => this.v86.remove_listener(event, fn);
  }

  sendSerial(port: number, bytes: Uint8Array): void {
    this.v86.serial_send_bytes(port, bytes);
  }

  sendConsole(bytes: Uint8Array): void {
    this.v86.bus.send("virtio-console0-input-bytes", bytes);
  }

  /** NOTE: v86 with Debian's 6.1 kernel reads this pair as [rows, cols], not [cols, rows] as its d.ts says. */
  resizeConsole(cols: number, rows: number): void {
    this.v86.bus.send("virtio-console0-resize", [rows, cols]);
  }

  /** Guest instructions executed since boot; v86's counter is 32-bit, so wraps are tracked here. */
  instructions(): number {
    const now = this.v86.get_instruction_counter() >>> 0;
    if (now < this.lastCounter) this.instructionsHigh += 2 ** 32;
    this.lastCounter = now;
    return this.instructionsHigh + now;
  }

  destroy(): Promise<void> {
    return this.v86.destroy();
  }
}

// The only module that touches v86. It builds the emulated PC Dockyard needs and exposes it
// through a small typed surface; v86's own d.ts is incomplete, so the parts we use are typed here.
import { V86 } from "v86";
import type { ChunkedDisk } from "./chunked-disk";
import { ConsoleInput } from "./console-input";
import { JitTally, type JitCounters } from "./jit-tally";
import { JIT_THRESHOLD, JIT_THRESHOLD_EXPORT, WASM_TABLE_OFFSET } from "./jit-config";

/** Guest RAM. Docker with a disk root needs ~180 MB once ready; containers and builds need the rest. */
export const MEMORY_BYTES = 1024 * 1024 * 1024;
/** Text-mode VGA only: nothing draws graphics. */
const VGA_MEMORY_BYTES = 2 * 1024 * 1024;
/**
 * The guest RAM v86 may write while it loads a machine, all below 1 MiB: a page of its own at
 * 0xE000 and, on a cold boot, the BIOSes (a resume gets none: the state holds them in its RAM).
 * The rest of a new machine's RAM is zero (emulator.guest.test.ts checks both).
 */
export const RAM_LOADED_BY_V86 = 1024 * 1024;

/**
 * Guest pages per module of v86's JIT (its default: 3). V8 compiles every hot module a second time
 * with TurboFan, on background threads that take the CPU from the emulator on a 2-core machine (in
 * Chromium a `docker run` left the emulator's thread half the wall time; three compile threads had
 * the rest). One-page modules cost TurboFan far less: the first `docker run` after a resume 15.6 s
 * instead of 31.2 s in Node, later runs 6 to 7 s instead of 8 to 9 s. Two-page modules once the
 * first burst of compiles is over (v86's table then fills every ~15 runs instead of every 6) did
 * not pay: all of 30 runs took 225, 228 and 187 s against 273, 218 and 172 s with one page
 * throughout, alternating, Node. Each flush then costs more to recover from. With the larger table
 * (no flushes), 2 and 3 pages were still slower in Node: the first run after a resume 5.6 to 7.3 s
 * against 4.9 and 5.1 s, runs 2 to 10 3.2 to 3.4 s against 2.9 s (two resumes each, alternating).
 */
const JIT_MAX_PAGES = 1;
/** v86's set_jit_config keys */
const JIT_CONFIG_MAX_PAGES = 1;

/** What the emulated PC needs whether it boots or resumes a saved state. */
export interface MachineFiles {
  disk: ChunkedDisk;
}

/**
 * What a cold boot needs on top. The BIOSes too: a saved state holds them in its RAM (the system
 * BIOS's code, the VGA BIOS's copy) and a running Linux does not call into them, so a resume
 * fetches neither (171 kB of a cold visit's download).
 */
export interface BootFiles extends MachineFiles {
  bios: ArrayBuffer;
  vgaBios: ArrayBuffer;
  kernel: ArrayBuffer;
  initrd: ArrayBuffer;
  cmdline: string;
}

export type EmulatorOptions = {
  /** Where v86.wasm is: a path in Node, a URL in the browser. */
  wasmPath: string;
  /** The virtio NIC's MTU (v86's default when unset). */
  mtu?: number;
  /** Guest instructions interpreted on a page before v86 compiles it (jit-config.ts; JIT_THRESHOLD when unset). */
  jitThreshold?: number;
} & (
  | { files: BootFiles; snapshot?: undefined }
  /** Resume a state saved by save(), zstd-compressed or raw, instead of booting. */
  | { files: MachineFiles; snapshot: ArrayBuffer }
);

/** One look at the CPU (Emulator.sampleCpu). */
export interface CpuSample {
  /** guest instructions executed since the last sample */
  instructions: number;
  /** in the kernel (CPL 0) rather than a user program */
  kernel: boolean;
  /** the next instruction's linear address */
  eip: number;
  /** in the kernel: the base of the current CPU's per-CPU area */
  percpuBase: number | undefined;
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
  on(event: "close" | "shutdown" | "connect", fn: () => void): void;
  write(bytes: Uint8Array): void;
  close(): void;
}

/** The events of v86's bus that Dockyard listens to. */
export interface EmulatorEvents {
  "tcp-connection": GuestTcpConnection;
  "serial0-output-byte": number;
  "serial1-output-byte": number;
  "virtio-console0-output-bytes": Uint8Array;
  "emulator-loaded": void;
  "emulator-started": void;
  "emulator-stopped": void;
}

/** The slice of v86's API we use (exported for tests that load v86 with v86Settings). */
export interface V86Instance {
  add_listener<K extends keyof EmulatorEvents>(e: K, fn: (arg: EmulatorEvents[K]) => void): void;
  remove_listener<K extends keyof EmulatorEvents>(e: K, fn: (arg: EmulatorEvents[K]) => void): void;
  serial_send_bytes(port: number, data: Uint8Array): void;
  /** v86's event bus; `listeners`: each event's listeners, with the object each was registered for */
  bus: { send(name: string, value: unknown): void; listeners: Record<string, { this_value: unknown }[] | undefined> };
  run(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
  save_state(): Promise<ArrayBuffer>;
  restore_state(state: ArrayBuffer): Promise<void>;
  get_instruction_counter(): number;
  network_adapter: { connect(port: number): GuestTcpConnection };
  v86: { cpu: V86Cpu };
}

/** The exports of v86.wasm we use. */
interface V86Exports {
  set_jit_config(key: number, value: number): void;
  /** the hotness threshold, once scripts/v86-jit-config.ts has rewritten the build */
  [JIT_THRESHOLD_EXPORT]?: WebAssembly.Global<"i32">;
}

/** v86's CPU object: the JIT hooks its wasm calls back into, looked up on the object at each call. */
interface V86Cpu {
  wm: { exports: V86Exports; wasm_table: WebAssembly.Table };
  /** queue 0 of the virtio console: the guest's receive buffers for port 0 (hvc0) */
  devices: { virtio_console?: { virtio: { queues: { has_request(): boolean }[] } } };
  /** a compiled module's bytes are ready: (table slot, start, state flags, pointer, length) */
  codegen_finalize(slot: number, ...rest: number[]): void;
  jit_clear_func(index: number): void;
  jit_clear_all_funcs(): void;
  zero_memory(start: number, length: number): void;
  /** v86's wasm calls this between batches of guest instructions (~100,000 while the CPU is busy) */
  run_hardware_timers(...args: unknown[]): number;
  /** guest physical memory */
  mem8: Uint8Array;
  /** the state below: views into v86's wasm memory */
  cpl: Uint8Array;
  instruction_pointer: Int32Array;
  segment_offsets: Int32Array;
  instruction_counter: Uint32Array;
  /** 1 when the range is all zero, else 0 */
  is_memory_zeroed(start: number, length: number): number;
}

/** v86's settings for the emulated PC; without boot files (a resume) it loads no kernel. */
export function v86Settings(options: EmulatorOptions): ConstructorParameters<typeof V86>[0] {
  const { files, snapshot } = options;
  const boot = snapshot === undefined ? options.files : undefined;
  return {
    wasm_path: options.wasmPath,
    memory_size: MEMORY_BYTES,
    vga_memory_size: VGA_MEMORY_BYTES,
    bios: boot && { buffer: boot.bios },
    vga_bios: boot && { buffer: boot.vgaBios },
    // A resumed machine needs no kernel: its memory comes from the state.
    bzimage: boot && { buffer: boot.kernel },
    initrd: boot && { buffer: boot.initrd },
    cmdline: boot?.cmdline,
    hda: files.disk,
    uart1: true, // ttyS1: the exec channel
    virtio_console: true, // hvc0: the user's console, 20x faster than a UART
    net_device: { type: "virtio", relay_url: "fetch", ...(options.mtu ? { mtu: options.mtu } : {}) },
    // A restored guest keeps the MAC address it had when saved; without this, v86 would address
    // the frames it sends into the guest (connections to guest ports) to a new, random one.
    preserve_mac_from_state_image: true,
    autostart: boot !== undefined,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
  } as unknown as ConstructorParameters<typeof V86>[0];
}

export class Emulator {
  private readonly v86: V86Instance;
  private instructionsHigh = 0;
  private lastCounter = 0;
  /** Resolves once the CPU runs: at once for a boot, after restore_state for a snapshot. */
  readonly started: Promise<void>;
  private readonly jit = new JitTally();
  /** the hotness threshold asked for: set on v86 as it loads, and at once after that */
  private threshold: number;
  private readonly consoleInput = new ConsoleInput({
    // (v86.v86 is there once the emulator has loaded; before that, the keys wait)
    hasBuffer: () => this.v86.v86?.cpu.devices.virtio_console?.virtio.queues[0]?.has_request() ?? false,
    deliver: (bytes) => this.v86.bus.send("virtio-console0-input-bytes", bytes),
  });

  constructor(options: EmulatorOptions) {
    const { snapshot } = options;
    this.threshold = options.jitThreshold ?? JIT_THRESHOLD;
    this.v86 = new V86(v86Settings(options)) as unknown as V86Instance;
    this.started = snapshot === undefined ? Promise.resolve() : this.resume(snapshot);
    const off = this.on("emulator-loaded", () => {
      off();
      this.leavePort80();
      const cpu = this.v86.v86.cpu;
      cpu.wm.exports.set_jit_config(JIT_CONFIG_MAX_PAGES, JIT_MAX_PAGES);
      this.setJitThreshold(this.threshold);
      this.countJit(cpu);
    });
  }

  /**
   * v86's network adapter answers the guest's connections to port 80 of any address itself: it
   * turns each request into a fetch() from this thread, which reaches the playground's own origin
   * (same-origin) and any site that allows CORS, and it answers without a length or keep-alive,
   * which apt cannot use. Dockyard serves port 80 itself (net/outbound-http.ts), so v86's listener
   * is taken off the bus; without one of ours, the guest gets a reset, as from a closed port.
   * (v86 makes its adapter as it loads, before the guest runs.)
   */
  private leavePort80(): void {
    const listeners = this.v86.bus.listeners["tcp-connection"];
    if (listeners) this.v86.bus.listeners["tcp-connection"] = listeners.filter((l) => l.this_value !== this.v86.network_adapter);
  }

  private countJit(cpu: V86Cpu): void {
    const { codegen_finalize, jit_clear_func, jit_clear_all_funcs } = cpu;
    cpu.codegen_finalize = (slot, ...rest) => {
      this.jit.compiled(slot);
      codegen_finalize.call(cpu, slot, ...rest);
    };
    cpu.jit_clear_func = (index) => {
      this.jit.cleared();
      jit_clear_func.call(cpu, index);
    };
    cpu.jit_clear_all_funcs = () => {
      this.jit.clearedAll();
      jit_clear_all_funcs.call(cpu);
    };
  }

  /** Sets the hotness threshold v86's JIT uses (effective once it has loaded, if its build was rewritten). */
  setJitThreshold(value: number): void {
    this.threshold = value;
    const global = this.v86.v86?.cpu.wm.exports[JIT_THRESHOLD_EXPORT];
    if (global) global.value = value;
  }

  /** The hotness threshold v86's JIT uses; undefined before it has loaded, or if its build was not rewritten (npm ci does). */
  jitThreshold(): number | undefined {
    return this.v86.v86?.cpu.wm.exports[JIT_THRESHOLD_EXPORT]?.value;
  }

  jitCounters(): JitCounters {
    return this.jit.snapshot();
  }

  /** How many compiled modules v86's JIT keeps (JIT_TABLE_SIZE once scripts/v86-jit-config.ts has run). */
  jitTableSize(): number {
    return this.v86.v86.cpu.wm.wasm_table.length - WASM_TABLE_OFFSET;
  }

  /**
   * Restores explicitly rather than through v86's initial_state option, so that a state that
   * does not fit (another build, a damaged file) rejects here instead of throwing inside v86.
   */
  private async resume(snapshot: ArrayBuffer): Promise<void> {
    await new Promise<void>((resolve) => {
      const off = this.on("emulator-loaded", () => {
        off();
        resolve();
      });
    });
    // v86 sets all guest RAM to zero before it writes the state's pages: on 1 GiB the OS must then
    // commit every page, 0.56 s of a 1.2 s restore (Node). This machine has never run, so its RAM
    // is zero already but for what v86 wrote as it loaded: zero only that.
    const cpu = this.v86.v86.cpu;
    const zeroMemory = cpu.zero_memory;
    cpu.zero_memory = (start, length) => zeroMemory(start, Math.max(0, Math.min(length, RAM_LOADED_BY_V86 - start)));
    try {
      await this.v86.restore_state(snapshot);
    } finally {
      cpu.zero_memory = zeroMemory;
    }
    await this.v86.run();
  }

  /** Pauses the CPU (the machine stays as it is: save() it, or run() again). */
  stop(): Promise<void> {
    return this.v86.stop();
  }

  /** The whole machine (RAM, devices, the disk's written blocks) as v86's raw state format. */
  save(): Promise<ArrayBuffer> {
    return this.v86.save_state();
  }

  on<K extends keyof EmulatorEvents>(event: K, fn: (arg: EmulatorEvents[K]) => void): () => void {
    this.v86.add_listener(event, fn);
    return () => this.v86.remove_listener(event, fn);
  }

  sendSerial(port: number, bytes: Uint8Array): void {
    this.v86.serial_send_bytes(port, bytes);
  }

  /** Keys and pastes for hvc0; held until the guest has a buffer for them (see ConsoleInput). */
  sendConsole(bytes: Uint8Array): void {
    this.consoleInput.send(bytes);
  }

  /** Opens a TCP connection from the router (192.168.86.1) to `port` on the guest; watch its "connect" and "close". */
  connectToGuest(port: number): GuestTcpConnection {
    return this.v86.network_adapter.connect(port);
  }

  /** NOTE: v86 with Debian's 6.1 kernel reads this pair as [rows, cols], not [cols, rows] as its d.ts says. */
  resizeConsole(cols: number, rows: number): void {
    this.v86.bus.send("virtio-console0-resize", [rows, cols]);
  }

  /**
   * Calls `fn` with a look at the CPU each time v86 stops between batches of guest instructions (for
   * profiles: worker/platform/node/guest-profile.ts). Returns the function that stops it.
   */
  sampleCpu(fn: (sample: CpuSample) => void): () => void {
    const cpu = this.v86.v86.cpu;
    const runTimers = cpu.run_hardware_timers;
    let last = cpu.instruction_counter[0]!;
    cpu.run_hardware_timers = (...args) => {
      const now = cpu.instruction_counter[0]!;
      const kernel = cpu.cpl[0] === 0;
      fn({
        instructions: (now - last) >>> 0,
        kernel,
        eip: cpu.instruction_pointer[0]! >>> 0,
        // the kernel keeps its per-CPU area's base in FS (segment 4); a user program's FS is its own
        percpuBase: kernel ? cpu.segment_offsets[4]! >>> 0 : undefined,
      });
      last = now;
      return runTimers.apply(cpu, args);
    };
    return () => {
      cpu.run_hardware_timers = runTimers;
    };
  }

  /** The guest's physical memory (a view: valid until the emulator is destroyed). */
  physicalMemory(): Uint8Array {
    return this.v86.v86.cpu.mem8;
  }

  /** Guest instructions executed since boot; v86's counter is 32-bit, so wraps are tracked here. */
  instructions(): number {
    const now = this.v86.get_instruction_counter() >>> 0;
    if (now < this.lastCounter) this.instructionsHigh += 2 ** 32;
    this.lastCounter = now;
    return this.instructionsHigh + now;
  }

  destroy(): Promise<void> {
    this.consoleInput.dispose();
    return this.v86.destroy();
  }
}

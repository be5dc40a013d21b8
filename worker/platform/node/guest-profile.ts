// Where the guest's instructions go: a sampling profile by process and by kernel function.
//
// Each time v86 stops between batches of guest instructions (Emulator.sampleCpu), the instructions
// of the batch are put down to the process the kernel was running at that moment (its `comm`, read
// from the current task_struct in guest memory) and, in the kernel, to the function at EIP (from
// /proc/kallsyms). Batches are ~100,000 instructions and end wherever v86's time slice does, so a
// few runs give a fair picture; it says nothing about which user function in a process.
//
// Debian's kernel has no data symbols in kallsyms (no KALLSYMS_ALL), so two things are found from
// the guest's memory instead:
// - the per-CPU variable that holds the current task: among the addresses the kernel's code loads
//   with `mov %fs:addr,%eax` (64 a1 imm32), the one that points, while the CPU idles in
//   default_idle, at a task_struct naming itself "swapper";
// - where `comm` sits in task_struct: that name's offset in it.
import type { CpuSample, Emulator } from "../../core/vm/emulator";

/** i386 Linux maps physical memory from here (CONFIG_PAGE_OFFSET=0xC0000000, lowmem). */
const PAGE_OFFSET = 0xc0000000;
const LOWMEM_END = 0xf8000000;
const COMM_LEN = 16;
/** how far into a task_struct `comm` may sit */
const TASK_STRUCT_SEARCH = 8192;
const IDLE_TASK_COMM = "swapper";
/** how many of the most loaded %fs addresses are tried */
const PERCPU_CANDIDATES = 16;
/** one for every sample: readComm runs ~2,500 times a second while a profile runs */
const decoder = new TextDecoder();

export interface KernelSymbols {
  /** function symbols, by address */
  functions: { address: number; name: string }[];
  /** the kernel's own code (_stext.._etext) */
  textStart: number;
  textEnd: number;
}

/** Function symbols ("t"/"T") of /proc/kallsyms, a module's named after it: "name[module]". */
export function parseKallsyms(kallsyms: string): KernelSymbols {
  const functions: KernelSymbols["functions"] = [];
  let textStart = 0;
  let textEnd = 0;
  for (const line of kallsyms.split("\n")) {
    const [address, type, name, module] = line.trim().split(/\s+/);
    if (!address || !name || (type !== "t" && type !== "T")) continue;
    const at = parseInt(address, 16) >>> 0;
    if (name === "_stext") textStart = at;
    if (name === "_etext") textEnd = at;
    functions.push({ address: at, name: module ? name + module : name });
  }
  if (!textStart || !textEnd || !functions.length) throw new Error("no kernel symbols: is /proc/kallsyms readable (kptr_restrict)?");
  functions.sort((a, b) => a.address - b.address);
  return { functions, textStart, textEnd };
}

/** The function whose code holds `address`: the nearest symbol at or below it. */
export function functionAt(symbols: KernelSymbols, address: number): string {
  const fns = symbols.functions;
  if (address < fns[0]!.address) return "?";
  let lo = 0;
  let hi = fns.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fns[mid]!.address <= address) lo = mid;
    else hi = mid - 1;
  }
  return fns[lo]!.name;
}

const u32 = (mem: Uint8Array, at: number) => (mem[at]! | (mem[at + 1]! << 8) | (mem[at + 2]! << 16) | (mem[at + 3]! << 24)) >>> 0;

/** The addresses the code in mem[start, end) loads most often with `mov %fs:addr,%eax`, most first. */
export function percpuLoads(mem: Uint8Array, start: number, end: number, count = PERCPU_CANDIDATES): number[] {
  const loads = new Map<number, number>();
  for (let at = start; at + 6 <= end; at++) {
    if (mem[at] !== 0x64 || mem[at + 1] !== 0xa1) continue;
    const address = u32(mem, at + 2);
    loads.set(address, (loads.get(address) ?? 0) + 1);
  }
  return [...loads].sort((a, b) => b[1] - a[1]).slice(0, count).map(([address]) => address);
}

/** Where the bytes of `name` first sit in `bytes` (a task's comm "swapper/0" holds "swapper"), or -1. */
export function commOffset(bytes: Uint8Array, name: string): number {
  const want = new TextEncoder().encode(name);
  outer: for (let at = 0; at + want.length <= bytes.length; at++) {
    for (let i = 0; i < want.length; i++) if (bytes[at + i] !== want[i]) continue outer;
    return at;
  }
  return -1;
}

/** The NUL-terminated name in the COMM_LEN bytes at `at`. */
export function readComm(mem: Uint8Array, at: number): string {
  const bytes = mem.subarray(at, at + COMM_LEN);
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** Kernel threads with one copy per CPU or per work queue count as one name ("kworker/0:1H" → "kworker"). */
export function processName(comm: string): string {
  return comm.replace(/^(kworker|ksoftirqd|migration|cpuhp|rcu_\w+?)[/:].*$/, "$1");
}

export interface GuestProfile {
  /** guest instructions sampled */
  instructions: number;
  /** instructions by process name */
  byProcess: Map<string, number>;
  /** of those, in the kernel */
  kernelByProcess: Map<string, number>;
  /** instructions by kernel function */
  byKernelFunction: Map<string, number>;
}

const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);

/** Samples `emulator` from start() to stop(); the kernel's symbols come from the guest's /proc/kallsyms. */
export class GuestProfiler {
  private readonly symbols: KernelSymbols;
  private readonly candidates: number[];
  /** the virtual address of the per-CPU pointer to the current task, once known */
  private currentTask: number | undefined;
  private commAt = -1;
  private percpuBase = 0;
  private profile: GuestProfile | undefined;
  private stopSampling: (() => void) | undefined;

  constructor(
    private readonly emulator: Emulator,
    kallsyms: string,
  ) {
    this.symbols = parseKallsyms(kallsyms);
    const { textStart, textEnd } = this.symbols;
    this.candidates = percpuLoads(emulator.physicalMemory(), textStart - PAGE_OFFSET, textEnd - PAGE_OFFSET);
  }

  /** Starts sampling, or starts the tally again if it runs. */
  start(): void {
    this.profile = { instructions: 0, byProcess: new Map(), kernelByProcess: new Map(), byKernelFunction: new Map() };
    this.stopSampling ??= this.emulator.sampleCpu((s) => this.sample(s));
  }

  /** true once the current task can be read: from the first sample taken while the guest idles */
  ready(): boolean {
    return this.currentTask !== undefined;
  }

  stop(): GuestProfile {
    this.stopSampling?.();
    this.stopSampling = undefined;
    const profile = this.profile;
    if (!profile) throw new Error("the profiler was not started");
    if (this.currentTask === undefined) throw new Error("the current task was not found: the guest never idled while sampled");
    return profile;
  }

  private sample(s: CpuSample): void {
    // One CPU: its per-CPU base never changes, and in user mode FS holds the program's own segment.
    if (s.percpuBase !== undefined) this.percpuBase = s.percpuBase;
    const fn = s.kernel ? functionAt(this.symbols, s.eip) : undefined;
    if (this.currentTask === undefined && fn === "default_idle") this.findCurrentTask();
    if (this.currentTask === undefined) return; // not yet known: these instructions are not counted
    const profile = this.profile!;
    const process = this.currentProcess();
    profile.instructions += s.instructions;
    add(profile.byProcess, process, s.instructions);
    if (fn !== undefined) {
      add(profile.kernelByProcess, process, s.instructions);
      add(profile.byKernelFunction, fn, s.instructions);
    }
  }

  private currentProcess(): string {
    const mem = this.emulator.physicalMemory();
    const task = u32(mem, (this.currentTask! + this.percpuBase - PAGE_OFFSET) >>> 0);
    if (task < PAGE_OFFSET || task >= LOWMEM_END) return "?";
    return processName(readComm(mem, task - PAGE_OFFSET + this.commAt));
  }

  /** In default_idle the current task is the idle task, whose comm is "swapper/0". */
  private findCurrentTask(): void {
    const mem = this.emulator.physicalMemory();
    for (const candidate of this.candidates) {
      const task = u32(mem, (candidate + this.percpuBase - PAGE_OFFSET) >>> 0);
      if (task < PAGE_OFFSET || task >= LOWMEM_END) continue;
      const at = commOffset(mem.subarray(task - PAGE_OFFSET, task - PAGE_OFFSET + TASK_STRUCT_SEARCH), IDLE_TASK_COMM);
      if (at < 0) continue;
      this.currentTask = candidate;
      this.commAt = at;
      return;
    }
  }
}

/** What profileCommand needs of a running guest (GuestMachine). */
export interface ProfiledGuest {
  emulator: Emulator;
  run(script: string): Promise<{ status: number; output: Uint8Array }>;
}

/**
 * Runs `command` `runs` times in the guest and profiles them. The guest must let root read
 * /proc/kallsyms's addresses (kptr_restrict 0 or 1).
 */
export async function profileCommand(guest: ProfiledGuest, command: string, runs: number): Promise<GuestProfile> {
  const decode = (out: Uint8Array) => decoder.decode(out);
  const kallsyms = await guest.run("cat /proc/kallsyms");
  if (kallsyms.status !== 0) throw new Error(`/proc/kallsyms: ${decode(kallsyms.output).slice(-200)}`);
  const profiler = new GuestProfiler(guest.emulator, decode(kallsyms.output));
  profiler.start();
  try {
    // Until the guest has idled once, no process can be named (and a busy run may never idle).
    for (let i = 0; !profiler.ready(); i++) {
      if (i === 50) throw new Error("the guest never idled: its current task was not found");
      await guest.run("sleep 0.1");
    }
    profiler.start();
    for (let i = 0; i < runs; i++) {
      const r = await guest.run(command);
      if (r.status !== 0) throw new Error(`"${command}" failed (${r.status}): ${decode(r.output).slice(-400)}`);
    }
  } catch (err) {
    profiler.stop();
    throw err;
  }
  return profiler.stop();
}

/** The `top` largest entries of a tally, most first. */
export function largest(tally: Map<string, number>, top: number): [string, number][] {
  return [...tally].sort((a, b) => b[1] - a[1]).slice(0, top);
}

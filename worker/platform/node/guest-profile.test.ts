import { describe, expect, it } from "vitest";
import { commOffset, functionAt, parseKallsyms, percpuLoads, processName, readComm } from "./guest-profile";

const KALLSYMS = `c1000000 T startup_32
c1000000 T _text
c1001000 T _stext
c1001000 t do_one_initcall
c1002000 T default_idle
c1002040 t default_idle_call
c1003000 T _etext
c1500000 D current_task_not_listed
f8a01000 t chksum_update\t[crc32c_generic]
`;

describe("parseKallsyms", () => {
  it("keeps function symbols by address, a module's named after it, and the kernel's text range", () => {
    const s = parseKallsyms(KALLSYMS);
    expect(s.textStart).toBe(0xc1001000);
    expect(s.textEnd).toBe(0xc1003000);
    expect(s.functions.map((f) => f.name)).not.toContain("current_task_not_listed");
    expect(s.functions.at(-1)).toEqual({ address: 0xf8a01000, name: "chksum_update[crc32c_generic]" });
  });

  it("says what is wrong when the addresses are hidden", () => {
    expect(() => parseKallsyms("00000000 T _stext\n00000000 T _etext\n")).toThrow(/kptr_restrict/);
  });
});

describe("functionAt", () => {
  const s = parseKallsyms(KALLSYMS);
  it("names the function whose code holds the address", () => {
    expect(functionAt(s, 0xc1002000)).toBe("default_idle");
    expect(functionAt(s, 0xc100203f)).toBe("default_idle");
    expect(functionAt(s, 0xc1002040)).toBe("default_idle_call");
    expect(functionAt(s, 0xf8a01234)).toBe("chksum_update[crc32c_generic]");
  });
  it("answers ? below the first symbol", () => {
    expect(functionAt(s, 0x08048000)).toBe("?");
  });
});

describe("percpuLoads", () => {
  it("counts the addresses loaded with mov %fs:addr,%eax, most loaded first", () => {
    const code = [0x90, 0x64, 0xa1, 0xe8, 0xe6, 0xe5, 0xde, 0x90, 0x64, 0xa1, 0x00, 0x10, 0x00, 0xc0, 0x64, 0xa1, 0xe8, 0xe6, 0xe5, 0xde, 0xc3];
    // (a load cut off at the end of the range is not read)
    const mem = new Uint8Array([...code, 0x64, 0xa1, 0x01]);
    expect(percpuLoads(mem, 0, mem.length)).toEqual([0xdee5e6e8, 0xc0001000]);
  });
});

describe("task names", () => {
  it("finds and reads a NUL-terminated comm", () => {
    const task = new Uint8Array(64);
    task.set(new TextEncoder().encode("swapper/0\0"), 40);
    expect(commOffset(task, "swapper")).toBe(40);
    expect(commOffset(task, "dockerd")).toBe(-1);
    expect(readComm(task, 40)).toBe("swapper/0");
  });

  it("reads a full 16-byte comm without a NUL", () => {
    const mem = new TextEncoder().encode("containerd-shim-runc-v2");
    expect(readComm(mem, 0)).toBe("containerd-shim-");
  });

  it("counts per-CPU and per-queue kernel threads as one name", () => {
    expect(processName("kworker/u2:3-events_unbound")).toBe("kworker");
    expect(processName("ksoftirqd/0")).toBe("ksoftirqd");
    expect(processName("rcu_preempt")).toBe("rcu_preempt");
    expect(processName("dockerd")).toBe("dockerd");
    expect(processName("swapper/0")).toBe("swapper/0");
  });
});

import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { helloElf } from "./elf";

describe("helloElf", () => {
  it("is a small i386 executable that prints its message and exits 0", () => {
    const elf = helloElf("hi there\n");
    expect(elf.length).toBeLessThan(200);
    expect([...elf.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    const path = join(mkdtempSync(join(tmpdir(), "elf-")), "hello");
    writeFileSync(path, elf);
    chmodSync(path, 0o755);
    // x86-64 Linux hosts run i386 binaries natively.
    expect(execFileSync(path, { encoding: "utf8" })).toBe("hi there\n");
  });
});

// The guest and its images are built by running Debian's i386 programs in a chroot (debootstrap's
// second stage, apt, dpkg's scripts, python's compileall). Most x86-64 kernels run them natively.
// Some hosts turn that off (the kernel prints "IA-32 emulation off", and execve answers ENOEXEC);
// there they run under QEMU's user-mode emulator (Debian's qemu-user-static), which the kernel's
// binfmt_misc hands every i386 ELF to. Debian registers qemu-user for foreign architectures only,
// so i386 is registered here.
//
// `tsx images/lib/i386-exec.ts --check` exits 0 when the host runs i386 programs now, by either way
// (setup-host.sh installs qemu-user-static otherwise); without `--check` it registers QEMU if needed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { helloElf } from "../oci/hello-world/elf";

const QEMU_I386 = "/usr/bin/qemu-i386-static";
const BINFMT_DIR = "/proc/sys/fs/binfmt_misc";
/**
 * binfmt_misc's rule for i386 ELF executables: magic and mask of the ELF header (class 32-bit,
 * little-endian, type executable or shared object, machine 3 = i386). F opens the emulator now, so
 * it also runs inside a chroot that has no copy of it.
 */
const I386_RULE =
  ":qemu-i386:M::\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x03\\x00" +
  ":\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" +
  `:${QEMU_I386}:F`;

/** Runs a tiny static i386 program (hello-world's): true when it ran and exited 0. */
export function runsI386(): boolean {
  const dir = mkdtempSync(join(tmpdir(), "dockyard-i386-"));
  try {
    const program = join(dir, "hello");
    writeFileSync(program, helloElf(""), { mode: 0o755 });
    const result = spawnSync(program, { stdio: "ignore" });
    return result.error === undefined && result.status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function shell(cmd: string): void {
  const r = spawnSync("sh", ["-c", cmd], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`\`${cmd}\` failed`);
}

/**
 * Makes sure this host can run the guest's i386 programs: natively, or through qemu-user-static
 * registered with binfmt_misc (the registration does not outlive a reboot, so every build checks).
 */
export function ensureI386Exec(): "native" | "qemu-user" {
  if (runsI386()) return "native";
  const why = "this host's kernel runs no i386 programs (its IA-32 emulation is off)";
  if (!existsSync(QEMU_I386)) {
    throw new Error(`${why}, and ${QEMU_I386} is missing: run scripts/setup-host.sh (or apt-get install qemu-user-static)`);
  }
  if (!existsSync(join(BINFMT_DIR, "register"))) shell(`mount -t binfmt_misc binfmt_misc ${BINFMT_DIR}`);
  if (existsSync(join(BINFMT_DIR, "qemu-i386"))) shell(`echo 1 > ${BINFMT_DIR}/qemu-i386`);
  else shell(`printf '%s\\n' '${I386_RULE}' > ${BINFMT_DIR}/register`);
  if (!runsI386()) throw new Error(`${why}, and ${QEMU_I386} registered with binfmt_misc did not run one either`);
  return "qemu-user";
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === "--check") process.exit(runsI386() ? 0 : 1);
  console.error(`i386 programs: ${ensureI386Exec()}`);
}

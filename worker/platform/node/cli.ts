// `npm run vm -- [options] 'CMD'`: boots the guest in v86 under Node, runs CMD in bash as root,
// streams its output and exits with its status. Last, one JSON line of timings goes to stderr.
//
//   npm run vm -- 'docker run --rm busybox echo hello'
//   npm run vm -- --script FILE        run a script file instead
//   npm run vm -- --console 'CMD'      also show the user's console (hvc0) and kernel output
//   npm run vm -- --store DIR 'CMD'    keep the registry's blobs (pulled and pushed images) in DIR
//   npm run vm -- --cold 'CMD'         boot the kernel even when the build has a snapshot
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { startDockyard } from "../../core/dockyard";
import { MemoryBlobStore } from "../../core/store/blob-store";
import { DirBlobStore } from "./dir-blob-store";
import { fileSeed } from "./file-seed";
import { dirMirror } from "./dir-mirror";
import { DEFAULT_GUEST_DIR, loadGuest, WASM_PATH } from "./guest-files";

/** Generous: a cold boot to Docker ready takes about a minute on a busy 2-core host. */
const BOOT_TIMEOUT_MS = 10 * 60 * 1000;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      script: { type: "string" },
      console: { type: "boolean", default: false },
      guest: { type: "string" },
      store: { type: "string" },
      cold: { type: "boolean", default: false },
    },
  });
  const script = values.script ? await readFile(values.script, "utf8") : positionals.join(" ");
  if (!script.trim()) {
    process.stderr.write("usage: npm run vm -- [--console] [--script FILE] 'CMD'\n");
    return 2;
  }

  const t0 = performance.now();
  const guestDir = values.guest ?? DEFAULT_GUEST_DIR;
  const guest = await loadGuest(guestDir);
  const marks: Record<string, number> = {};
  let coldReason: string | null = null;
  const { vm, content, resumed } = await startDockyard({
    guest,
    wasmPath: WASM_PATH,
    store: values.store ? new DirBlobStore(values.store) : new MemoryBlobStore(),
    seed: fileSeed(join(guestDir, "oci")),
    debianMirror: dirMirror(),
    mtu: process.env.DOCKYARD_MTU ? Number(process.env.DOCKYARD_MTU) : undefined,
    resume: !values.cold,
    onColdBoot: (reason) => {
      coldReason = reason;
      process.stderr.write(`dockyard: booting cold: ${reason}\n`);
    },
    onMachine: (vm) => {
      vm.onBoot((e) => {
        if (e.type === "stage") marks[e.stage] = performance.now() - t0;
        if (values.console) process.stderr.write(`[dockyard] ${e.type === "stage" ? e.stage : `failure: ${e.reason}`}\n`);
      });
      if (values.console) {
        vm.onConsoleOutput((b) => process.stderr.write(b));
        vm.emulator.on("serial0-output-byte", (b) => process.stderr.write(String.fromCharCode(b)));
      }
    },
  });

  let status: number;
  let cmdMs = 0;
  try {
    await vm.waitFor("docker-ready", BOOT_TIMEOUT_MS);
    const c0 = performance.now();
    const result = await vm.run(script, { collect: false, onOutput: (b) => process.stdout.write(b) });
    cmdMs = performance.now() - c0;
    status = result.status;
  } catch (err) {
    process.stderr.write(`dockyard: ${err instanceof Error ? err.message : String(err)}\n`);
    status = 125;
  }
  await vm.destroy();
  const round = (n: number | undefined) => (n === undefined ? null : Math.round(n));
  process.stderr.write(
    JSON.stringify({
      resumed,
      cold_reason: coldReason,
      boot_ms: round(marks.shell),
      docker_ready_ms: round(marks["docker-ready"]),
      cmd_ms: round(cmdMs),
      bytes_read: guest.bytesRead(),
      seed_bytes: content.seedBytes,
      status,
    }) + "\n",
  );
  return status;
}

main().then(
  (status) => process.exit(status),
  (err: unknown) => {
    process.stderr.write(`dockyard: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(125);
  },
);

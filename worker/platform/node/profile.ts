// `npm run profile -- [options] 'CMD'`: where the guest's instructions go while CMD runs, by process
// and by kernel function (a sampling profile: worker/platform/node/guest-profile.ts). The guest
// resumes from the build's snapshot, runs CMD --warm times, then --runs times profiled.
//
//   npm run profile -- 'docker run --rm busybox true'
//   npm run profile -- --warm 8 --runs 8 --top 30 'docker run --rm busybox true'
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDockyard } from "../../core/dockyard";
import { MemoryBlobStore } from "../../core/store/blob-store";
import { fileSeed } from "./file-seed";
import { DEFAULT_GUEST_DIR, loadGuest, WASM_PATH } from "./guest-files";
import { largest, profileCommand } from "./guest-profile";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      warm: { type: "string", default: "8" },
      runs: { type: "string", default: "8" },
      top: { type: "string", default: "25" },
    },
  });
  const command = positionals.join(" ");
  if (!command.trim()) throw new Error("usage: npm run profile -- [--warm N] [--runs N] [--top N] 'CMD'");
  const [warm, runs, top] = [values.warm, values.runs, values.top].map(Number) as [number, number, number];

  const guest = await loadGuest();
  const { vm } = await startDockyard({ guest, wasmPath: WASM_PATH, store: new MemoryBlobStore(), seed: fileSeed(join(DEFAULT_GUEST_DIR, "oci")), resume: true });
  try {
    for (let i = 0; i < warm; i++) await vm.run(command);
    const t0 = performance.now();
    const p = await profileCommand(vm, command, runs);
    const ms = (performance.now() - t0) / runs;
    const perRun = (n: number) => `${(n / runs / 1e6).toFixed(1).padStart(7)} M ${((100 * n) / p.instructions).toFixed(1).padStart(5)}%`;
    console.log(`${command}: ${runs} runs after ${warm}, ${(p.instructions / runs / 1e6).toFixed(1)} M guest instructions and ${ms.toFixed(0)} ms per run`);
    console.log("\nby process (all / of which in the kernel)");
    for (const [name, n] of largest(p.byProcess, top)) console.log(`${perRun(n)}  ${perRun(p.kernelByProcess.get(name) ?? 0)}  ${name}`);
    console.log("\nkernel functions");
    for (const [name, n] of largest(p.byKernelFunction, top)) console.log(`${perRun(n)}  ${name}`);
  } finally {
    await vm.destroy();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

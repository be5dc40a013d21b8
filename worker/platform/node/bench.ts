// `npm run bench`: the guest's figures under v86, beside the same kernel and disk under QEMU TCG.
//   npm run bench             a table
//   npm run bench -- --json   the same figures as one JSON line
//   npm run bench -- --no-qemu
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createDockyard } from "../../core/dockyard";
import { MemoryBlobStore } from "../../core/store/blob-store";
import { fileSeed } from "./file-seed";
import { DEFAULT_GUEST_DIR, loadGuest, readManifest, WASM_PATH } from "./guest-files";
import { QemuGuest } from "./qemu-guest";
import { nodeRegistry, serveRegistry } from "./registry-server";

const BOOT_TIMEOUT_MS = 10 * 60 * 1000;
const WARM_RUNS = 3;
const RUN = "docker run --rm busybox true";
const WAIT_DOCKER = "until docker info >/dev/null 2>&1; do sleep 0.1; done";

interface Runner {
  run(script: string): Promise<{ status: number; output: Uint8Array }>;
}

type Figures = Record<string, number | null>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** No single step of the bench takes this long unless the guest is stuck. */
const STEP_TIMEOUT_MS = 8 * 60 * 1000;

async function timed(r: Runner, script: string): Promise<number> {
  const t = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const res = await Promise.race([
    r.run(script),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`"${script}" did not finish in ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS))),
  ]).finally(() => clearTimeout(timer));
  if (res.status !== 0) throw new Error(`"${script}" failed (${res.status}): ${new TextDecoder().decode(res.output).slice(-400)}`);
  return performance.now() - t;
}

/** The steps both emulators go through after the prompt appears. */
async function dockerFigures(r: Runner, promptAt: number, fig: Figures, prefix: string): Promise<void> {
  await timed(r, WAIT_DOCKER);
  fig[`${prefix}docker_info_after_prompt_ms`] = performance.now() - promptAt;
  await timed(r, "docker pull -q busybox");
  fig[`${prefix}run_first_ms`] = await timed(r, RUN);
  const warm: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) warm.push(await timed(r, RUN));
  fig[`${prefix}run_warm_median_ms`] = median(warm);
  fig[`${prefix}pull_nginx_cold_ms`] = await timed(r, "docker pull -q nginx");
  await timed(r, "docker rmi -f nginx >/dev/null");
  fig[`${prefix}pull_nginx_warm_ms`] = await timed(r, "docker pull -q nginx");
}

async function benchV86(fig: Figures): Promise<void> {
  const t0 = performance.now();
  const guest = await loadGuest();
  const dockyard = createDockyard({
    files: guest.files,
    wasmPath: WASM_PATH,
    store: new MemoryBlobStore(),
    seed: fileSeed(join(DEFAULT_GUEST_DIR, "oci")),
  });
  const { vm } = dockyard;
  try {
    await vm.waitFor("shell", BOOT_TIMEOUT_MS);
    const promptAt = performance.now();
    fig.boot_to_prompt_ms = promptAt - t0;
    fig.bytes_before_prompt = guest.bytesRead();
    fig.disk_chunks_before_prompt = guest.files.disk.loadedChunks().length;
    await dockerFigures(vm, promptAt, fig, "");
    fig.seed_bytes_nginx_pulls = dockyard.content.seedBytes;
  } finally {
    await vm.destroy();
  }
}

async function benchQemu(fig: Figures): Promise<void> {
  const manifest = await readManifest();
  const server = await serveRegistry(nodeRegistry(new MemoryBlobStore()).handler, "127.0.0.1", 0);
  const q = new QemuGuest(DEFAULT_GUEST_DIR, manifest, (server.address() as AddressInfo).port);
  try {
    await q.waitFor("shell", BOOT_TIMEOUT_MS);
    const promptAt = performance.now();
    fig.qemu_boot_to_prompt_ms = promptAt - q.started;
    await new Promise((r) => setTimeout(r, 300)); // let the exec socket connect
    await q.useHostRegistry();
    await dockerFigures(q, promptAt, fig, "qemu_");
  } finally {
    q.stop();
    server.close();
  }
}

function table(fig: Figures): string {
  const rows: [string, string, string?][] = [
    ["bytes fetched before the prompt (boot files + gzip disk chunks)", "bytes_before_prompt"],
    ["  disk chunks (256 KiB each) read before the prompt", "disk_chunks_before_prompt"],
    ["boot to shell prompt (ms)", "boot_to_prompt_ms", "qemu_boot_to_prompt_ms"],
    ["prompt to `docker info` answering (ms)", "docker_info_after_prompt_ms", "qemu_docker_info_after_prompt_ms"],
    ["`docker run --rm busybox true`, first (ms)", "run_first_ms", "qemu_run_first_ms"],
    [`  warm, median of ${WARM_RUNS} (ms)`, "run_warm_median_ms", "qemu_run_warm_median_ms"],
    ["`docker pull nginx`, cold: from the site (ms)", "pull_nginx_cold_ms", "qemu_pull_nginx_cold_ms"],
    ["  warm: from the blob store (ms)", "pull_nginx_warm_ms", "qemu_pull_nginx_warm_ms"],
  ];
  const fmt = (n: number | null | undefined) => (n === null || n === undefined ? "-" : Math.round(n).toLocaleString("en-US"));
  const lines = ["| figure | v86 | QEMU TCG | v86 / QEMU |", "|---|---:|---:|---:|"];
  for (const [label, v, q] of rows) {
    const a = fig[v];
    const b = q ? fig[q] : undefined;
    const ratio = a && b ? `${(a / b).toFixed(1)}×` : "-";
    lines.push(`| ${label} | ${fmt(a)} | ${fmt(b)} | ${ratio} |`);
  }
  const cold = fig.pull_nginx_cold_ms;
  const warm = fig.pull_nginx_warm_ms;
  if (cold && warm) lines.push(`| nginx pull, cold / warm | | | ${(cold / warm).toFixed(2)}× |`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: "boolean", default: false }, "no-qemu": { type: "boolean", default: false } } });
  const fig: Figures = {};
  await benchV86(fig);
  console.error(`bench: v86 done: ${JSON.stringify(fig)}`);
  if (!values["no-qemu"]) {
    try {
      await benchQemu(fig);
    } catch (err) {
      console.error(`bench: QEMU figures missing: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const k of Object.keys(fig)) if (typeof fig[k] === "number") fig[k] = Math.round(fig[k]!);
  console.log(values.json ? JSON.stringify(fig) : table(fig));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);

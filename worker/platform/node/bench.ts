// `npm run bench`: the guest's figures under v86, beside the same kernel and disk under QEMU TCG,
// and the page's start-up in headless Chromium.
//   npm run bench             a table
//   npm run bench -- --json   the same figures as one JSON line
//   npm run bench -- --no-qemu --no-page
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDockyard, type Dockyard } from "../../core/dockyard";
import { MemoryBlobStore } from "../../core/store/blob-store";
import { STOCK_JIT } from "../../core/vm/jit-config";
import { pageFigures } from "../../../e2e/page-bench";
import { fileSeed } from "./file-seed";
import { DEFAULT_GUEST_DIR, loadGuest, readManifest, REPO_ROOT, WASM_PATH } from "./guest-files";
import { profileCommand } from "./guest-profile";
import { QemuGuest } from "./qemu-guest";
import { nodeRegistry, serveRegistry } from "./registry-server";

const BOOT_TIMEOUT_MS = 10 * 60 * 1000;
const RUN = "docker run --rm busybox true";
/** Consecutive runs after the first: runs 2 to 10 give the median, all of them the slowest. */
const RUNS = 50;
/** A person reads the prompt before typing (issue 8): the first run is typed this long after it. */
const READ_PROMPT_MS = 5000;
const WAIT_DOCKER = "until docker info >/dev/null 2>&1; do sleep 0.1; done";
/** The daemons run with GOGC=off and a GOMEMLIMIT (images/vm/overlay/etc/default/dockyard), and so does
 * the shared shim that serves Docker's containers, with a GOMEMLIMIT of its own (set by the shim
 * wrapper): their resident memory is read before the runs, after RUNS and after MEMORY_RUNS, to show
 * it stays bounded. */
const MEMORY_RUNS = 100;
const gomemlimit = (file: string, line: RegExp) => line.exec(readFileSync(join(REPO_ROOT, file), "utf8"))?.[1] ?? "unset";
const DAEMONS_GOMEMLIMIT = gomemlimit("images/vm/overlay/etc/default/dockyard", /^GOMEMLIMIT=(\S+)$/m);
const SHIM_GOMEMLIMIT = gomemlimit("images/vm/overlay/usr/local/bin/containerd-shim-runc-v2", /export GOMEMLIMIT=(\S+)$/m);
const DAEMONS = [
  { name: "dockerd", pid: "$(pidof -s dockerd)", limit: DAEMONS_GOMEMLIMIT },
  { name: "containerd", pid: "$(pidof -s containerd)", limit: DAEMONS_GOMEMLIMIT },
  { name: "shared_shim", pid: "$(pgrep -o -f 'containerd-shim-runc-v2 .*-id dockyard-shared-shim')", limit: SHIM_GOMEMLIMIT },
] as const;
const DAEMONS_RSS_KB = DAEMONS.map((d) => `awk '/^VmRSS/{print $2}' /proc/${d.pid}/status`).join("; ");
/** Where a run's instructions go: a sampling profile of this many runs (after the others), by process. */
const PROFILE_RUNS = 8;
/** the processes named in the table, as the kernel names them (comm: 15 characters at most) */
const PROFILED = ["docker", "dockerd", "containerd-shim", "crun", "containerd"] as const;
const minstrKey = (process: string) => `run_minstr_${process.replaceAll("-", "_")}`;
const NGINX_ANSWER = "docker run -d -p 8080:80 nginx >/dev/null && until wget -qO /dev/null http://127.0.0.1:8080/ 2>/dev/null; do sleep 0.1; done";
const BUILD = 'mkdir -p /tmp/bench-build && cd /tmp/bench-build && printf "FROM busybox\\nRUN echo built > /built\\nCMD cat /built\\n" > Dockerfile && docker build -q --no-cache -t bench-build . >/dev/null';

interface Runner {
  run(script: string): Promise<{ status: number; output: Uint8Array }>;
  /** guest instructions so far (v86 only) */
  instructions?(): number;
}

type Figures = Record<string, number | null>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** `docker run --rm busybox true` RUNS times after the first: median of 2 to 10, slowest, instructions. */
async function runFigures(r: Runner, fig: Figures, prefix: string): Promise<void> {
  const ms: number[] = [];
  const instructions: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const before = r.instructions?.();
    ms.push(await timed(r, RUN));
    if (before !== undefined) instructions.push(r.instructions!() - before);
  }
  fig[`${prefix}run_median_ms`] = median(ms.slice(0, 9));
  fig[`${prefix}run_slowest_ms`] = Math.max(...ms);
  if (instructions.length) fig[`${prefix}run_instructions`] = median(instructions);
}

async function daemonsRssKb(r: Runner): Promise<number[]> {
  const res = await r.run(DAEMONS_RSS_KB);
  const kb = new TextDecoder().decode(res.output).trim().split(/\s+/).map(Number);
  if (res.status !== 0 || kb.length !== DAEMONS.length || kb.some((n) => !(n > 0))) {
    throw new Error(`the daemons' memory could not be read: ${new TextDecoder().decode(res.output).slice(-200)}`);
  }
  return kb;
}

/** The run figures, with the daemons' memory before them, after RUNS, and after MEMORY_RUNS in all. */
async function runAndMemoryFigures(r: Runner, fig: Figures): Promise<void> {
  const record = (kb: number[], after: number) => DAEMONS.forEach((d, i) => (fig[`${d.name}_rss_mb_after_${after}_runs`] = kb[i]! / 1024));
  record(await daemonsRssKb(r), 0);
  await runFigures(r, fig, "");
  record(await daemonsRssKb(r), RUNS);
  for (let i = RUNS; i < MEMORY_RUNS; i++) await timed(r, RUN);
  record(await daemonsRssKb(r), MEMORY_RUNS);
}

/** After the runs: a published nginx answering, a 3-line build, and nginx pulls (cold: from the site; warm: from the cache). */
async function serviceFigures(r: Runner, fig: Figures, prefix: string): Promise<void> {
  await timed(r, "docker rmi -f nginx >/dev/null 2>&1; true"); // the v86 snapshot comes with nginx pulled
  fig[`${prefix}pull_nginx_cold_ms`] = await timed(r, "docker pull -q nginx");
  fig[`${prefix}nginx_answer_ms`] = await timed(r, NGINX_ANSWER);
  fig[`${prefix}build_ms`] = await timed(r, BUILD);
  await timed(r, "docker rm -f $(docker ps -aq) >/dev/null; docker rmi -f nginx >/dev/null");
  fig[`${prefix}pull_nginx_warm_ms`] = await timed(r, "docker pull -q nginx");
}

/** A run's guest instructions by process (M per run), and the kernel's share of them. */
async function profileFigures(vm: Dockyard["vm"], fig: Figures): Promise<void> {
  const p = await profileCommand(vm, RUN, PROFILE_RUNS);
  const perRun = (n: number) => n / PROFILE_RUNS / 1e6;
  let named = 0;
  for (const name of PROFILED) {
    const n = p.byProcess.get(name) ?? 0;
    fig[minstrKey(name)] = perRun(n);
    named += n;
  }
  fig.run_minstr_other = perRun(p.instructions - named);
  fig.run_kernel_share = [...p.kernelByProcess.values()].reduce((a, b) => a + b, 0) / p.instructions;
}

function startV86(resume: boolean, guest: Awaited<ReturnType<typeof loadGuest>>): Promise<Dockyard> {
  return startDockyard({
    guest,
    wasmPath: WASM_PATH,
    store: new MemoryBlobStore(),
    seed: fileSeed(join(DEFAULT_GUEST_DIR, "oci")),
    resume,
    onColdBoot: (reason) => {
      throw new Error(`the snapshot did not resume: ${reason}`);
    },
  });
}

/** v86 resuming the build's snapshot, as the page does: time and bytes to Docker-ready, the first run at once. */
async function benchResumedAtOnce(fig: Figures): Promise<void> {
  const t0 = performance.now();
  const guest = await loadGuest();
  const { vm } = await startV86(true, guest);
  try {
    fig.resumed_docker_ready_ms = performance.now() - t0;
    fig.resumed_bytes_before_ready = guest.bytesRead();
    // busybox is on the snapshot's disk (dockyard-freeze): the run is the first command typed.
    fig.run_first_at_once_ms = await timed(vm, RUN);
  } finally {
    await vm.destroy();
  }
}

/** v86 resuming again: the first run typed after reading the prompt, then every run figure. */
async function benchResumed(fig: Figures): Promise<void> {
  const guest = await loadGuest();
  const { vm } = await startV86(true, guest);
  const emu = vm.emulator;
  try {
    await sleep(READ_PROMPT_MS);
    fig.jit_warmup_threshold = emu.jitThreshold() ?? null; // (the first command closes the window)
    fig.run_first_ms = await timed(vm, RUN);
    const jit0 = emu.jitCounters();
    await runAndMemoryFigures({ run: (s) => vm.run(s), instructions: () => emu.instructions() }, fig);
    const jit1 = emu.jitCounters();
    fig.jit_compiled_per_run = (jit1.compiled - jit0.compiled) / MEMORY_RUNS;
    fig.jit_flushes_in_runs = jit1.flushes - jit0.flushes;
    fig.jit_table_size = emu.jitTableSize();
    fig.jit_threshold = emu.jitThreshold() ?? null;
    await profileFigures(vm, fig);
    await serviceFigures(vm, fig, "");
  } finally {
    await vm.destroy();
  }
}

/** v86 booting the kernel: boot figures and the first run after a cold boot. */
async function benchColdBoot(fig: Figures): Promise<void> {
  const t0 = performance.now();
  const guest = await loadGuest();
  const { vm } = await startV86(false, guest);
  try {
    await vm.waitFor("shell", BOOT_TIMEOUT_MS);
    const promptAt = performance.now();
    fig.boot_to_prompt_ms = promptAt - t0;
    fig.bytes_before_prompt = guest.bytesRead();
    fig.disk_chunks_before_prompt = guest.disk()!.loadedChunks().length;
    await timed(vm, WAIT_DOCKER);
    fig.docker_info_after_prompt_ms = performance.now() - promptAt;
    await timed(vm, "docker pull -q busybox >/dev/null");
    await sleep(READ_PROMPT_MS);
    fig.cold_boot_run_first_ms = await timed(vm, RUN);
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
    await sleep(300); // let the exec socket connect
    await q.useHostRegistry();
    await timed(q, WAIT_DOCKER);
    fig.qemu_docker_info_after_prompt_ms = performance.now() - promptAt;
    await timed(q, "docker pull -q busybox >/dev/null");
    await sleep(READ_PROMPT_MS);
    fig.qemu_cold_boot_run_first_ms = await timed(q, RUN);
    await runFigures(q, fig, "qemu_");
    await serviceFigures(q, fig, "qemu_");
  } finally {
    q.stop();
    server.close();
  }
}

const fmt = (n: number | null | undefined) =>
  n === null || n === undefined ? "-" : n < 10 && !Number.isInteger(n) ? n.toFixed(2) : Math.round(n).toLocaleString("en-US");

function table(fig: Figures): string {
  const rows: [string, string, string?][] = [
    ["boot to shell prompt, booting the kernel (ms)", "boot_to_prompt_ms", "qemu_boot_to_prompt_ms"],
    ["  bytes fetched before the prompt (boot files + gzip disk chunks)", "bytes_before_prompt"],
    ["  prompt to `docker info` answering (ms)", "docker_info_after_prompt_ms", "qemu_docker_info_after_prompt_ms"],
    ["  first `docker run --rm busybox true`, 5 s after the prompt (ms)", "cold_boot_run_first_ms", "qemu_cold_boot_run_first_ms"],
    ["resumed from the snapshot: start to Docker answering (ms)", "resumed_docker_ready_ms"],
    ["  bytes fetched before Docker answers (snapshot + BIOS + disk chunks)", "resumed_bytes_before_ready"],
    ["  first run, typed at once (ms)", "run_first_at_once_ms"],
    ["  first run, typed 5 s after the prompt (ms)", "run_first_ms"],
    [`  runs 2 to 10, median (ms)`, "run_median_ms", "qemu_run_median_ms"],
    [`  slowest of ${RUNS} runs (ms)`, "run_slowest_ms", "qemu_run_slowest_ms"],
    ["  guest instructions per run (median)", "run_instructions"],
    ...PROFILED.map((name): [string, string] => [`    of which \`${name}\` (M, sampled over ${PROFILE_RUNS} runs)`, minstrKey(name)]),
    ["    of which all other processes (M)", "run_minstr_other"],
    ["    the kernel's share of them all", "run_kernel_share"],
    [`  JIT modules compiled per run / table flushes in ${MEMORY_RUNS} runs`, "jit_compiled_per_run"],
    [`  JIT table size (modules; v86's own is ${STOCK_JIT.tableSize})`, "jit_table_size"],
    [`  JIT hotness threshold (guest instructions; v86's own is ${STOCK_JIT.hotnessThreshold})`, "jit_threshold"],
    ["  JIT hotness threshold while the prompt waits after a resume (the warm-up window)", "jit_warmup_threshold"],
    ...DAEMONS.flatMap((d): [string, string][] =>
      [0, RUNS, MEMORY_RUNS].map((n) => [`  ${d.name.replace("_", " ")} resident memory after ${n} runs (MB; GOMEMLIMIT ${d.limit})`, `${d.name}_rss_mb_after_${n}_runs`]),
    ),
    ["`docker run -d -p 8080:80 nginx` to an HTTP answer (ms)", "nginx_answer_ms", "qemu_nginx_answer_ms"],
    ["3-line `docker build` FROM busybox (ms)", "build_ms", "qemu_build_ms"],
    ["`docker pull nginx`, cold: from the site (ms)", "pull_nginx_cold_ms", "qemu_pull_nginx_cold_ms"],
    ["  warm: from the blob store (ms)", "pull_nginx_warm_ms", "qemu_pull_nginx_warm_ms"],
  ];
  const lines = ["| figure | v86 | QEMU TCG | v86 / QEMU |", "|---|---:|---:|---:|"];
  for (const [label, v, q] of rows) {
    const a = fig[v];
    const b = q ? fig[q] : undefined;
    const ratio = a && b ? `${(a / b).toFixed(1)}×` : "-";
    const value = v === "jit_compiled_per_run" ? `${fmt(a)} / ${fmt(fig.jit_flushes_in_runs)}` : fmt(a);
    lines.push(`| ${label} | ${value} | ${fmt(b)} | ${ratio} |`);
  }
  lines.push("", "Headless Chromium, production build (ms from the navigation to the page's dockyard-ready mark):", "");
  lines.push("| visit | with the snapshot: ms | bytes | booting the kernel: ms | bytes |", "|---|---:|---:|---:|---:|");
  for (const v of ["cold", "warm"]) {
    const f = (k: string) => fmt(fig[`page_${k}_${v}_ready_ms`]);
    const b = (k: string) => fmt(fig[`page_${k}_${v}_bytes`]);
    lines.push(`| ${v} (${v === "cold" ? "empty browser storage" : "reload, same profile"}) | ${f("snapshot")} | ${b("snapshot")} | ${f("boot")} | ${b("boot")} |`);
  }
  const run = (k: string) => fmt(fig[`page_${k}_cold_first_run_ms`]);
  lines.push(`| first \`docker run --rm busybox true\` on the cold visit, 5 s after the prompt (ms) | ${run("snapshot")} | | ${run("boot")} | |`);
  lines.push(`| then the median of 5 more (ms) | ${fmt(fig.page_snapshot_cold_later_runs_median_ms)} | | | |`);
  lines.push(`| then 10 MiB through gzip in a container (ms; the JIT pays on CPU-bound work) | ${fmt(fig.page_snapshot_cold_gzip_run_ms)} | | | |`);
  lines.push("", "The same first run on a cold visit with the snapshot, every request for the guest's files 60 ms late (a real network's round trip):", "");
  lines.push("| without the disk's warm list (baseline) | with it: its chunks fetched as the machine resumes |", "|---:|---:|");
  lines.push(`| ${fmt(fig.page_slow_no_warm_list_first_run_ms)} | ${fmt(fig.page_slow_warm_list_first_run_ms)} |`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      "no-qemu": { type: "boolean", default: false },
      "no-page": { type: "boolean", default: false },
    },
  });
  const fig: Figures = {};
  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      console.error(`bench: ${name} figures missing: ${err instanceof Error ? err.message : String(err)}`);
    }
    console.error(`bench: ${name} done`);
  };
  if ((await readManifest()).snapshot) {
    await step("v86 resumed, first run at once", () => benchResumedAtOnce(fig));
    await step("v86 resumed", () => benchResumed(fig));
  }
  await step("v86 cold boot", () => benchColdBoot(fig));
  if (!values["no-qemu"]) await step("QEMU", () => benchQemu(fig));
  if (!values["no-page"]) await step("page", () => pageFigures(fig));
  const { run_median_ms: v86, qemu_run_median_ms: qemu } = fig;
  fig.ratio_v86_qemu = v86 && qemu ? v86 / qemu : null;
  for (const k of Object.keys(fig)) if (typeof fig[k] === "number" && fig[k]! >= 10) fig[k] = Math.round(fig[k]!);
  console.log(values.json ? JSON.stringify(fig) : table(fig));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);

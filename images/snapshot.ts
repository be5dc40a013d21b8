// The booted-state snapshot: boots a finished guest build in v86 (headless, in this process) until
// Docker answers, lets the guest make itself small (dockyard-freeze), saves v86's state and
// compresses it with zstd. The page and the harness resume it instead of booting (worker/core/dockyard.ts).
//
// Made once per build and per everything that shapes a v86 state (the v86 version, the emulated PC
// of emulator.ts's v86Settings, this file): a state restores only into the same machine and disk.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startDockyard } from "../worker/core/dockyard";
import { MemoryBlobStore } from "../worker/core/store/blob-store";
import { fileSeed } from "../worker/platform/node/file-seed";
import { BLOCK_SIZE } from "../worker/core/vm/chunked-disk";
import { v86Settings } from "../worker/core/vm/emulator";
import { DISK_CHUNK_DIR, type GuestManifest } from "../worker/core/vm/guest-manifest";
import { chunkDisk, RAW_DISK } from "./lib/disk-chunks";
import { loadGuest, REPO_ROOT, WASM_PATH } from "../worker/platform/node/guest-files";

const BOOT_TIMEOUT_MS = 10 * 60 * 1000;
/**
 * Compressed once per build, downloaded on every cold visit (its bytes count against the visit's
 * 30 MB). A 128 MiB window (--long=27) finds the repeats across the state: with -19, 56.2 MB
 * instead of 61.8 MB on an earlier, larger state, in the same 80 s. --ultra -22 takes ~60 s more:
 * 29.46 -> 29.03 MB on one state. v86's decoder takes the window (27 is zstd's default limit).
 */
const ZSTD_FLAGS = ["--ultra", "-22", "--long=27"];

/**
 * What a visitor types first, to record which disk chunks a resumed machine reads for it
 * (DiskTable.warm): the page fetches those at once after a resume, while the user reads the
 * prompt, instead of one by one under the first command, each a round trip on a real network.
 * Measured in Node: these read 81 chunks of 256 KiB. nginx's first start would add 115 more and a
 * build 32: too much to fetch unasked on every visit.
 */
const FIRST_COMMANDS = ["docker run --rm busybox true", "docker ps -a", "docker images", "docker run --rm hello-world"];
/**
 * How many resumes record FIRST_COMMANDS' reads: each reads a few chunks the others do not (pages of
 * the docker CLI's, dockerd's and containerd's binaries that a run happens to touch), and the warm
 * list is their union, in the order the first resume read them, then what later ones added.
 */
const WARM_LIST_RESUMES = 2;

/** A new file, not a rewrite: the published site hard-links the cached one. */
function writeManifest(path: string, manifest: GuestManifest): void {
  writeFileSync(`${path}.partial`, JSON.stringify(manifest) + "\n");
  renameSync(`${path}.partial`, path);
}

function snapshotKey(build: string): string {
  const h = createHash("sha256").update(build);
  // The emulated PC as v86 is told to make it (RAM, devices): not the rest of emulator.ts.
  const noFiles = new ArrayBuffer(0);
  h.update(JSON.stringify(v86Settings({ wasmPath: "", snapshot: noFiles, files: { disk: undefined as never } })));
  // The disk's saved writes are part of the state too (chunked-disk.ts's get_state).
  for (const f of ["node_modules/v86/package.json", "worker/core/vm/chunked-disk.ts", "images/snapshot.ts"]) {
    h.update("\0").update(readFileSync(join(REPO_ROOT, f)));
  }
  return h.digest("hex").slice(0, 16);
}

/** Adds a snapshot to the guest build in `site` (its manifest gains `snapshot`) unless it has this one. */
export async function ensureSnapshot(site: string): Promise<void> {
  const manifestPath = join(site, "manifest.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as GuestManifest;
  const file = `snapshot-${snapshotKey(manifest.build)}.bin`;
  if (manifest.snapshot?.file === file && existsSync(join(site, file))) return;
  if (manifest.snapshot) rmSync(join(site, manifest.snapshot.file), { force: true });
  delete manifest.snapshot;
  writeManifest(manifestPath, manifest);

  const t0 = Date.now();
  const guest = await loadGuest(site);
  // The seed: dockyard-freeze runs busybox once, so what that reads is in the saved page cache.
  const { vm } = await startDockyard({ guest, wasmPath: WASM_PATH, store: new MemoryBlobStore(), seed: fileSeed(join(site, "oci")), resume: false });
  let state: ArrayBuffer;
  let writes: Map<number, Uint8Array>;
  try {
    await vm.waitFor("docker-ready", BOOT_TIMEOUT_MS);
    const freeze = await vm.run("dockyard-freeze");
    if (freeze.status !== 0) throw new Error(`dockyard-freeze failed (${freeze.status}): ${new TextDecoder().decode(freeze.output)}`);
    // What the guest wrote (Docker's storage with the seed images) goes into a disk of its own
    // rather than into the state: a visitor then fetches those blocks only when the guest reads them.
    await vm.emulator.stop();
    writes = guest.disk()!.takeWrites();
    state = await vm.emulator.save();
  } finally {
    await vm.destroy();
  }
  const raw = join(site, `${file}.raw`);
  writeFileSync(raw, new Uint8Array(state));
  execFileSync("zstd", ["-q", "-f", "-T2", ...ZSTD_FLAGS, "--rm", raw, "-o", join(site, file)], { stdio: "inherit" });
  const bytes = readFileSync(join(site, file));
  const disk = chunkDisk(join(site, "..", RAW_DISK), join(site, DISK_CHUNK_DIR), manifest.disk.chunkSize, { blockSize: BLOCK_SIZE, blocks: writes });
  manifest.snapshot = { file, size: statSync(join(site, file)).size, sha256: createHash("sha256").update(bytes).digest("hex"), disk };
  writeManifest(manifestPath, manifest);
  const t1 = Date.now();
  const warm = new Set<number>();
  for (let i = 0; i < WARM_LIST_RESUMES; i++) for (const chunk of await firstCommandsReads(site)) warm.add(chunk);
  disk.warm = [...warm];
  writeManifest(manifestPath, manifest);
  console.error(`images: the first commands read ${disk.warm.length} chunks of the snapshot's disk (${((Date.now() - t1) / 1000).toFixed(0)} s)`);
  console.error(`images: snapshot ${file}: ${(state.byteLength / 1e6).toFixed(0)} MB raw, ${(bytes.length / 1e6).toFixed(1)} MB zstd, its disk ${disk.stored} new chunks, in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** Resumes the site's snapshot, runs FIRST_COMMANDS, and returns the disk chunks read, in the order they came. */
async function firstCommandsReads(site: string): Promise<number[]> {
  const guest = await loadGuest(site);
  const { vm } = await startDockyard({
    guest,
    wasmPath: WASM_PATH,
    store: new MemoryBlobStore(),
    seed: fileSeed(join(site, "oci")),
    onColdBoot: (why) => {
      throw new Error(`the new snapshot does not resume: ${why}`);
    },
  });
  try {
    for (const command of FIRST_COMMANDS) {
      const r = await vm.run(command);
      if (r.status !== 0) throw new Error(`${command} failed (${r.status}): ${new TextDecoder().decode(r.output)}`);
    }
    return guest.disk()!.chunksInArrivalOrder();
  } finally {
    await vm.destroy();
  }
}

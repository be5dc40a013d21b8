// Loads a guest build from a directory (public/guest) for the Node harness. The small boot files
// are read whole and checked against the manifest; the root disk is read lazily, chunk by chunk.
import { createHash } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChunkedDisk, type ChunkSource } from "../../core/vm/chunked-disk";
import type { BootFiles } from "../../core/vm/emulator";
import { BOOT_FILES, type GuestManifest } from "../../core/vm/guest-manifest";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const DEFAULT_GUEST_DIR = join(REPO_ROOT, "public", "guest");
export const WASM_PATH = join(REPO_ROOT, "node_modules", "v86", "build", "v86.wasm");

/** Same chunk size as the browser uses, so byte counts compare. */
export const DISK_CHUNK_BYTES = 256 * 1024;

export interface LoadedGuest {
  manifest: GuestManifest;
  files: BootFiles;
  /** bytes read from the guest directory so far (boot files + disk chunks) */
  bytesRead(): number;
}

async function readVerified(dir: string, manifest: GuestManifest, name: string): Promise<ArrayBuffer> {
  const entry = manifest.files[name];
  if (!entry) throw new Error(`${name} is not in ${dir}/manifest.json: rebuild with npm run build:images`);
  const bytes = await readFile(join(dir, name));
  const digest = createHash("sha256").update(bytes).digest("hex");
  if (bytes.length !== entry.size || digest !== entry.sha256) {
    throw new Error(`${dir}/${name} does not match its manifest (size ${bytes.length}, sha256 ${digest.slice(0, 12)}…): rebuild with npm run build:images`);
  }
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export async function loadGuest(dir = DEFAULT_GUEST_DIR): Promise<LoadedGuest> {
  let manifest: GuestManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as GuestManifest;
  } catch (err) {
    throw new Error(`no guest build in ${dir}: run npm run build:images first`, { cause: err });
  }
  let read = 0;
  const [bios, vgaBios, kernel, initrd] = await Promise.all(
    [BOOT_FILES.bios, BOOT_FILES.vgaBios, BOOT_FILES.kernel, BOOT_FILES.initrd].map((f) => readVerified(dir, manifest, f)),
  );
  read += bios!.byteLength + vgaBios!.byteLength + kernel!.byteLength + initrd!.byteLength;

  const diskEntry = manifest.files[BOOT_FILES.disk];
  if (!diskEntry) throw new Error(`${BOOT_FILES.disk} missing from the manifest`);
  const handle = await open(join(dir, BOOT_FILES.disk), "r");
  const source: ChunkSource = {
    size: diskEntry.size,
    chunkSize: DISK_CHUNK_BYTES,
    async read(index) {
      const start = index * DISK_CHUNK_BYTES;
      const len = Math.min(DISK_CHUNK_BYTES, diskEntry.size - start);
      const buf = new Uint8Array(len);
      const { bytesRead } = await handle.read(buf, 0, len, start);
      if (bytesRead !== len) throw new Error(`short read of the root disk at ${start}`);
      read += len;
      return buf;
    },
  };
  return {
    manifest,
    files: { bios: bios!, vgaBios: vgaBios!, kernel: kernel!, initrd: initrd!, disk: new ChunkedDisk(source), cmdline: manifest.cmdline },
    bytesRead: () => read,
  };
}

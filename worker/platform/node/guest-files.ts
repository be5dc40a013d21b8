// Loads a guest build from a directory (public/guest) for the Node harness. The small boot files
// are read whole and checked against the manifest; the root disk is read lazily, chunk by chunk.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { manifestGuestSource, type GuestSource } from "../../core/dockyard";
import type { ChunkedDisk } from "../../core/vm/chunked-disk";
import { diskChunkSource } from "../../core/vm/disk-chunk-source";
import { DISK_CHUNK_DIR, type DiskTable, type GuestFile, type GuestManifest } from "../../core/vm/guest-manifest";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const DEFAULT_GUEST_DIR = join(REPO_ROOT, "public", "guest");
export const WASM_PATH = join(REPO_ROOT, "node_modules", "v86", "build", "v86.wasm");
/** The raw root disk for QEMU, linked there by the image build. */
export const RAW_DISK_PATH = join(REPO_ROOT, ".cache", "rootfs.ext4");

export interface LoadedGuest extends GuestSource {
  manifest: GuestManifest;
  /** the disk of the machine made last (for figures) */
  disk(): ChunkedDisk | undefined;
  /** bytes read from the guest directory so far: boot files, snapshot and gzip disk chunks, as a browser would download them */
  bytesRead(): number;
}

export async function readManifest(dir = DEFAULT_GUEST_DIR): Promise<GuestManifest> {
  try {
    return JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as GuestManifest;
  } catch (err) {
    throw new Error(`no guest build in ${dir}: run npm run build:images first`, { cause: err });
  }
}

export async function loadGuest(dir = DEFAULT_GUEST_DIR): Promise<LoadedGuest> {
  const manifest = await readManifest(dir);
  let read = 0;
  let lastDisk: ChunkedDisk | undefined;

  const readVerified = async (name: string, entry: GuestFile | undefined): Promise<ArrayBuffer> => {
    if (!entry) throw new Error(`${name} is not in ${dir}/manifest.json: rebuild with npm run build:images`);
    const bytes = await readFile(join(dir, name));
    read += bytes.length;
    const digest = createHash("sha256").update(bytes).digest("hex");
    if (bytes.length !== entry.size || digest !== entry.sha256) {
      throw new Error(`${dir}/${name} does not match its manifest (size ${bytes.length}, sha256 ${digest.slice(0, 12)}…): rebuild with npm run build:images`);
    }
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };

  const readChunk = async (hex: string) => {
    const gz = new Uint8Array(await readFile(join(dir, DISK_CHUNK_DIR, `${hex}.gz`)));
    read += gz.length;
    return gz;
  };
  const source = (table: DiskTable) => diskChunkSource(table, readChunk);
  return {
    ...manifestGuestSource(manifest, readVerified, source, (disk) => (lastDisk = disk)),
    manifest,
    disk: () => lastDisk,
    bytesRead: () => read,
  };
}

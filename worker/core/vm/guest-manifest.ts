// The guest build's manifest (public/guest/manifest.json), written by images/build.ts.

export interface GuestFile {
  size: number;
  /** hex sha256 of the file's bytes */
  sha256: string;
}

/** The root disk as lazily fetched chunks: disk/<sha256 of the raw chunk>.gz, null for all-zero chunks. */
export interface DiskTable {
  size: number;
  chunkSize: number;
  chunks: (string | null)[];
  /** how many distinct chunk files were written */
  stored?: number;
  /**
   * The chunks a visit's first commands read (`docker run` of busybox and of hello-world, `ps -a`,
   * `images`), in the order first read: fetched as soon as a machine resumes on this disk, while
   * the user reads the prompt, rather than one by one under the first commands. Recorded by
   * images/snapshot.ts; only the snapshot's disk has one.
   */
  warm?: number[];
}

export interface GuestManifest {
  /** content hash of the recipes that made this build */
  build: string;
  /** kernel command line */
  cmdline: string;
  /** the boot files by path relative to the manifest (disk chunks and OCI blobs are content-addressed) */
  files: Record<string, GuestFile>;
  disk: DiskTable;
  /** v86's state of this build booted to Docker-ready, zstd-compressed (images/snapshot.ts); absent when not made */
  snapshot?: GuestSnapshot;
}

export interface GuestSnapshot extends GuestFile {
  file: string;
  /**
   * The root disk as the snapshot left it: `disk` with what the build wrote while it booted and
   * prepared the guest (Docker's storage with the seed images pulled). A resumed machine reads
   * this one; a cold boot reads `disk`.
   */
  disk: DiskTable;
}

/** The files the emulator needs to boot, by role. */
export const BOOT_FILES = {
  bios: "bios.bin",
  vgaBios: "vgabios.bin",
  kernel: "vmlinuz",
  initrd: "initramfs.cpio",
} as const;

/** The boot files in the order the emulator's options list them. */
export const BOOT_FILE_NAMES: readonly string[] = Object.values(BOOT_FILES);

/** Where the chunk files live, relative to the manifest. */
export const DISK_CHUNK_DIR = "disk";

/** Every disk chunk a build's machines may read: the cold-boot disk's and the snapshot's. */
export function diskChunks(m: GuestManifest): Set<string> {
  const all = new Set<string>();
  for (const table of [m.disk, m.snapshot?.disk]) for (const hex of table?.chunks ?? []) if (hex) all.add(hex);
  return all;
}

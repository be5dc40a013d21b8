// The guest build's manifest (public/guest/manifest.json), written by images/build.ts.

export interface GuestFile {
  size: number;
  /** hex sha256 of the file's bytes */
  sha256: string;
}

export interface GuestManifest {
  /** content hash of the recipes that made this build */
  build: string;
  /** kernel command line */
  cmdline: string;
  /** every file of the build by path relative to the manifest */
  files: Record<string, GuestFile>;
}

/** The files the emulator needs to boot, by role. */
export const BOOT_FILES = {
  bios: "bios.bin",
  vgaBios: "vgabios.bin",
  kernel: "vmlinuz",
  initrd: "initramfs.cpio",
  disk: "rootfs.ext4",
} as const;

// The seed images for the Node harness: the OCI layout in public/guest/oci, read from disk.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { staticSeed, type SeedSource } from "../../core/registry/seed";

export function fileSeed(layoutDir: string, counter?: { bytes: number }): SeedSource {
  return staticSeed(async (path) => {
    try {
      const bytes = new Uint8Array(await readFile(join(layoutDir, path)));
      if (counter) counter.bytes += bytes.length;
      return bytes;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  });
}

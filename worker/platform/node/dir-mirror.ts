// The site's partial Debian mirror for the Node harness: public/apt, read from disk
// (images/deb-mirror.ts builds it; net/outbound-http.ts routes the guest's requests to it).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { MirrorFiles } from "../../core/net/outbound-http";
import { REPO_ROOT } from "./guest-files";

export const DEFAULT_MIRROR_DIR = join(REPO_ROOT, "public", "apt");

export function dirMirror(dir = DEFAULT_MIRROR_DIR): MirrorFiles {
  return async (path) => {
    try {
      const bytes = await readFile(join(dir, path));
      return new Response(bytes, { headers: { "content-type": "application/octet-stream" } });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return undefined;
      throw err;
    }
  };
}

// The content hash of the image recipes: the cache key of a build.
// Same pins and recipes give the same hash, so a second build with nothing changed does no work.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, lstatSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";

/** Every file under `roots` (directories or single files), sorted, as paths relative to `base`. */
export function listRecipeFiles(base: string, roots: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = lstatSync(path);
      if (st.isDirectory()) walk(path);
      else out.push(relative(base, path));
    }
  };
  for (const root of roots) {
    if (lstatSync(join(base, root)).isDirectory()) walk(join(base, root));
    else out.push(root);
  }
  return out.sort();
}

/**
 * sha256 over each file's path, mode (executable or not) and bytes.
 * `salt` carries inputs that are not files (the builder's version).
 */
export function recipeHash(base: string, roots: string[], salt = ""): string {
  const h = createHash("sha256");
  h.update(`salt\0${salt}\0`);
  for (const rel of listRecipeFiles(base, roots)) {
    const path = join(base, rel);
    const st = lstatSync(path);
    const body = st.isSymbolicLink() ? Buffer.from(readlinkSync(path)) : readFileSync(path);
    h.update(`${rel}\0${st.mode & 0o111 ? "x" : "-"}\0${body.length}\0`);
    h.update(body);
  }
  return h.digest("hex");
}

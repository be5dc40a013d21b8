// What a layer must hold to turn tree `lower` into tree `upper`: changed paths and whiteouts.
// Comparison is by metadata (type, mode, owner, size, mtime, link target): files a package
// manager rewrites get a new mtime, and untouched files keep theirs.
import { lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";

export interface TreeDiff {
  /** Paths (relative, no leading slash) to copy from `upper`, parents before children. */
  changed: string[];
  /** Paths that exist in `lower` but not in `upper`: each becomes a `.wh.<name>` entry. */
  removed: string[];
}

function sameEntry(a: Stats, b: Stats, pa: string, pb: string): boolean {
  if ((a.mode & 0o170000) !== (b.mode & 0o170000)) return false;
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) return false;
  if (a.isDirectory()) return true; // a directory's contents are compared one by one
  if (a.isSymbolicLink()) return readlinkSync(pa) === readlinkSync(pb);
  return a.size === b.size && Math.floor(a.mtimeMs / 1000) === Math.floor(b.mtimeMs / 1000);
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export function diffTrees(lower: string, upper: string): TreeDiff {
  const changed = new Set<string>();
  const removed: string[] = [];
  const addWithParents = (rel: string): void => {
    const parts = rel.split("/");
    for (let i = 1; i <= parts.length; i++) changed.add(parts.slice(0, i).join("/"));
  };
  const walk = (rel: string): void => {
    const up = join(upper, rel);
    const low = join(lower, rel);
    const names = new Set(readdirSync(up));
    const lowSt = statOrUndefined(low);
    if (lowSt?.isDirectory()) {
      for (const name of readdirSync(low)) if (!names.has(name)) removed.push(rel ? `${rel}/${name}` : name);
    }
    for (const name of [...names].sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(up, name));
      const before = statOrUndefined(join(low, name));
      const same = before !== undefined && sameEntry(st, before, join(up, name), join(low, name));
      if (!same) addWithParents(childRel);
      // A directory that replaced a file is new as a whole; otherwise compare inside it.
      if (st.isDirectory()) {
        if (before && !before.isDirectory()) removed.push(childRel);
        walk(childRel);
      }
    }
  };
  walk("");
  return { changed: [...changed].sort(), removed: removed.sort() };
}

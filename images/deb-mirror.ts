// `npm run build:images`, second part: the partial Debian mirror that apt inside containers reads
// (images/deb-mirror/build.sh), built once per hash of its recipe and of debian-slim's, then linked
// into public/apt/ (served as static files: /apt/debian/ is deb.debian.org's /debian/).
//
// Its own cache key, apart from the guest's: a change of the package list downloads .debs again
// but neither rebuilds the guest nor takes a new snapshot.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { recipeHash } from "./lib/recipe-hash";
import { debianSlimTree, run } from "./lib/stages";
import { ensureI386Exec } from "./lib/i386-exec";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Bump when this file's logic changes in a way the recipe files do not show. */
const BUILDER_VERSION = "1";

function main(): void {
  const key = recipeHash(repo, ["images/deb-mirror", "images/oci/debian-slim"], BUILDER_VERSION).slice(0, 16);
  const cache = process.env.DOCKYARD_CACHE ?? join(homedir(), ".cache", "dockyard");
  const out = join(cache, "deb-mirror", key);
  const site = join(repo, "public", "apt");
  if (existsSync(out)) {
    console.error(`deb-mirror: up to date (${key})`);
  } else {
    if (process.getuid?.() !== 0) throw new Error("building the package mirror needs root (chroot): run as root or with sudo");
    ensureI386Exec();
    const work = join(cache, "work-deb-mirror");
    const tree = join(work, "debian-slim");
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    debianSlimTree(repo, cache, tree);
    run(join(repo, "images/deb-mirror/build.sh"), [tree, join(work, "out")]);
    mkdirSync(dirname(out), { recursive: true });
    renameSync(join(work, "out"), out);
    rmSync(work, { recursive: true, force: true });
  }
  // Linked anew each time (a few hundred files): it follows a changed key. Hard links, or copies
  // when the cache is on another file system.
  rmSync(site, { recursive: true, force: true });
  mkdirSync(site, { recursive: true });
  try {
    run("cp", ["-al", join(out, "debian"), join(site, "debian")]);
  } catch {
    rmSync(join(site, "debian"), { recursive: true, force: true });
    run("cp", ["-a", join(out, "debian"), join(site, "debian")]);
  }
}

try {
  main();
} catch (err) {
  console.error(`deb-mirror: build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

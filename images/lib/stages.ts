// The build's steps: running a recipe's script, and caching the trees that apt builds.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { recipeHash } from "./recipe-hash";

/** The PATH recipes run with (and the images' own). */
export const PATH_ENV = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function run(cmd: string, args: string[]): void {
  console.error(`+ ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, PATH: PATH_ENV } });
}

/**
 * Builds a tree with `script args…` once per hash of its inputs and keeps it as a tar in the
 * cache: debootstrap and apt are most of a build, and changing an init script should not redo them.
 */
export function cachedTree(repo: string, cache: string, name: string, inputs: string[], tree: string, script: string, args: string[]): void {
  const key = recipeHash(repo, inputs, `${name}\0${args.length}`).slice(0, 16);
  const tar = join(cache, "stages", `${name}-${key}.tar`);
  rmSync(tree, { recursive: true, force: true });
  if (existsSync(tar)) {
    mkdirSync(tree, { recursive: true });
    run("tar", ["--numeric-owner", "-xpf", tar, "-C", tree]);
    return;
  }
  run(join(repo, script), [tree, ...args]);
  mkdirSync(join(cache, "stages"), { recursive: true });
  run("tar", ["--numeric-owner", "-cpf", `${tar}.partial`, "-C", tree, "."]);
  renameSync(`${tar}.partial`, tar);
}

/** debian:bookworm-slim's tree, the base of the Debian images and of the package mirror. */
export function debianSlimTree(repo: string, cache: string, tree: string): void {
  cachedTree(repo, cache, "debian-slim", ["images/oci/debian-slim"], tree, "images/oci/debian-slim/build.sh", []);
}

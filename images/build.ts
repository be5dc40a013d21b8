// `npm run build:images`: builds the guest VM and the seed OCI images from images/, once per
// content hash of the recipes, into a cache outside the clone; then links the result into
// public/guest/, which the site serves as static files.
//
// Output (public/guest/, served as static files):
//   manifest.json   build hash, kernel command line, boot files' sizes and sha256, the disk's chunk table
//   bios.bin vgabios.bin vmlinuz initramfs.cpio
//   disk/<sha256>.gz  the root disk in 256 KiB chunks, gzip, named by the sha256 of the raw chunk
//   snapshot-<key>.bin  v86's state of this build booted to Docker-ready, zstd (images/snapshot.ts)
//   oci/            one OCI image layout holding the seed images (busybox, debian, nginx, python, redis, hello-world),
//                   served to the guest by the registry in worker/core/registry
import { createHash } from "node:crypto";
import { createReadStream, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { recipeHash } from "./lib/recipe-hash";
import { cachedTree, debianSlimTree, PATH_ENV, run } from "./lib/stages";
import { diffTrees } from "./lib/tree-diff";
import { layerFromPaths, layerFromTree } from "./lib/tar-layer";
import { addToOciLayout, type ImageSpec } from "./lib/oci-layout";
import { helloElf } from "./oci/hello-world/elf";
import { BOOT_FILE_NAMES, DISK_CHUNK_DIR, type GuestManifest } from "../worker/core/vm/guest-manifest";
import { chunkDisk, RAW_DISK } from "./lib/disk-chunks";
import { ensureSnapshot } from "./snapshot";
import { ensureI386Exec } from "./lib/i386-exec";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Bump when the build's own logic changes in a way the recipe files do not show. */
const BUILDER_VERSION = "2";
/** Lazy-loading granularity of the root disk: small enough that the guest fetches little it does not read. */
const DISK_CHUNK_BYTES = 256 * 1024;
/** The images' creation time: fixed, so that the same recipes give the same digests. */
const CREATED = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 1700000000) * 1000).toISOString();

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

function walkFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walkFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  );
}

async function buildImages(cache: string, out: string, work: string): Promise<void> {
  const site = join(out, "site");
  const oci = join(site, "oci");
  mkdirSync(oci, { recursive: true });
  const vmRoot = join(work, "rootfs");
  cachedTree(repo, cache, "vm-rootfs", ["images/vm/packages.txt", "images/vm/build-rootfs.sh"], vmRoot, "images/vm/build-rootfs.sh", []);

  // busybox: one layer.
  const bbTree = join(work, "busybox");
  run(join(repo, "images/oci/busybox/build.sh"), [bbTree, vmRoot]);
  const bbLayer = await layerFromTree(bbTree, join(work, "busybox.tar.gz"));
  const images: ImageSpec[] = [
    {
      name: "busybox", tags: ["latest"], created: CREATED,
      config: { Env: [`PATH=${PATH_ENV}`], Cmd: ["sh"] },
      layers: [{ layer: bbLayer, createdBy: "busybox-static from Debian bookworm, one link per applet" }],
    },
  ];

  // debian under the names courses type (`docker run -it debian bash`).
  const slimTree = join(work, "debian-slim");
  debianSlimTree(repo, cache, slimTree);
  const slim = { layer: await layerFromTree(slimTree, join(work, "debian-slim.tar.gz")), createdBy: "debian:bookworm-slim (debootstrap minbase, without docs and locales)" };
  images.push({
    name: "debian", tags: ["bookworm-slim", "12-slim", "bookworm", "12", "latest"], created: CREATED,
    config: { Env: [`PATH=${PATH_ENV}`], Cmd: ["bash"] },
    layers: [slim],
  });

  /** An image of Debian packages: the debian:bookworm-slim layer, then images/oci/NAME/build.sh's additions as a second. */
  const onDebian = async (name: string, createdBy: string) => {
    const tree = join(work, name);
    cachedTree(repo, cache, name, ["images/oci/debian-slim", "images/oci/apt-install.sh", `images/oci/${name}`], tree, `images/oci/${name}/build.sh`, [slimTree]);
    const d = diffTrees(slimTree, tree);
    return [slim, { layer: await layerFromPaths(tree, d.changed, d.removed, join(work, `${name}.tar.gz`)), createdBy }];
  };

  images.push({
    name: "nginx", tags: ["latest", "1.22", "1.22.1", "bookworm"], created: CREATED,
    config: { Env: [`PATH=${PATH_ENV}`], Cmd: ["nginx", "-g", "daemon off;"], ExposedPorts: { "80/tcp": {} }, StopSignal: "SIGQUIT" },
    layers: await onDebian("nginx", "apt-get install nginx; configured like the official image"),
  });

  // python: the official image's tags for its 3.11 on bookworm. It is slim in content (no compilers).
  const pythonTags = ["latest", "3", "3.11", "3.11.2"].flatMap((v) => [v, `${v}-bookworm`, `${v}-slim`, `${v}-slim-bookworm`]);
  images.push({
    name: "python", tags: pythonTags.map((t) => t.replace(/^latest-/, "")), created: CREATED,
    config: { Env: [`PATH=${PATH_ENV}`, "LANG=C.UTF-8", "PYTHON_VERSION=3.11.2"], Cmd: ["python3"] },
    layers: await onDebian("python", "apt-get install python3 python3-pip python-is-python3; pip installs system-wide"),
  });

  images.push({
    name: "redis", tags: ["latest", "7", "7.0", "7.0.15", "bookworm", "7-bookworm", "7.0-bookworm"], created: CREATED,
    config: {
      Env: [`PATH=${PATH_ENV}`], Entrypoint: ["docker-entrypoint.sh"], Cmd: ["redis-server"],
      WorkingDir: "/data", ExposedPorts: { "6379/tcp": {} },
    },
    layers: await onDebian("redis", "apt-get install redis-server; started like the official image"),
  });

  // hello-world: one tiny static program that prints our greeting.
  const helloTree = join(work, "hello-world");
  mkdirSync(helloTree, { recursive: true });
  writeFileSync(join(helloTree, "hello"), helloElf(readFileSync(join(repo, "images/oci/hello-world/message.txt"), "utf8")), { mode: 0o755 });
  const helloLayer = await layerFromTree(helloTree, join(work, "hello-world.tar.gz"));
  images.push({
    name: "hello-world", tags: ["latest"], created: CREATED,
    config: { Cmd: ["/hello"] },
    layers: [{ layer: helloLayer, createdBy: "a static i386 program written by images/oci/hello-world/elf.ts" }],
  });

  for (const spec of images) addToOciLayout(oci, spec);
  run(join(repo, "images/vm/assemble.sh"), [vmRoot, out, work]);
  for (const f of BOOT_FILE_NAMES) renameSync(join(out, f), join(site, f));
}

async function writeManifest(out: string, build: string): Promise<void> {
  const site = join(out, "site");
  const files: GuestManifest["files"] = {};
  for (const f of BOOT_FILE_NAMES) {
    files[f] = { size: statSync(join(site, f)).size, sha256: await sha256File(join(site, f)) };
  }
  const disk = chunkDisk(join(out, RAW_DISK), join(site, DISK_CHUNK_DIR), DISK_CHUNK_BYTES);
  const manifest: GuestManifest = {
    build,
    cmdline: readFileSync(join(repo, "images/vm/cmdline.txt"), "utf8").trim(),
    files,
    disk,
  };
  writeFileSync(join(site, "manifest.json"), JSON.stringify(manifest) + "\n");
}

function linkOrCopy(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Hard-links the cached build into public/guest, and the raw disk into .cache/ (copies across file systems). */
function publish(out: string, site: string, rawDisk: string): void {
  rmSync(site, { recursive: true, force: true });
  for (const rel of walkFiles(join(out, "site"))) linkOrCopy(join(out, "site", rel), join(site, rel));
  rmSync(rawDisk, { force: true });
  linkOrCopy(join(out, RAW_DISK), rawDisk);
}

async function main(): Promise<void> {
  const build = recipeHash(repo, ["images/vm", "images/oci", "images/lib"], BUILDER_VERSION + readFileSync(join(repo, "images/build.ts"), "utf8"));
  const cache = process.env.DOCKYARD_CACHE ?? join(homedir(), ".cache", "dockyard");
  const out = join(cache, "images", build.slice(0, 16));
  const site = join(repo, "public", "guest");
  const rawDisk = join(repo, ".cache", RAW_DISK);
  if (existsSync(join(out, "site", "manifest.json"))) {
    console.error(`images: up to date (${build.slice(0, 16)})`);
  } else {
    if (process.getuid?.() !== 0) throw new Error("building the images needs root (debootstrap and chroot): run as root or with sudo");
    if (ensureI386Exec() === "qemu-user") console.error("images: this kernel runs no i386 programs; the build runs them under qemu-user-static (slower)");
    const partial = `${out}.partial`;
    const work = join(cache, "work");
    rmSync(partial, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    mkdirSync(work, { recursive: true });
    const t0 = Date.now();
    await buildImages(cache, partial, work);
    await writeManifest(partial, build);
    renameSync(partial, out);
    rmSync(work, { recursive: true, force: true });
    console.error(`images: built ${build.slice(0, 16)} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (process.env.DOCKYARD_NO_SNAPSHOT) {
    console.error("images: no snapshot (DOCKYARD_NO_SNAPSHOT): visits boot cold");
  } else {
    // Optional for the site (it boots cold without one), so a failure here warns and goes on.
    await ensureSnapshot(join(out, "site")).catch((err: unknown) => console.error(`images: WARNING: no snapshot: ${err instanceof Error ? err.message : String(err)}`));
  }
  const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");
  if (read(join(site, "manifest.json")) !== read(join(out, "site", "manifest.json")) || !existsSync(rawDisk)) publish(out, site, rawDisk);
}

main().catch((err: unknown) => {
  console.error(`images: build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

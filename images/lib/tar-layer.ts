// Turns a directory tree (or a list of paths in it) into an OCI layer: a gzip tar, with the
// sha256 of the uncompressed tar (the diff ID) and of the compressed blob (the digest).
// GNU tar does the archiving: it knows device files, hard links and xattrs better than we would.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, basename } from "node:path";
import { createGzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";

export interface Layer {
  path: string;
  /** sha256:… of the gzip blob */
  digest: string;
  /** sha256:… of the uncompressed tar */
  diffId: string;
  size: number;
}

/** Every file's mtime is clamped to this, so rebuilding gives the same bytes. */
export const SOURCE_DATE_EPOCH = Number(process.env.SOURCE_DATE_EPOCH ?? 1700000000);

const DETERMINISTIC_TAR = [
  "--format=posix",
  "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
  "--numeric-owner",
  `--mtime=@${SOURCE_DATE_EPOCH}`,
  "--clamp-mtime",
];

function hashing(h: ReturnType<typeof createHash>, count?: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      h.update(chunk);
      if (count) count.n += chunk.length;
      done(null, chunk);
    },
  });
}

async function tarToLayer(args: string[], out: string): Promise<Layer> {
  const tar = spawn("tar", [...DETERMINISTIC_TAR, "-cf", "-", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve, reject) =>
    tar.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`tar exited with ${code} (${args.join(" ")})`)))),
  );
  const diff = createHash("sha256");
  const blob = createHash("sha256");
  const size = { n: 0 };
  await pipeline(tar.stdout, hashing(diff), createGzip({ level: 9 }), hashing(blob, size), createWriteStream(out));
  await exited;
  return { path: out, digest: `sha256:${blob.digest("hex")}`, diffId: `sha256:${diff.digest("hex")}`, size: size.n };
}

/** A layer holding the whole tree. */
export function layerFromTree(tree: string, out: string): Promise<Layer> {
  return tarToLayer(["--sort=name", "-C", tree, "."], out);
}

/**
 * A layer holding `paths` of `tree` (not recursing: list directories' contents yourself)
 * plus an empty `.wh.<name>` whiteout for each of `removed`.
 */
export async function layerFromPaths(tree: string, paths: string[], removed: string[], out: string): Promise<Layer> {
  const scratch = mkdtempSync(join(tmpdir(), "layer-"));
  try {
    const list = join(scratch, "list");
    writeFileSync(list, paths.map((p) => `./${p}\0`).join(""));
    const args = ["--no-recursion", "--null", "-C", tree, "-T", list];
    if (removed.length > 0) {
      const wh = join(scratch, "wh");
      const whList: string[] = [];
      for (const rel of removed) {
        const entry = join(dirname(rel), `.wh.${basename(rel)}`);
        mkdirSync(join(wh, dirname(rel)), { recursive: true });
        writeFileSync(join(wh, entry), "");
        whList.push(`./${entry}\0`);
      }
      writeFileSync(join(scratch, "whlist"), whList.join(""));
      args.push("-C", wh, "-T", join(scratch, "whlist"));
    }
    return await tarToLayer(args, out);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

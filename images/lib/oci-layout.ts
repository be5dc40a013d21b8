// Writes images into one OCI image layout (oci-layout, index.json, blobs/sha256/…), the form the
// site publishes them in and the registry serves them from.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Layer } from "./tar-layer";

export const MEDIA = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

/** The runtime part of an image config (OCI image-spec config.md, "config" field). */
export interface RunConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  StopSignal?: string;
  Labels?: Record<string, string>;
}

export interface ImageSpec {
  /** Repository and tags as users type them: "nginx", ["latest"]. Every tag names the same manifest. */
  name: string;
  tags: string[];
  config: RunConfig;
  /** One entry per layer, in order: what made it (the "created_by" of the image history). */
  layers: { layer: Layer; createdBy: string }[];
  created: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const sha256 = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const blobPath = (dir: string, digest: string): string => join(dir, "blobs", "sha256", digest.slice("sha256:".length));

/** Serialises JSON the same way every time, so equal inputs give equal digests. */
export function canonicalJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function imageConfig(spec: ImageSpec): Buffer {
  return canonicalJson({
    architecture: "386",
    os: "linux",
    created: spec.created,
    config: spec.config,
    rootfs: { type: "layers", diff_ids: spec.layers.map((l) => l.layer.diffId) },
    history: spec.layers.map((l) => ({ created: spec.created, created_by: l.createdBy })),
  });
}

interface OciIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
}

/** A reference in the layout's index: "<repository>:<tag>" as the registry names it. */
export function refName(name: string, tag: string): string {
  const repo = name.includes("/") ? name : `library/${name}`;
  return `${repo}:${tag}`;
}

/**
 * Adds an image to the OCI layout in `dir` (creating it): its blobs, and one entry in index.json per
 * tag, named by org.opencontainers.image.ref.name, all pointing at the one manifest. Images share
 * blobs (nginx and debian:bookworm-slim share their base layer). Returns the manifest's digest.
 */
export function addToOciLayout(dir: string, spec: ImageSpec): string {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  writeFileSync(join(dir, "oci-layout"), canonicalJson({ imageLayoutVersion: "1.0.0" }));

  const config = imageConfig(spec);
  const configDesc: Descriptor = { mediaType: MEDIA.config, digest: sha256(config), size: config.length };
  writeFileSync(blobPath(dir, configDesc.digest), config);

  const layerDescs: Descriptor[] = spec.layers.map(({ layer }) => {
    copyFileSync(layer.path, blobPath(dir, layer.digest));
    return { mediaType: MEDIA.layerGzip, digest: layer.digest, size: layer.size };
  });

  const manifest = canonicalJson({ schemaVersion: 2, mediaType: MEDIA.manifest, config: configDesc, layers: layerDescs });
  const digest = sha256(manifest);
  writeFileSync(blobPath(dir, digest), manifest);

  const indexPath = join(dir, "index.json");
  const index: OciIndex = existsSync(indexPath)
    ? (JSON.parse(readFileSync(indexPath, "utf8")) as OciIndex)
    : { schemaVersion: 2, mediaType: MEDIA.index, manifests: [] };
  for (const tag of spec.tags) {
    const ref = refName(spec.name, tag);
    index.manifests = index.manifests.filter((m) => m.annotations?.["org.opencontainers.image.ref.name"] !== ref);
    index.manifests.push({ mediaType: MEDIA.manifest, digest, size: manifest.length, annotations: { "org.opencontainers.image.ref.name": ref } });
  }
  writeFileSync(indexPath, canonicalJson(index));
  return digest;
}

// Writes an image as an OCI image layout (oci-layout, index.json, blobs/sha256/…) that also
// carries Docker's manifest.json, so both OCI tools and `docker load` (Docker 20.10) read it.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
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
  /** Repository and tag as users type them: "nginx", "latest". */
  name: string;
  tag: string;
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

/** Writes the layout into `dir` (which may already hold other images' blobs) and returns the manifest descriptor. */
export function writeOciLayout(dir: string, spec: ImageSpec): Descriptor {
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
  const manifestDesc: Descriptor = {
    mediaType: MEDIA.manifest,
    digest: sha256(manifest),
    size: manifest.length,
    annotations: {
      "io.containerd.image.name": `docker.io/library/${spec.name}:${spec.tag}`,
      "org.opencontainers.image.ref.name": spec.tag,
    },
  };
  writeFileSync(blobPath(dir, manifestDesc.digest), manifest);
  writeFileSync(join(dir, "index.json"), canonicalJson({ schemaVersion: 2, mediaType: MEDIA.index, manifests: [manifestDesc] }));

  // Docker 20.10's `docker load` reads only this file; it points into the same blobs.
  writeFileSync(
    join(dir, "manifest.json"),
    canonicalJson([
      {
        Config: `blobs/sha256/${configDesc.digest.slice(7)}`,
        RepoTags: [`${spec.name}:${spec.tag}`],
        Layers: layerDescs.map((d) => `blobs/sha256/${d.digest.slice(7)}`),
      },
    ]),
  );
  return manifestDesc;
}

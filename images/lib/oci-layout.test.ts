import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addToOciLayout, type ImageSpec } from "./oci-layout";
import type { Layer } from "./tar-layer";

const digestOf = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function layer(dir: string, bytes: string): Layer {
  const path = join(dir, `${bytes}.tar.gz`);
  writeFileSync(path, bytes);
  return { path, digest: digestOf(bytes), diffId: digestOf(`${bytes}-raw`), size: bytes.length };
}

interface Index {
  manifests: { digest: string; annotations: Record<string, string> }[];
}

describe("addToOciLayout", () => {
  const work = mkdtempSync(join(tmpdir(), "oci-"));
  const oci = join(work, "oci");
  const base = layer(work, "base");
  const spec = (name: string, tags: string[], layers: Layer[]): ImageSpec => ({
    name, tags, created: "2023-11-14T22:13:20.000Z", config: { Cmd: ["sh"] },
    layers: layers.map((l) => ({ layer: l, createdBy: "test" })),
  });

  it("names one manifest by every tag, and shares blobs between images", () => {
    const debian = addToOciLayout(oci, spec("debian", ["latest", "12"], [base]));
    const app = addToOciLayout(oci, spec("me/app", ["1"], [base, layer(work, "app")]));
    const index = JSON.parse(readFileSync(join(oci, "index.json"), "utf8")) as Index;
    const refs = Object.fromEntries(index.manifests.map((m) => [m.annotations["org.opencontainers.image.ref.name"], m.digest]));
    expect(refs).toEqual({ "library/debian:latest": debian, "library/debian:12": debian, "me/app:1": app });
    // every blob is named by its own digest: two layers, two configs, two manifests
    const blobs = readdirSync(join(oci, "blobs", "sha256"));
    expect(blobs).toHaveLength(6);
    for (const b of blobs) expect(digestOf(readFileSync(join(oci, "blobs", "sha256", b)))).toBe(`sha256:${b}`);
  });

  it("moves a tag added again to the new manifest, and leaves the others", () => {
    const before = JSON.parse(readFileSync(join(oci, "index.json"), "utf8")) as Index;
    const moved = addToOciLayout(oci, { ...spec("debian", ["12"], [base]), config: { Cmd: ["bash"] } });
    const index = JSON.parse(readFileSync(join(oci, "index.json"), "utf8")) as Index;
    const refs = Object.fromEntries(index.manifests.map((m) => [m.annotations["org.opencontainers.image.ref.name"], m.digest]));
    expect(refs["library/debian:12"]).toBe(moved);
    expect(refs["library/debian:latest"]).not.toBe(moved);
    expect(index.manifests).toHaveLength(before.manifests.length);
  });
});

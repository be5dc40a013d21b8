// The behaviour every BlobStore back-end must show. Call it from each back-end's test file.
import { expect, it } from "vitest";
import type { BlobStore } from "./blob-store";
import { sha256Digest } from "./digest";

export function blobStoreSuite(make: () => Promise<BlobStore>): void {
  const bytes = new TextEncoder().encode("layer bytes");

  it("stores and returns a blob by digest", async () => {
    const store = await make();
    const d = await sha256Digest(bytes);
    expect(await store.has(d)).toBe(false);
    expect(await store.get(d)).toBeUndefined();
    await store.put(d, bytes);
    expect(await store.has(d)).toBe(true);
    expect(await store.get(d)).toEqual(bytes);
  });

  it("deletes a blob", async () => {
    const store = await make();
    const d = await sha256Digest(bytes);
    await store.put(d, bytes);
    await store.delete(d);
    expect(await store.has(d)).toBe(false);
  });

  it("keeps records and lists them by prefix", async () => {
    const store = await make();
    await store.setRecord("tag/library/busybox/latest", { digest: "sha256:1" });
    await store.setRecord("tag/me/bb/1", { digest: "sha256:2" });
    await store.setRecord("other", 1);
    expect(await store.getRecord("tag/me/bb/1")).toEqual({ digest: "sha256:2" });
    expect(await store.recordKeys("tag/")).toEqual(["tag/library/busybox/latest", "tag/me/bb/1"]);
    await store.deleteRecord("tag/me/bb/1");
    expect(await store.getRecord("tag/me/bb/1")).toBeUndefined();
  });
}

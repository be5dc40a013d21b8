import { afterEach, describe, expect, it, vi } from "vitest";
import type { GuestManifest } from "../../core/vm/guest-manifest";
import { IdleGate } from "../../core/vm/guest-activity";
import type { FileCache } from "./file-cache";
import { keepForOffline } from "./offline-keeper";

const manifest: GuestManifest = {
  build: "b1",
  cmdline: "",
  files: { "bios.bin": { size: 1, sha256: "aa" }, vmlinuz: { size: 1, sha256: "bb" } },
  disk: { size: 2, chunkSize: 1, chunks: ["c1", null] },
} as GuestManifest;

/** An in-memory stand-in for the browser's file cache: only what keepForOffline touches. */
function memoryCache(): FileCache & { stored: Map<string, Uint8Array> } {
  const stored = new Map<string, Uint8Array>();
  return {
    stored,
    keys: async () => new Set(stored.keys()),
    has: async (k: string) => stored.has(k),
    put: async (k: string, b: Uint8Array) => (stored.set(k, b), true),
  } as unknown as FileCache & { stored: Map<string, Uint8Array> };
}

describe("keepForOffline", () => {
  afterEach(() => void vi.unstubAllGlobals());

  it("downloads nothing while the guest is busy, then every missing file once it idles", async () => {
    const fetched: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => (fetched.push(url), new Response(new Uint8Array([1]))));
    const cache = memoryCache();
    const gate = new IdleGate();
    gate.setBusy(true);
    const done = keepForOffline("https://site/guest", manifest, cache, () => gate.whenIdle(), () => undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(fetched).toEqual([]);
    gate.setBusy(false);
    expect(await done).toBe(true);
    expect(fetched.sort()).toEqual(["https://site/guest/bios.bin", "https://site/guest/disk/c1.gz", "https://site/guest/vmlinuz"]);
    expect([...cache.stored.keys()].sort()).toEqual(["chunk/c1", "file/aa", "file/bb"]);
  });

  it("skips a file stored meanwhile by the emulator's own reads, and counts it kept", async () => {
    const fetched: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => (fetched.push(url), new Response(new Uint8Array([1]))));
    const cache = memoryCache();
    const gate = new IdleGate();
    gate.setBusy(true);
    const reports: number[] = [];
    const done = keepForOffline("https://site/guest", manifest, cache, () => gate.whenIdle(), (kept) => reports.push(kept));
    await new Promise((r) => setTimeout(r, 20));
    cache.stored.set("chunk/c1", new Uint8Array([1])); // the guest read it while the keeper waited
    gate.setBusy(false);
    expect(await done).toBe(true);
    expect(fetched.sort()).toEqual(["https://site/guest/bios.bin", "https://site/guest/vmlinuz"]);
    expect(reports.at(-1)).toBe(3);
  });
});

// Keeps the whole guest build in this browser, so a later visit works without the network
// whatever the user runs (a resumed visit reads only part of the disk). Runs in a worker of its
// own (keeper-worker.ts), not beside the emulator: measured in Chromium, downloading and storing
// 175 MB on the emulator's thread made a `docker pull busybox` typed meanwhile take 53 s, not 35 s.
import type { GuestManifest } from "../../core/vm/guest-manifest";
import type { FileCache } from "./file-cache";
import { buildFiles, fetchBytes } from "./guest-fetch";

/** Downloads at once: enough to fill a link, few enough to leave room for the guest's own reads. */
const KEEP_PARALLEL = 2;

/**
 * Downloads into the cache every file of the build it does not hold yet, each once `whenIdle`
 * lets it. Reports [kept, total] files as it goes; resolves false if the browser's storage ran
 * out, rejects if the network did.
 */
export async function keepForOffline(
  base: string,
  manifest: GuestManifest,
  cache: FileCache,
  whenIdle: () => Promise<void>,
  report: (kept: number, total: number) => void,
): Promise<boolean> {
  const wanted = buildFiles(base, manifest); // cache key → URL
  const held = await cache.keys();
  const missing = [...wanted].filter(([key]) => !held.has(key));
  let kept = wanted.size - missing.length;
  report(kept, wanted.size);
  let full = false;
  const next = async (): Promise<void> => {
    for (let item = missing.pop(); item && !full; item = missing.pop()) {
      const [key, url] = item;
      await whenIdle();
      // The emulator's disk stores what it fetches too (the guest's reads, the warm chunks fetched
      // as the machine resumes): many of the files missing at the start are here by now.
      if (await cache.has(key)) {
        report(++kept, wanted.size);
        continue;
      }
      // Checked when read, as every cached file is; a bad copy is fetched again then.
      if (!(await cache.put(key, await fetchBytes(url, () => undefined)))) full = true;
      else report(++kept, wanted.size);
    }
  };
  await Promise.all(Array.from({ length: KEEP_PARALLEL }, next));
  return !full;
}

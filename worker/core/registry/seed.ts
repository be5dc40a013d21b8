// The seed images: one OCI image layout published with the site (public/guest/oci/), read over
// whatever `fetchFile` reaches (fetch in the browser, the file system in Node). Its index.json
// names each image with an "org.opencontainers.image.ref.name" of "<repository>:<tag>".

export type FetchFile = (path: string) => Promise<Uint8Array | undefined>;

export interface SeedSource {
  /** repository → tag → manifest digest */
  tags(): Promise<Map<string, Map<string, string>>>;
  /** The blob's bytes (unverified), or undefined when the seed does not hold it. */
  fetchBlob(digest: string): Promise<Uint8Array | undefined>;
}

interface OciIndex {
  manifests: { digest: string; annotations?: Record<string, string> }[];
}

export const REF_NAME = "org.opencontainers.image.ref.name";

export function staticSeed(fetchFile: FetchFile): SeedSource {
  let tagsOnce: Promise<Map<string, Map<string, string>>> | undefined;
  return {
    tags() {
      tagsOnce ??= (async () => {
        const out = new Map<string, Map<string, string>>();
        const bytes = await fetchFile("index.json");
        if (!bytes) return out;
        const index = JSON.parse(new TextDecoder().decode(bytes)) as OciIndex;
        for (const m of index.manifests) {
          const ref = m.annotations?.[REF_NAME];
          const at = ref?.lastIndexOf(":") ?? -1;
          if (!ref || at < 0) continue;
          const repo = ref.slice(0, at);
          if (!out.has(repo)) out.set(repo, new Map());
          out.get(repo)!.set(ref.slice(at + 1), m.digest);
        }
        return out;
      })();
      return tagsOnce;
    },
    fetchBlob(digest) {
      return fetchFile(`blobs/sha256/${digest.slice("sha256:".length)}`);
    },
  };
}

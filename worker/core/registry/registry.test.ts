import { beforeEach, describe, expect, it } from "vitest";
import { MemoryBlobStore } from "../store/blob-store";
import { sha256Digest } from "../store/digest";
import { RegistryContent } from "./content";
import { createRegistry, type RegistryHandler } from "./registry";
import { staticSeed } from "./seed";

const enc = new TextEncoder();
const HUB = "http://mirror.dockyard";
const LOCAL = "http://registry.local:5000";

/** A seed holding library/busybox:latest: config, one layer, a manifest. */
async function seedFiles() {
  const files = new Map<string, Uint8Array>();
  const put = async (bytes: Uint8Array) => {
    const d = await sha256Digest(bytes);
    files.set(`blobs/sha256/${d.slice(7)}`, bytes);
    return d;
  };
  const layer = enc.encode("layer-bytes-0123456789");
  const config = enc.encode('{"architecture":"386","os":"linux"}');
  const layerDigest = await put(layer);
  const configDigest = await put(config);
  const manifest = enc.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layerDigest, size: layer.length }],
    }),
  );
  const manifestDigest = await put(manifest);
  files.set(
    "index.json",
    enc.encode(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: manifestDigest, annotations: { "org.opencontainers.image.ref.name": "library/busybox:latest" } }] })),
  );
  return { files, layer, layerDigest, configDigest, manifest, manifestDigest };
}

let reg: RegistryHandler;
let store: MemoryBlobStore;
let content: RegistryContent;
let seed: Awaited<ReturnType<typeof seedFiles>>;
let seedFetches: string[];

beforeEach(async () => {
  seed = await seedFiles();
  seedFetches = [];
  store = new MemoryBlobStore();
  content = new RegistryContent(
    store,
    staticSeed(async (p) => {
      seedFetches.push(p);
      return seed.files.get(p);
    }),
  );
  reg = createRegistry(content, { authHosts: ["registry.local", "registry-1.docker.io"], httpsHosts: ["registry-1.docker.io"] });
});

const call = (method: string, url: string, init: RequestInit = {}) => reg(new Request(url, { method, ...init }));
const errorCode = async (res: Response) => ((await res.json()) as { errors: { code: string }[] }).errors[0]!.code;

async function login(user = "me", password = "secret"): Promise<string> {
  const res = await call("GET", `${LOCAL}/token?service=dockyard&scope=repository:me/bb:pull,push`, {
    headers: { Authorization: `Basic ${btoa(`${user}:${password}`)}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

async function pushBlob(bytes: Uint8Array<ArrayBuffer>, token: string, repo = "me/bb"): Promise<string> {
  const auth = { Authorization: `Bearer ${token}` };
  const d = await sha256Digest(bytes);
  const start = await call("POST", `${LOCAL}/v2/${repo}/blobs/uploads/`, { headers: auth });
  expect(start.status).toBe(202);
  const loc = new URL(start.headers.get("Location")!, LOCAL);
  const patch = await call("PATCH", loc.href, { headers: { ...auth, "Content-Range": `0-${bytes.length - 1}` }, body: bytes });
  expect(patch.status).toBe(202);
  expect(patch.headers.get("Range")).toBe(`0-${bytes.length - 1}`);
  const put = await call("PUT", `${loc.href}?digest=${d}`, { headers: auth });
  expect(put.status).toBe(201);
  return d;
}

describe("registry: reading", () => {
  it("answers the base endpoint with the API version header", async () => {
    const res = await call("GET", `${HUB}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Docker-Distribution-API-Version")).toBe("registry/2.0");
  });

  it("serves a seed manifest by tag and by digest, with its media type and digest", async () => {
    for (const ref of ["latest", seed.manifestDigest]) {
      const res = await call("GET", `${HUB}/v2/library/busybox/manifests/${ref}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toBe("application/vnd.oci.image.manifest.v1+json");
      expect(res.headers.get("Docker-Content-Digest")).toBe(seed.manifestDigest);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(seed.manifest);
    }
    const head = await call("HEAD", `${HUB}/v2/library/busybox/manifests/latest`);
    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Length")).toBe(String(seed.manifest.length));
  });

  it("says MANIFEST_UNKNOWN for an unknown tag and NAME_INVALID for a bad name", async () => {
    const res = await call("GET", `${HUB}/v2/library/busybox/manifests/nope`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("MANIFEST_UNKNOWN");
    const bad = await call("GET", `${HUB}/v2/Library/BusyBox/manifests/latest`);
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe("NAME_INVALID");
  });

  it("tells a pull of an image it lacks that there is no internet, and what it holds instead", async () => {
    const message = async (res: Response) => ((await res.json()) as { errors: { message: string }[] }).errors[0]!.message;
    const tag = await call("GET", `${HUB}/v2/library/busybox/manifests/1.36`);
    expect(tag.status).toBe(404);
    expect(await message(tag)).toBe("this playground has no internet, and its registry holds no busybox:1.36; busybox's tags here: latest");
    const repo = await call("GET", `${HUB}/v2/library/alpine/manifests/latest`);
    expect(repo.status).toBe(404);
    expect(await message(repo)).toBe("this playground has no internet, and its registry holds no alpine:latest; its images: busybox, and the images you push");
    const byDigest = await call("GET", `${HUB}/v2/library/alpine/manifests/sha256:${"0".repeat(64)}`);
    expect(await message(byDigest)).toBe("manifest unknown to registry");
  });

  it("serves blobs whole and by range, and refuses a range past the end", async () => {
    const url = `${HUB}/v2/library/busybox/blobs/${seed.layerDigest}`;
    expect(new Uint8Array(await (await call("GET", url)).arrayBuffer())).toEqual(seed.layer);
    const part = await call("GET", url, { headers: { Range: "bytes=6-10" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("Content-Range")).toBe(`bytes 6-10/${seed.layer.length}`);
    expect(new TextDecoder().decode(await part.arrayBuffer())).toBe("bytes");
    const suffix = await call("GET", url, { headers: { Range: "bytes=-4" } });
    expect(new TextDecoder().decode(await suffix.arrayBuffer())).toBe("6789");
    const bad = await call("GET", url, { headers: { Range: "bytes=999-" } });
    expect(bad.status).toBe(416);
  });

  it("says BLOB_UNKNOWN for a blob nobody has", async () => {
    const res = await call("GET", `${HUB}/v2/library/busybox/blobs/sha256:${"0".repeat(64)}`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("BLOB_UNKNOWN");
  });

  it("fetches a seed blob once, then serves it from the store", async () => {
    const url = `${HUB}/v2/library/busybox/blobs/${seed.layerDigest}`;
    await call("GET", url);
    await call("GET", url);
    expect(seedFetches.filter((p) => p.startsWith("blobs/")).length).toBe(1);
    expect(content.seedBytes).toBe(seed.layer.length);
  });

  it("drops a corrupt stored blob and fetches it again instead of serving it", async () => {
    const url = `${HUB}/v2/library/busybox/blobs/${seed.layerDigest}`;
    await call("GET", url);
    store.corrupt(seed.layerDigest, enc.encode("rotten"));
    const fresh = new RegistryContent(store, staticSeed(async (p) => seed.files.get(p)));
    const res = await createRegistry(fresh)(new Request(url));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(seed.layer);
    expect(await store.get(seed.layerDigest)).toEqual(seed.layer);
  });

  it("still resolves a seed tag it has seen when the seed is unreachable", async () => {
    await call("GET", `${HUB}/v2/library/busybox/manifests/latest`);
    const offline = new RegistryContent(store, staticSeed(async () => undefined));
    const res = await createRegistry(offline)(new Request(`${HUB}/v2/library/busybox/manifests/latest`));
    expect(res.status).toBe(200);
    expect(res.headers.get("Docker-Content-Digest")).toBe(seed.manifestDigest);
  });

  it("lists tags and the catalog, with pagination", async () => {
    const tags = await call("GET", `${HUB}/v2/library/busybox/tags/list`);
    expect(await tags.json()).toEqual({ name: "library/busybox", tags: ["latest"] });
    const unknown = await call("GET", `${HUB}/v2/nobody/tags/list`);
    expect(await errorCode(unknown)).toBe("NAME_UNKNOWN");
    await content.setTag("library/alpine", "3", seed.manifestDigest);
    const page = await call("GET", `${HUB}/v2/_catalog?n=1`);
    expect(await page.json()).toEqual({ repositories: ["library/alpine"] });
    expect(page.headers.get("Link")).toContain("last=library%2Falpine");
  });
});

describe("registry: search", () => {
  it("answers Docker Hub's v1 search from the images it holds", async () => {
    const res = await call("GET", `${HUB}/v1/search?q=busy&n=25`);
    const body = (await res.json()) as { num_results: number; results: { name: string; is_official: boolean }[] };
    expect(body.num_results).toBe(1);
    expect(body.results[0]).toMatchObject({ name: "busybox", is_official: true });
  });
});

describe("registry: login and push", () => {
  it("challenges for a token on registry.local, and gives anonymous tokens that may only pull", async () => {
    const res = await call("GET", `${LOCAL}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="http:\/\/registry.local:5000\/token"/);
    const anon = ((await (await call("GET", `${LOCAL}/token?service=dockyard`)).json()) as { token: string }).token;
    expect((await call("GET", `${LOCAL}/v2/`, { headers: { Authorization: `Bearer ${anon}` } })).status).toBe(200);
    const push = await call("POST", `${LOCAL}/v2/me/bb/blobs/uploads/`, { headers: { Authorization: `Bearer ${anon}` } });
    expect(push.status).toBe(403);
    expect(await errorCode(push)).toBe("DENIED");
  });

  it("gives an https realm to hosts behind the guest's TLS front (Docker Hub's names), though the request came as http", async () => {
    const res = await call("GET", "http://registry-1.docker.io/v2/");
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="https:\/\/registry-1.docker.io\/token"/);
  });

  it("refuses a login with an empty password", async () => {
    const res = await call("GET", `${LOCAL}/token`, { headers: { Authorization: `Basic ${btoa("me:")}` } });
    expect(res.status).toBe(401);
  });

  it("takes a chunked upload and a manifest, then serves the image back", async () => {
    const token = await login();
    const auth = { Authorization: `Bearer ${token}` };
    const layer = await pushBlob(enc.encode("my layer"), token);
    const config = await pushBlob(enc.encode("{}"), token);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: 2 },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer, size: 8 }],
    });
    const put = await call("PUT", `${LOCAL}/v2/me/bb/manifests/1`, {
      headers: { ...auth, "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest,
    });
    expect(put.status).toBe(201);
    const got = await call("GET", `${LOCAL}/v2/me/bb/manifests/1`, { headers: auth });
    expect(await got.text()).toBe(manifest);
    expect((await call("DELETE", `${LOCAL}/v2/me/bb/manifests/1`, { headers: auth })).status).toBe(202);
    expect((await call("GET", `${LOCAL}/v2/me/bb/manifests/1`, { headers: auth })).status).toBe(404);
  });

  it("refuses a manifest naming a blob it does not have", async () => {
    const token = await login();
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"1".repeat(64)}`, size: 2 },
      layers: [],
    });
    const res = await call("PUT", `${LOCAL}/v2/me/bb/manifests/1`, { headers: { Authorization: `Bearer ${token}` }, body: manifest });
    expect(await errorCode(res)).toBe("MANIFEST_BLOB_UNKNOWN");
    const notJson = await call("PUT", `${LOCAL}/v2/me/bb/manifests/1`, { headers: { Authorization: `Bearer ${token}` }, body: "{" });
    expect(await errorCode(notJson)).toBe("MANIFEST_INVALID");
  });

  it("refuses an upload whose bytes do not match the digest, and an unknown upload", async () => {
    const token = await login();
    const auth = { Authorization: `Bearer ${token}` };
    const wrong = await call("POST", `${LOCAL}/v2/me/bb/blobs/uploads/?digest=${await sha256Digest(enc.encode("a"))}`, { headers: auth, body: "b" });
    expect(wrong.status).toBe(400);
    expect(await errorCode(wrong)).toBe("DIGEST_INVALID");
    const unknown = await call("PATCH", `${LOCAL}/v2/me/bb/blobs/uploads/nope`, { headers: auth, body: "x" });
    expect(await errorCode(unknown)).toBe("BLOB_UPLOAD_UNKNOWN");
  });

  it("refuses a chunk that does not continue the upload", async () => {
    const token = await login();
    const auth = { Authorization: `Bearer ${token}` };
    const start = await call("POST", `${LOCAL}/v2/me/bb/blobs/uploads/`, { headers: auth });
    const loc = new URL(start.headers.get("Location")!, LOCAL).href;
    const res = await call("PATCH", loc, { headers: { ...auth, "Content-Range": "5-6" }, body: "xy" });
    expect(res.status).toBe(416);
  });

  it("mounts a blob from another repository without an upload", async () => {
    const token = await login();
    const res = await call("POST", `${LOCAL}/v2/me/bb/blobs/uploads/?mount=${seed.layerDigest}&from=library/busybox`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("Docker-Content-Digest")).toBe(seed.layerDigest);
  });

  it("takes a monolithic upload in the POST", async () => {
    const token = await login();
    const bytes = enc.encode("whole");
    const d = await sha256Digest(bytes);
    const res = await call("POST", `${LOCAL}/v2/me/bb/blobs/uploads/?digest=${d}`, { headers: { Authorization: `Bearer ${token}` }, body: bytes });
    expect(res.status).toBe(201);
    expect(await store.has(d)).toBe(true);
  });
});

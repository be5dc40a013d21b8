// An OCI Distribution registry as one function: handle(Request) => Response.
// Routes (names.ts) → one handler per resource (below) → RegistryContent → the blob store.
// Which hosts need a login is the caller's choice (RegistryOptions.authHosts).
import { isDigest, sha256Digest } from "../store/digest";
import { TokenAuth, type Access } from "./auth";
import type { RegistryContent } from "./content";
import { RegistryError } from "./errors";
import { isRepositoryName, isTag, parseRoute, type Route } from "./names";
import { Uploads } from "./uploads";

export interface RegistryOptions {
  /** Host names (without port) whose clients must log in to push; others are open (the Hub mirror). */
  authHosts?: string[];
  /**
   * Host names clients reach over HTTPS through a TLS front that forwards plain HTTP here (the
   * guest's stand-ins for Docker Hub): their token realm must say https, though requests arrive as http.
   */
  httpsHosts?: string[];
}

const MANIFEST_TYPES = new Set([
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);

const API_HEADERS = { "Docker-Distribution-API-Version": "registry/2.0" };

interface ParsedManifest {
  mediaType?: string;
  config?: { digest: string };
  layers?: { digest: string }[];
  manifests?: { digest: string }[];
}

export type RegistryHandler = (req: Request) => Promise<Response>;

export function createRegistry(content: RegistryContent, options: RegistryOptions = {}): RegistryHandler {
  const uploads = new Uploads();
  const auth = new TokenAuth("dockyard");
  const authHosts = new Set(options.authHosts ?? []);

  const needsAuth = (url: URL): boolean => authHosts.has(url.hostname);
  const httpsHosts = new Set(options.httpsHosts ?? []);
  const realmOf = (url: URL): string => `${httpsHosts.has(url.hostname) ? "https:" : url.protocol}//${url.host}/token`;

  function authorize(req: Request, url: URL, access: Access, repo?: string): void {
    if (needsAuth(url)) auth.check(req, realmOf(url), access, repo);
  }

  function repoName(name: string): string {
    if (!isRepositoryName(name)) throw new RegistryError("NAME_INVALID", { name });
    return name;
  }

  function paginate(items: string[], url: URL): { items: string[]; link?: string } {
    const last = url.searchParams.get("last");
    const n = Number(url.searchParams.get("n") ?? "0");
    let out = last ? items.filter((i) => i > last) : items;
    let link: string | undefined;
    if (n > 0 && out.length > n) {
      out = out.slice(0, n);
      const next = new URL(url);
      next.searchParams.set("last", out[out.length - 1]!);
      link = `<${next.pathname}${next.search}>; rel="next"`;
    }
    return { items: out, link };
  }

  async function manifestDigest(repo: string, reference: string): Promise<string | undefined> {
    if (isDigest(reference)) return reference;
    if (!isTag(reference)) throw new RegistryError("MANIFEST_INVALID", { reference });
    return content.resolveTag(repo, reference);
  }

  /**
   * What a pull of a name this registry lacks is told instead. Docker prints it after "manifest
   * unknown:", and a learner whose tutorial says `docker run alpine` learns why it fails here (no
   * internet) and what would run.
   */
  async function missingImageMessage(repo: string, reference: string): Promise<string | undefined> {
    if (isDigest(reference)) return undefined;
    const short = (name: string) => name.replace(/^library\//, "");
    const all = await content.allTags();
    const tags = [...(all.get(repo)?.keys() ?? [])].sort();
    const lacks = `this playground has no internet, and its registry holds no ${short(repo)}:${reference}`;
    if (tags.length) return `${lacks}; ${short(repo)}'s tags here: ${tags.join(", ")}`;
    const official = [...all.keys()].filter((name) => name.startsWith("library/") && all.get(name)!.size).map(short).sort();
    return `${lacks}; its images: ${[...official, "and the images you push"].join(", ")}`;
  }

  async function getManifest(req: Request, repo: string, reference: string): Promise<Response> {
    const digest = await manifestDigest(repo, reference);
    const bytes = digest && (await content.getBlob(digest));
    if (!digest || !bytes) throw new RegistryError("MANIFEST_UNKNOWN", { name: repo, reference }, {}, digest ? undefined : await missingImageMessage(repo, reference));
    let mediaType: string | undefined;
    try {
      mediaType = (JSON.parse(new TextDecoder().decode(bytes)) as ParsedManifest).mediaType;
    } catch {
      mediaType = undefined;
    }
    const headers = {
      "Content-Type": mediaType ?? "application/vnd.oci.image.manifest.v1+json",
      "Content-Length": String(bytes.length),
      "Docker-Content-Digest": digest,
      ETag: `"${digest}"`,
    };
    return new Response(req.method === "HEAD" ? null : (bytes as Uint8Array<ArrayBuffer>), { status: 200, headers });
  }

  async function putManifest(req: Request, repo: string, reference: string): Promise<Response> {
    const bytes = new Uint8Array(await req.arrayBuffer());
    let m: ParsedManifest;
    try {
      m = JSON.parse(new TextDecoder().decode(bytes)) as ParsedManifest;
    } catch {
      throw new RegistryError("MANIFEST_INVALID", "not JSON");
    }
    const type = m.mediaType ?? req.headers.get("Content-Type") ?? "";
    if (!MANIFEST_TYPES.has(type)) throw new RegistryError("MANIFEST_INVALID", { mediaType: type });
    const refs = [m.config?.digest, ...(m.layers ?? []).map((l) => l.digest), ...(m.manifests ?? []).map((x) => x.digest)];
    for (const d of refs) {
      if (d !== undefined && !(await content.hasBlob(d))) throw new RegistryError("MANIFEST_BLOB_UNKNOWN", { digest: d });
    }
    const digest = await sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) throw new RegistryError("DIGEST_INVALID", { expected: reference, actual: digest });
    await content.keep(digest, bytes);
    if (!isDigest(reference)) {
      if (!isTag(reference)) throw new RegistryError("MANIFEST_INVALID", { reference });
      await content.setTag(repo, reference, digest);
    }
    return new Response(null, {
      status: 201,
      headers: { Location: `/v2/${repo}/manifests/${digest}`, "Docker-Content-Digest": digest },
    });
  }

  async function deleteManifest(repo: string, reference: string): Promise<Response> {
    if (isTag(reference) && !isDigest(reference)) {
      if (!(await content.resolveTag(repo, reference))) throw new RegistryError("MANIFEST_UNKNOWN", { reference });
      await content.deleteTag(repo, reference);
      return new Response(null, { status: 202 });
    }
    const tags = (await content.allTags()).get(repo) ?? new Map<string, string>();
    let found = false;
    for (const [tag, d] of tags) {
      if (d === reference) {
        await content.deleteTag(repo, tag);
        found = true;
      }
    }
    if (!found && !(await content.hasBlob(reference))) throw new RegistryError("MANIFEST_UNKNOWN", { reference });
    return new Response(null, { status: 202 });
  }

  async function getBlob(req: Request, digest: string): Promise<Response> {
    if (!isDigest(digest)) throw new RegistryError("DIGEST_INVALID", { digest });
    const bytes = await content.getBlob(digest);
    if (!bytes) throw new RegistryError("BLOB_UNKNOWN", { digest });
    const headers: Record<string, string> = {
      "Content-Type": "application/octet-stream",
      "Docker-Content-Digest": digest,
      "Accept-Ranges": "bytes",
      ETag: `"${digest}"`,
    };
    const range = req.headers.get("Range");
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      let start = m?.[1] ? Number(m[1]) : NaN;
      let end = m?.[2] ? Number(m[2]) : bytes.length - 1;
      if (m && !m[1] && m[2]) {
        start = Math.max(0, bytes.length - Number(m[2])); // suffix range: the last N bytes
        end = bytes.length - 1;
      }
      end = Math.min(end, bytes.length - 1);
      if (!m || Number.isNaN(start) || start > end || start >= bytes.length) {
        throw new RegistryError("RANGE_INVALID", { range }, { "Content-Range": `bytes */${bytes.length}` });
      }
      const part = bytes.subarray(start, end + 1);
      headers["Content-Range"] = `bytes ${start}-${end}/${bytes.length}`;
      headers["Content-Length"] = String(part.length);
      return new Response(req.method === "HEAD" ? null : (part as Uint8Array<ArrayBuffer>), { status: 206, headers });
    }
    headers["Content-Length"] = String(bytes.length);
    return new Response(req.method === "HEAD" ? null : (bytes as Uint8Array<ArrayBuffer>), { status: 200, headers });
  }

  function uploadHeaders(repo: string, id: string, size: number): Record<string, string> {
    return {
      Location: `/v2/${repo}/blobs/uploads/${id}`,
      Range: `0-${Math.max(0, size - 1)}`,
      "Docker-Upload-UUID": id,
      "Content-Length": "0",
    };
  }

  async function finishBlob(repo: string, digest: string | null, bytes: Uint8Array): Promise<Response> {
    if (!digest || !isDigest(digest)) throw new RegistryError("DIGEST_INVALID", { digest });
    const actual = await sha256Digest(bytes);
    if (actual !== digest) throw new RegistryError("DIGEST_INVALID", { expected: digest, actual });
    await content.keep(digest, bytes);
    return new Response(null, {
      status: 201,
      headers: { Location: `/v2/${repo}/blobs/${digest}`, "Docker-Content-Digest": digest, "Content-Length": "0" },
    });
  }

  async function startUpload(req: Request, url: URL, repo: string): Promise<Response> {
    const mount = url.searchParams.get("mount");
    if (mount && isDigest(mount) && (await content.hasBlob(mount))) {
      return new Response(null, {
        status: 201,
        headers: { Location: `/v2/${repo}/blobs/${mount}`, "Docker-Content-Digest": mount, "Content-Length": "0" },
      });
    }
    const digest = url.searchParams.get("digest");
    if (digest !== null) return finishBlob(repo, digest, new Uint8Array(await req.arrayBuffer()));
    const upload = uploads.start(repo);
    return new Response(null, { status: 202, headers: uploadHeaders(repo, upload.id, 0) });
  }

  async function continueUpload(req: Request, url: URL, repo: string, id: string): Promise<Response> {
    const upload = uploads.get(repo, id);
    if (!upload) throw new RegistryError("BLOB_UPLOAD_UNKNOWN", { id });
    switch (req.method) {
      case "GET":
        return new Response(null, { status: 204, headers: uploadHeaders(repo, id, upload.size) });
      case "DELETE":
        uploads.cancel(upload);
        return new Response(null, { status: 204 });
      case "PATCH": {
        const range = req.headers.get("Content-Range");
        const bytes = new Uint8Array(await req.arrayBuffer());
        if (range) {
          const m = /^(\d+)-(\d+)$/.exec(range.trim());
          if (!m || Number(m[1]) !== upload.size || Number(m[2]) - Number(m[1]) + 1 !== bytes.length) {
            throw new RegistryError("RANGE_INVALID", { range, uploaded: upload.size }, { Range: `0-${Math.max(0, upload.size - 1)}` });
          }
        }
        uploads.append(upload, bytes);
        return new Response(null, { status: 202, headers: uploadHeaders(repo, id, upload.size) });
      }
      case "PUT": {
        uploads.append(upload, new Uint8Array(await req.arrayBuffer()));
        const all = uploads.finish(upload);
        return finishBlob(repo, url.searchParams.get("digest"), all);
      }
      default:
        throw new RegistryError("UNSUPPORTED", { method: req.method });
    }
  }

  async function route(req: Request, url: URL, r: Route): Promise<Response> {
    const read = req.method === "GET" || req.method === "HEAD";
    switch (r.kind) {
      case "token":
        return auth.issue(req);
      case "search": {
        // Docker Hub's v1 search, over the images this registry holds (`docker search`).
        const q = (url.searchParams.get("q") ?? "").toLowerCase();
        const limit = Number(url.searchParams.get("n") ?? "25") || 25;
        const results = [...(await content.allTags()).keys()]
          .sort()
          .filter((repo) => repo.includes(q))
          .slice(0, limit)
          .map((repo) => ({
            name: repo.startsWith("library/") ? repo.slice(8) : repo,
            description: repo.startsWith("library/") ? `${repo.slice(8)}, built by Dockyard from Debian packages` : "",
            star_count: 0,
            is_official: repo.startsWith("library/"),
            is_automated: false,
          }));
        return Response.json({ num_results: results.length, query: q, results });
      }
      case "base":
        authorize(req, url, "pull");
        return Response.json({});
      case "catalog": {
        authorize(req, url, "pull");
        const page = paginate([...(await content.allTags()).keys()].sort(), url);
        return Response.json({ repositories: page.items }, { headers: page.link ? { Link: page.link } : {} });
      }
      case "tags": {
        const repo = repoName(r.name);
        authorize(req, url, "pull", repo);
        const tags = (await content.allTags()).get(repo);
        if (!tags) throw new RegistryError("NAME_UNKNOWN", { name: repo });
        const page = paginate([...tags.keys()].sort(), url);
        return Response.json({ name: repo, tags: page.items }, { headers: page.link ? { Link: page.link } : {} });
      }
      case "manifest": {
        const repo = repoName(r.name);
        authorize(req, url, read ? "pull" : "push", repo);
        if (read) return getManifest(req, repo, r.reference);
        if (req.method === "PUT") return putManifest(req, repo, r.reference);
        if (req.method === "DELETE") return deleteManifest(repo, r.reference);
        break;
      }
      case "blob": {
        const repo = repoName(r.name);
        authorize(req, url, read ? "pull" : "push", repo);
        if (read) return getBlob(req, r.digest);
        if (req.method === "DELETE") {
          if (!isDigest(r.digest)) throw new RegistryError("DIGEST_INVALID", { digest: r.digest });
          if (!(await content.deleteBlob(r.digest))) throw new RegistryError("BLOB_UNKNOWN", { digest: r.digest });
          return new Response(null, { status: 202 });
        }
        break;
      }
      case "upload-start": {
        const repo = repoName(r.name);
        authorize(req, url, "push", repo);
        if (req.method === "POST") return startUpload(req, url, repo);
        break;
      }
      case "upload": {
        const repo = repoName(r.name);
        authorize(req, url, "push", repo);
        return continueUpload(req, url, repo, r.id);
      }
    }
    throw new RegistryError("UNSUPPORTED", { method: req.method, path: url.pathname });
  }

  return async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const r = parseRoute(url.pathname);
    let res: Response;
    try {
      if (!r) res = new Response("404 page not found\n", { status: 404, headers: { "Content-Type": "text/plain" } });
      else res = await route(req, url, r);
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      res = err.toResponse(req.method);
    }
    for (const [k, v] of Object.entries(API_HEADERS)) res.headers.set(k, v);
    return res;
  };
}

// Repository names and references as the distribution spec defines them.

/** path components: lowercase alphanumerics joined by ".", "_", "__" or "-"s; "/" between components */
const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export function isRepositoryName(name: string): boolean {
  return name.length <= 255 && NAME.test(name);
}

export function isTag(ref: string): boolean {
  return TAG.test(ref);
}

export type Route =
  | { kind: "base" }
  | { kind: "catalog" }
  | { kind: "token" }
  | { kind: "search" }
  | { kind: "tags"; name: string }
  | { kind: "manifest"; name: string; reference: string }
  | { kind: "blob"; name: string; digest: string }
  | { kind: "upload-start"; name: string }
  | { kind: "upload"; name: string; id: string };

/** Maps a request path to a route, or undefined when it is none of the spec's endpoints. */
export function parseRoute(pathname: string): Route | undefined {
  if (pathname === "/v2/" || pathname === "/v2") return { kind: "base" };
  if (pathname === "/v2/_catalog") return { kind: "catalog" };
  if (pathname === "/token") return { kind: "token" };
  if (pathname === "/v1/search") return { kind: "search" };
  if (!pathname.startsWith("/v2/")) return undefined;
  const rest = pathname.slice(4);
  let m: RegExpExecArray | null;
  if ((m = /^(.+)\/tags\/list$/.exec(rest))) return { kind: "tags", name: m[1]! };
  if ((m = /^(.+)\/manifests\/([^/]+)$/.exec(rest))) return { kind: "manifest", name: m[1]!, reference: decodeURIComponent(m[2]!) };
  if ((m = /^(.+)\/blobs\/uploads\/?$/.exec(rest))) return { kind: "upload-start", name: m[1]! };
  if ((m = /^(.+)\/blobs\/uploads\/([^/]+)$/.exec(rest))) return { kind: "upload", name: m[1]!, id: m[2]! };
  if ((m = /^(.+)\/blobs\/([^/]+)$/.exec(rest))) return { kind: "blob", name: m[1]!, digest: decodeURIComponent(m[2]!) };
  return undefined;
}

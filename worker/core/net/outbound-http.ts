// The guest's plain HTTP out of the machine: port 80 of any address (the guest's DNS is v86's,
// which answers every name with one address; net/http1.ts serves the connections, vm/emulator.ts
// takes port 80 from v86). The playground has no internet, so this serves one site: Debian's
// package mirror, deb.debian.org, from the partial copy the site carries (images/deb-mirror: the
// packages courses install, and an index of just those). `apt-get update && apt-get install -y
// curl` works in a container; a file the copy lacks, and every other site, gets an HTTP error
// whose reason says why (apt, wget and pip print it).
//
// Safe by default: v86 would answer these with the worker's own fetch(), which reaches the
// playground's own origin (same-origin, no CORS needed) and any site that allows CORS.
import type { FetchHandler } from "./http1";

/** The port of the guest's outbound HTTP. */
export const OUTBOUND_HTTP_PORT = 80;

/**
 * A file of the mirror by its path under the mirror's root, as deb.debian.org lays it out
 * ("debian/dists/bookworm/InRelease"); undefined when the mirror does not hold it. Throws when it
 * cannot tell (the site is unreachable).
 */
export type MirrorFiles = (path: string) => Promise<Response | undefined>;

/** The names a Debian sources.list uses for the main archive. */
const DEBIAN_HOSTS = new Set(["deb.debian.org", "ftp.debian.org", "httpredir.debian.org", "http.debian.net"]);
/** The archive the mirror holds (deb.debian.org/debian); not debian-security or debian-debug. */
const ARCHIVE = "debian";

/** Reasons the clients print after the status code ("404  Not Found: …" in apt's "Failed to fetch"). */
const REASON = {
  notMirrored: "Not Found: this playground has no internet, and its Debian mirror holds only some packages",
  noInternet: "Bad Gateway: this playground has no internet (it serves deb.debian.org's packages only)",
  unreadable: "Service Unavailable: the playground could not read its Debian mirror (offline?)",
} as const;

function textResponse(status: number, statusText: string, body: string): Response {
  return new Response(`${body}\n`, { status, statusText, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** "/debian/dists/bookworm/InRelease" → "debian/dists/bookworm/InRelease"; undefined outside the archive or for odd paths. */
export function mirrorPath(pathname: string): string | undefined {
  let segments: string[];
  try {
    segments = pathname.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return undefined; // malformed percent-encoding
  }
  if (segments[0] !== ARCHIVE || segments.length < 2) return undefined;
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("/") || s.includes("\\"))) return undefined;
  return segments.join("/");
}

/** The guest's outbound HTTP: the mirror's files for deb.debian.org, an error for the rest. */
export function outboundHttp(mirror: MirrorFiles | undefined): FetchHandler {
  return async (req) => {
    const target = new URL(req.url);
    if (!mirror || !DEBIAN_HOSTS.has(target.hostname)) {
      return textResponse(502, REASON.noInternet, `${target.host} is not reachable: ${REASON.noInternet}.`);
    }
    const method = req.method.toUpperCase();
    if (method !== "GET" && method !== "HEAD") return textResponse(405, "Method Not Allowed", "the mirror is read-only");
    const path = mirrorPath(target.pathname);
    let file: Response | undefined;
    try {
      file = path === undefined ? undefined : await mirror(path);
    } catch (err) {
      return textResponse(503, REASON.unreadable, `${REASON.unreadable}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!file) return textResponse(404, REASON.notMirrored, `${target.pathname}: ${REASON.notMirrored}.`);
    return method === "HEAD" ? new Response(null, { status: 200, headers: file.headers }) : file;
  };
}

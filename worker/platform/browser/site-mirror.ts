// The site's partial Debian mirror in the browser: /apt/ beside the guest's files, fetched on demand
// (images/deb-mirror.ts builds it; net/outbound-http.ts routes the guest's requests to it).
// The browser's HTTP cache keeps what was fetched; it is not part of the offline copy.
import type { MirrorFiles } from "../../core/net/outbound-http";

/** `root`: the mirror's URL, ending in a slash. */
export function siteMirror(root: string): MirrorFiles {
  return async (path) => {
    // "+" stays as it is: Debian's file names are full of it, and static servers differ on "%2B"
    // (Vite's leaves it encoded and finds no file).
    const url = new URL(path.split("/").map((s) => encodeURIComponent(s).replaceAll("%2B", "+")).join("/"), root);
    const res = await fetch(url); // rejects offline: the guest gets a 503 that says so
    // A static server with a single-page fallback answers a missing file with the page itself;
    // nothing in a Debian mirror is HTML.
    if (res.status === 404 || (res.ok && res.headers.get("content-type")?.startsWith("text/html"))) return undefined;
    if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status}`);
    return res;
  };
}

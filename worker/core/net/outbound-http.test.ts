import { describe, expect, it } from "vitest";
import { mirrorPath, outboundHttp, type MirrorFiles } from "./outbound-http";

/** What net/http1.ts hands the handler for a guest request. */
const get = (url: string, method = "GET") => new Request(url, { method });

/** A mirror of two files; any other path is absent. Records what was asked. */
function mirrorOf(files: Record<string, string>) {
  const asked: string[] = [];
  const mirror: MirrorFiles = async (path) => {
    asked.push(path);
    const body = files[path];
    return body === undefined ? undefined : new Response(body, { headers: { "content-type": "application/octet-stream" } });
  };
  return { mirror, asked };
}

const files = {
  "debian/dists/bookworm/InRelease": "signed index",
  "debian/pool/main/g/gcc-12/libstdc++6_12.2.0-14_i386.deb": "a package",
};

describe("outboundHttp", () => {
  it("serves deb.debian.org's files from the mirror, percent-encoded names decoded", async () => {
    const { mirror } = mirrorOf(files);
    const serve = outboundHttp(mirror);
    const index = await serve(get("http://deb.debian.org/debian/dists/bookworm/InRelease"));
    expect(index.status).toBe(200);
    expect(await index.text()).toBe("signed index");
    const deb = await serve(get("http://deb.debian.org/debian/pool/main/g/gcc-12/libstdc%2b%2b6_12.2.0-14_i386.deb"));
    expect(await deb.text()).toBe("a package");
    // the archive's other names
    expect((await serve(get("http://ftp.debian.org/debian/dists/bookworm/InRelease"))).status).toBe(200);
  });

  it("answers HEAD without a body", async () => {
    const res = await outboundHttp(mirrorOf(files).mirror)(get("http://deb.debian.org/debian/dists/bookworm/InRelease", "HEAD"));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("says a package the mirror lacks is not here, with a reason apt prints", async () => {
    const res = await outboundHttp(mirrorOf(files).mirror)(get("http://deb.debian.org/debian/pool/main/e/emacs/emacs_1_all.deb"));
    expect(res.status).toBe(404);
    expect(res.statusText).toMatch(/no internet.*only some packages/);
  });

  it("reaches no other site, and never asks the mirror for it", async () => {
    const { mirror, asked } = mirrorOf(files);
    const serve = outboundHttp(mirror);
    for (const url of ["http://example.com/", "http://localhost:8080/index.html", "http://127.0.0.1/debian/dists/bookworm/InRelease", "http://security.debian.org/debian-security/dists/bookworm-security/InRelease"]) {
      const res = await serve(get(url));
      expect(res.status, url).toBe(502);
      expect(res.statusText).toMatch(/no internet/);
    }
    expect(asked).toEqual([]);
    expect((await outboundHttp(undefined)(get("http://deb.debian.org/debian/dists/bookworm/InRelease"))).status).toBe(502);
  });

  it("refuses writes and paths outside the archive", async () => {
    const { mirror, asked } = mirrorOf(files);
    const serve = outboundHttp(mirror);
    expect((await serve(get("http://deb.debian.org/debian/dists/bookworm/InRelease", "POST"))).status).toBe(405);
    expect((await serve(get("http://deb.debian.org/debian-security/dists/x"))).status).toBe(404);
    expect((await serve(get("http://deb.debian.org/debian/%2e%2e/secret"))).status).toBe(404);
    expect(asked).toEqual([]);
  });

  it("tells a mirror that cannot be read from one that lacks the file", async () => {
    const serve = outboundHttp(async () => {
      throw new Error("network unreachable");
    });
    const res = await serve(get("http://deb.debian.org/debian/dists/bookworm/InRelease"));
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/network unreachable/);
  });
});

describe("mirrorPath", () => {
  it.each([
    ["/debian/dists/bookworm/InRelease", "debian/dists/bookworm/InRelease"],
    ["/debian/pool/main/c/curl/curl_7.88.1-10%2Bdeb12u14_i386.deb", "debian/pool/main/c/curl/curl_7.88.1-10+deb12u14_i386.deb"],
    ["/debian/", undefined],
    ["/debian", undefined],
    ["/ubuntu/dists/x", undefined],
    ["/debian/a/%2e%2e/b", undefined],
    ["/debian/a%2fb", undefined],
    ["/debian/a//b", undefined],
    ["/debian/%zz", undefined],
  ])("%s → %s", (pathname, want) => {
    expect(mirrorPath(pathname)).toBe(want);
  });
});

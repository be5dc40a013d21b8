// images/deb-mirror/index.sh on a tiny Debian index: which stanzas it keeps, the Release it writes,
// and that apt's gpgv accepts the signature with the key debian-slim trusts.
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const SCRIPT = join(here, "index.sh");

const stanza = (name: string, version: string, file: string) =>
  `Package: ${name}\nVersion: ${version}\nArchitecture: i386\nDescription: ${name}, a package\nFilename: ${file}\nSize: 10\n`;
const PACKAGES = [
  stanza("curl", "7.88.1-10+deb12u14", "pool/main/c/curl/curl_7.88.1-10+deb12u14_i386.deb"),
  stanza("emacs-nox", "1:28.2+1-15", "pool/main/e/emacs/emacs-nox_28.2+1-15_i386.deb"),
  stanza("bash", "5.2.15-2+b13", "pool/main/b/bash/bash_5.2.15-2+b13_i386.deb"),
  stanza("bash", "5.2.15-2+b12", "pool/main/b/bash/bash_5.2.15-2+b12_i386.deb"),
].join("\n");
const DEBIAN_INRELEASE = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

Origin: Debian
Label: Debian
Suite: oldstable
Codename: bookworm
Date: Sat, 11 Jul 2026 10:16:37 UTC
Acquire-By-Hash: yes
Architectures: all amd64 i386
Components: main contrib
Description: Debian 12.15 Released 11 July 2026
MD5Sum:
 0123 10 main/binary-i386/Packages
SHA256:
 4567 10 main/binary-i386/Packages
-----BEGIN PGP SIGNATURE-----

Signature
-----END PGP SIGNATURE-----
`;

function build(files: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "deb-index-"));
  writeFileSync(join(dir, "InRelease"), DEBIAN_INRELEASE);
  writeFileSync(join(dir, "Packages"), PACKAGES);
  execFileSync("xz", ["-k", join(dir, "Packages")]);
  writeFileSync(join(dir, "files"), files.join("\n") + "\n");
  writeFileSync(join(dir, "installed"), "bash 5.2.15-2+b13\nlibc6 2.36-9+deb12u13\n");
  const dist = join(dir, "dist");
  const res = spawnSync(SCRIPT, [join(dir, "InRelease"), join(dir, "Packages.xz"), join(dir, "files"), join(dir, "installed"), dist], { encoding: "utf8" });
  return { dist, ...res };
}

describe("the mirror's own index (index.sh)", () => {
  it("keeps Debian's stanzas of the files held and of the installed versions, signed so apt accepts it", () => {
    const { dist, status, stderr } = build(["pool/main/c/curl/curl_7.88.1-10+deb12u14_i386.deb"]);
    expect(stderr).toContain("2 packages in the index");
    expect(status).toBe(0);
    const packages = readFileSync(join(dist, "main/binary-i386/Packages"), "utf8");
    expect(packages).toContain("Package: curl\nVersion: 7.88.1-10+deb12u14\n");
    expect(packages).toContain("Version: 5.2.15-2+b13\n");
    expect(packages).not.toContain("emacs");
    expect(packages).not.toContain("+b12");
    expect(execFileSync("xz", ["-dc", join(dist, "main/binary-i386/Packages.xz")], { encoding: "utf8" })).toBe(packages);

    const inRelease = readFileSync(join(dist, "InRelease"), "utf8");
    // Debian's own fields, without by-hash, and this index's hashes
    expect(inRelease).toMatch(/^Origin: Debian\nLabel: Debian\nSuite: oldstable\nCodename: bookworm\nDate: Sat, 11 Jul 2026 10:16:37 UTC\n/m);
    expect(inRelease).not.toContain("Acquire-By-Hash");
    expect(inRelease).not.toContain("MD5Sum");
    expect(inRelease).toMatch(/^Architectures: i386\nComponents: main\n/m);
    const sha = createHash("sha256").update(packages).digest("hex");
    expect(inRelease).toMatch(new RegExp(`^ ${sha} +${Buffer.byteLength(packages)} main/binary-i386/Packages$`, "m"));
    expect(inRelease).toContain("-----BEGIN PGP SIGNATURE-----");
  });

  it("fails when the mirror holds a file Debian's index does not name", () => {
    const { status, stderr } = build(["pool/main/c/curl/curl_7.88.1-10+deb12u14_i386.deb", "pool/main/x/x/x_1_i386.deb"]);
    expect(status).not.toBe(0);
    expect(stderr).toContain("not in Debian's index: pool/main/x/x/x_1_i386.deb");
  });
});

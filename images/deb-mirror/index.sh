#!/usr/bin/env bash
# The index apt reads from the partial mirror: Debian's own Packages stanzas, only those of the
# files the mirror holds and of the packages debian-slim has installed, in a Release signed by the
# mirror's key (mirror-key.asc; debian-slim trusts its public half).
#
# Why not Debian's signed index as it is: it lists 60,000 packages. In v86, apt took 63 s to fetch
# and parse it in `apt-get update`, and every `apt-get install` parsed it again (20 to 26 s). The
# packages it describes are Debian's, byte for byte: each stanza is Debian's, and each .deb was
# checked against the hash in Debian's signed index before it got here (build.sh).
#
# Usage: index.sh DEBIAN_INRELEASE DEBIAN_PACKAGES_XZ FILES INSTALLED DIST
#   FILES      the pool paths the mirror holds, one per line (pool/main/c/curl/curl_…_i386.deb)
#   INSTALLED  "package version" per line, as dpkg-query prints them in debian-slim
#   DIST       where dists/bookworm goes (InRelease, main/binary-i386/Packages{,.xz})
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
inrelease=$1 packages_xz=$2 files=$3 installed=$4 dist=$5
index=main/binary-i386
mkdir -p "$dist/$index"

# Paragraph mode: a stanza is kept when its Filename is here, or its package and version are installed.
xz -dc "$packages_xz" | awk -v files="$files" -v installed="$installed" '
  BEGIN {
    while ((getline line < files) > 0) keep["file " line] = 1
    while ((getline line < installed) > 0) { split(line, f, " "); keep["deb " f[1] " " f[2]] = 1 }
    RS = ""; ORS = "\n\n"; FS = "\n"
  }
  {
    name = ""; version = ""; file = ""
    for (i = 1; i <= NF; i++) {
      if ($i ~ /^Package: /) name = substr($i, 10)
      else if ($i ~ /^Version: /) version = substr($i, 10)
      else if ($i ~ /^Filename: /) file = substr($i, 11)
    }
    if (keep["file " file] || keep["deb " name " " version]) print
  }' > "$dist/$index/Packages"
xz -9 -c "$dist/$index/Packages" > "$dist/$index/Packages.xz"

# Every file the mirror holds must be in the index, or apt could not name it.
missing=$(comm -23 <(sort -u "$files") <(sed -n 's/^Filename: //p' "$dist/$index/Packages" | sort -u))
[ -z "$missing" ] || { echo "index.sh: not in Debian's index: $missing" >&2; exit 1; }

# Release: Debian's own fields (apt prints and checks Origin, Suite, Codename, Date), without
# by-hash (the files are named plainly here), and the hashes of this index.
{
  sed -n '/^-----BEGIN PGP SIGNED MESSAGE-----/,/^$/d; /^[A-Z]/p' "$inrelease" | sed '/^MD5Sum:/,$d; /^SHA256:/,$d' \
    | grep -v -e '^Acquire-By-Hash:' -e '^Description:' -e '^Architectures:' -e '^Components:'
  echo "Architectures: i386"
  echo "Components: main"
  echo "Description: a partial copy of Debian's bookworm for the Dockyard playground: the packages of images/deb-mirror/packages.txt"
  echo "SHA256:"
  for f in Packages Packages.xz; do
    printf ' %s %16d %s\n' "$(sha256sum < "$dist/$index/$f" | cut -d' ' -f1)" "$(stat -c %s "$dist/$index/$f")" "$index/$f"
  done
} > "$dist/Release"

gnupg=$(mktemp -d)
trap 'rm -rf "$gnupg"' EXIT
gpg --homedir "$gnupg" --batch --quiet --import "$here/mirror-key.asc"
gpg --homedir "$gnupg" --batch --quiet --yes --digest-algo SHA512 --clearsign -o "$dist/InRelease" "$dist/Release"
rm "$dist/Release"
# What apt will check in the container, against the key debian-slim trusts.
gpg --homedir "$gnupg" --batch --quiet --dearmor -o "$gnupg/trusted.gpg" < "$here/../oci/debian-slim/dockyard-mirror.asc"
gpgv --quiet --keyring "$gnupg/trusted.gpg" "$dist/InRelease" 2>/dev/null \
  || { echo "index.sh: InRelease does not verify with debian-slim's mirror key" >&2; exit 1; }
echo "index.sh: $(grep -c '^Package: ' "$dist/$index/Packages") packages in the index" >&2

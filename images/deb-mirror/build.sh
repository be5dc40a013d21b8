#!/usr/bin/env bash
# A partial Debian mirror, for apt inside containers: the .deb files of packages.txt with all they
# pull in on top of debian:bookworm-slim, each checked against bookworm's signed index, and an
# index of just these (index.sh). Laid out as deb.debian.org's /debian/, served as static files;
# the worker sends the guest's requests for deb.debian.org there (worker/core/net/outbound-http.ts).
# Usage: build.sh TREE OUT   (TREE: a copy of debian-slim's tree, changed here; OUT: the mirror)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=$1 out=$2
origin=http://deb.debian.org/debian   # what the image's sources.list names
mirror=${DEBIAN_MIRROR:-$origin}       # where this build downloads from
mapfile -t packages < <(grep -v '^\s*#' "$here/packages.txt" | sed '/^\s*$/d')

fetch() { # URL FILE ALGORITHM:HASH: download, then check the hash the signed index gives
  local sum
  case $3 in SHA256:*) sum=sha256sum ;; MD5Sum:*) sum=md5sum ;; *) echo "unknown hash $3" >&2; return 1 ;; esac
  mkdir -p "$(dirname "$2")"
  curl -fsS --retry 3 -o "$2.partial" "$1"
  echo "${3#*:}  $2.partial" | $sum -c --quiet
  mv "$2.partial" "$2"
}

cp /etc/resolv.conf "$tree/etc/resolv.conf"
ok=""; for i in 1 2 3; do chroot "$tree" apt-get update -qq >&2 && ok=1 && break; echo "apt-get update failed (try $i)" >&2; sleep 5; done
[ -n "$ok" ] || { echo "apt-get update failed 3 times" >&2; exit 1; }

# Debian's index exactly as apt just read it: its InRelease (apt checked the signature), and the
# Packages.xz whose hash that names, by hash (Debian keeps by-hash files a while after a new index).
debian=$out/debian-index
mkdir -p "$debian"
cp "$tree/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease" "$debian/InRelease"
index=main/binary-i386/Packages.xz
sha=$(awk -v f="$index" '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 == f { print $1 }' "$debian/InRelease")
[ -n "$sha" ] || { echo "no $index in InRelease" >&2; exit 1; }
fetch "$mirror/dists/bookworm/main/binary-i386/by-hash/SHA256/$sha" "$debian/Packages.xz" "SHA256:$sha"

# The packages, as apt would fetch them in a container of debian:bookworm-slim: each line of
# --print-uris is 'URL' FILE SIZE MD5Sum:HASH, the URL's path percent-encoded.
chroot "$tree" apt-get install -y -qq --print-uris "${packages[@]}" | grep "^'$origin/" > "$out/uris.txt"
while read -r url _file _size hash; do
  url=${url//\'/}
  path=${url#"$origin"/}
  path=$(printf '%b' "${path//%/\\x}")   # %2b → +: files are named as apt's URLs decode
  fetch "$mirror/${url#"$origin"/}" "$out/debian/$path" "$hash"
  echo "$path"
done < "$out/uris.txt" > "$out/files.txt"
chroot "$tree" dpkg-query -W -f '${Package} ${Version}\n' > "$out/installed.txt"
"$here/index.sh" "$debian/InRelease" "$debian/Packages.xz" "$out/files.txt" "$out/installed.txt" "$out/debian/dists/bookworm"
echo "deb-mirror: $(wc -l < "$out/uris.txt") packages, $(du -sh "$out/debian" | cut -f1)" >&2

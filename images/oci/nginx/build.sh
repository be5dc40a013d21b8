#!/usr/bin/env bash
# nginx image: Debian's nginx on the debian:bookworm-slim base, configured like the official image.
# Usage: build.sh TREE BASE_TREE   Writes the full image tree (base + nginx) to TREE; the layer is the diff.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=$1 base=$2
rm -rf "$tree"; cp -a "$base" "$tree"
mapfile -t pins < <(grep -v '^\s*#' "$here/packages.txt" | sed '/^\s*$/d')
cp /etc/resolv.conf "$tree/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$tree/usr/sbin/policy-rc.d"; chmod +x "$tree/usr/sbin/policy-rc.d"
chroot "$tree" apt-get update -qq >&2 || true   # one index failing is fine if the pins resolve
DEBIAN_FRONTEND=noninteractive chroot "$tree" apt-get install -y -qq --no-install-recommends "${pins[@]}" >&2
rm -f "$tree/usr/sbin/policy-rc.d"
rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin "$tree"/var/log/apt "$tree"/var/log/dpkg.log
: > "$tree/etc/resolv.conf"
# Laid out like the official image: site in /usr/share/nginx/html, server in conf.d, logs to the container's output.
rm -f "$tree/etc/nginx/sites-enabled/default"
mkdir -p "$tree/usr/share/nginx/html" "$tree/etc/nginx/conf.d"
cp "$here/files/nginx.conf" "$tree/etc/nginx/nginx.conf"
cp "$here/files/default.conf" "$tree/etc/nginx/conf.d/default.conf"
cp "$here/files/index.html" "$here/files/50x.html" "$tree/usr/share/nginx/html/"
ln -sf /dev/stdout "$tree/var/log/nginx/access.log"
ln -sf /dev/stderr "$tree/var/log/nginx/error.log"
rm -rf "$tree/var/www/html"

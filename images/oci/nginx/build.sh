#!/usr/bin/env bash
# nginx image: Debian's nginx on the debian:bookworm-slim base, configured like the official image.
# Usage: build.sh TREE BASE_TREE   Writes the full image tree (base + nginx) to TREE; the layer is the diff.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=$1 base=$2
"$here/../apt-install.sh" "$tree" "$base" "$here/packages.txt"
# Laid out like the official image: site in /usr/share/nginx/html, server in conf.d, logs to the container's output.
rm -f "$tree/etc/nginx/sites-enabled/default"
mkdir -p "$tree/usr/share/nginx/html" "$tree/etc/nginx/conf.d"
cp "$here/files/nginx.conf" "$tree/etc/nginx/nginx.conf"
cp "$here/files/default.conf" "$tree/etc/nginx/conf.d/default.conf"
cp "$here/files/index.html" "$here/files/50x.html" "$tree/usr/share/nginx/html/"
ln -sf /dev/stdout "$tree/var/log/nginx/access.log"
ln -sf /dev/stderr "$tree/var/log/nginx/error.log"
rm -rf "$tree/var/www/html"

#!/usr/bin/env bash
# The start of every image built on debian:bookworm-slim: a copy of the base tree with the pinned
# Debian packages of PACKAGES_FILE installed (no recommends), and no apt lists, caches or logs left.
# Usage: apt-install.sh TREE BASE_TREE PACKAGES_FILE
set -euo pipefail
tree=$1 base=$2 list=$3
rm -rf "$tree"; cp -a "$base" "$tree"
mapfile -t pins < <(grep -v '^\s*#' "$list" | sed '/^\s*$/d')
cp /etc/resolv.conf "$tree/etc/resolv.conf"
# No service starts inside the chroot: the base's policy-rc.d says no, as in a container.
chroot "$tree" apt-get update -qq >&2 || true   # one index failing is fine if the pins resolve
DEBIAN_FRONTEND=noninteractive chroot "$tree" apt-get install -y -qq --no-install-recommends "${pins[@]}" >&2
rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin "$tree"/var/log/apt "$tree"/var/log/dpkg.log
: > "$tree/etc/resolv.conf"

#!/usr/bin/env bash
# debian:bookworm-slim: a minbase Debian i386 tree without docs, man pages and locales.
# Usage: build.sh TREE
set -euo pipefail
tree=$1
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
rm -rf "$tree"
debootstrap --arch=i386 --variant=minbase bookworm "$tree" "$mirror" >&2
printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-exclude /usr/share/info/*\n' \
  > "$tree/etc/dpkg/dpkg.cfg.d/docker-slim"
find "$tree/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
rm -rf "$tree"/usr/share/man/* "$tree"/usr/share/info/* "$tree"/usr/share/locale/* \
       "$tree"/var/cache/apt/*.bin "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/* "$tree"/var/log/*.log "$tree"/var/cache/debconf/*-old
printf 'deb http://deb.debian.org/debian bookworm main\n' > "$tree/etc/apt/sources.list"
# As the official image: apt fetches no translated package descriptions (a 6 MB index to parse).
printf 'Acquire::Languages "none";\n' > "$tree/etc/apt/apt.conf.d/docker-no-languages"
: > "$tree/etc/resolv.conf"; : > "$tree/etc/machine-id"; echo localhost > "$tree/etc/hostname"

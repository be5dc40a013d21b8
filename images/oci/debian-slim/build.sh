#!/usr/bin/env bash
# debian:bookworm-slim: a minbase Debian i386 tree without docs, man pages and locales.
# Usage: build.sh TREE
set -euo pipefail
tree=$1
here=$(cd "$(dirname "$0")" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
rm -rf "$tree"
debootstrap --arch=i386 --variant=minbase bookworm "$tree" "$mirror" >&2
printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-exclude /usr/share/info/*\n' \
  > "$tree/etc/dpkg/dpkg.cfg.d/docker-slim"
find "$tree/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
rm -rf "$tree"/usr/share/man/* "$tree"/usr/share/info/* "$tree"/usr/share/locale/* \
       "$tree"/var/cache/apt/*.bin "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/* "$tree"/var/log/*.log "$tree"/var/cache/debconf/*-old
printf 'deb http://deb.debian.org/debian bookworm main\n' > "$tree/etc/apt/sources.list"
# apt and dpkg set as in the official image (debuerreotype's minimizing config), each file under its name there:
# no translated package descriptions (a 6 MB index to parse);
printf 'Acquire::Languages "none";\n' > "$tree/etc/apt/apt.conf.d/docker-no-languages"
# package lists kept compressed, no package cache files, downloaded .debs deleted after each install;
printf 'Acquire::GzipIndexes "true";\n' > "$tree/etc/apt/apt.conf.d/docker-gzip-indexes"
clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true";'
printf 'DPkg::Post-Invoke { %s };\nAPT::Update::Post-Invoke { %s };\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' \
  "$clean" "$clean" > "$tree/etc/apt/apt.conf.d/docker-clean"
# autoremove takes back what a package pulled in, even when something else only suggests it;
printf 'Apt::AutoRemove::SuggestsImportant "false";\n' > "$tree/etc/apt/apt.conf.d/docker-autoremove-suggests"
# dpkg does not sync after each file (a container's layer is rebuilt, not recovered);
printf 'force-unsafe-io\n' > "$tree/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
# and services installed by apt are not started (no init runs them in a container).
printf '#!/bin/sh\nexit 101\n' > "$tree/usr/sbin/policy-rc.d"
chmod 755 "$tree/usr/sbin/policy-rc.d"
# The playground's partial mirror signs its own index (images/deb-mirror/index.sh) with this key.
install -m 644 "$here/dockyard-mirror.asc" "$tree/etc/apt/trusted.gpg.d/dockyard-mirror.asc"
: > "$tree/etc/resolv.conf"; : > "$tree/etc/machine-id"; echo localhost > "$tree/etc/hostname"

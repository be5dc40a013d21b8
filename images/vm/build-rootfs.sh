#!/usr/bin/env bash
# Builds the guest's root tree from Debian bookworm i386 packages.
# Usage: build-rootfs.sh OUT_DIR   (run as root: debootstrap needs chroot)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

mapfile -t pins < <(grep -v '^\s*#' "$here/packages.txt" | sed '/^\s*$/d')
names=$(printf '%s\n' "${pins[@]}" | cut -d= -f1 | paste -sd, -)

rm -rf "$out"
mkdir -p "$out"
debootstrap --arch=i386 --variant=minbase --include="$names" bookworm "$out" "$mirror" >&2

# Verify every pinned version is the one installed.
for pin in "${pins[@]}"; do
  case $pin in *=*) ;; *) continue ;; esac
  name=${pin%%=*}; want=${pin#*=}
  got=$(chroot "$out" dpkg-query -W -f='${Version}' "$name")
  if [ "$got" != "$want" ]; then
    echo "pin mismatch: $name wanted $want, apt installed $got (update images/vm/packages.txt)" >&2
    exit 1
  fi
done

#!/usr/bin/env bash
# Installs what the host needs to build the guest and run the tests (Debian/Ubuntu, as root),
# then the npm packages. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(debootstrap seabios cpio zstd xz-utils gpg gpgv e2fsprogs qemu-system-x86 skopeo chromium gcc-i686-linux-gnu)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  # One index can fail while a mirror syncs ("File has unexpected size"): retry, then go on
  # if the packages still resolve.
  for i in 1 2 3; do $sudo apt-get update && break; echo "apt-get update failed (try $i), retrying" >&2; sleep 5; done
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
node -e 'const [a]=process.versions.node.split(".");if(+a<20){console.error("Node 20 or newer is needed, this is "+process.version);process.exit(1)}'
npm ci --no-audit --no-fund
# The guest is built by running i386 programs in a chroot. A host whose kernel runs none (IA-32
# emulation off) runs them under QEMU's user-mode emulator, which the image build registers.
if ! npx tsx images/lib/i386-exec.ts --check; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  dpkg-query -W -f='${Status}' qemu-user-static 2>/dev/null | grep -q 'ok installed' ||
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends qemu-user-static
fi

#!/usr/bin/env bash
# redis image: Debian's redis-server and redis-cli on the debian:bookworm-slim base, started like the
# official image: the server in /data, as the redis user, reachable from other containers.
# Usage: build.sh TREE BASE_TREE   Writes the full image tree (base + redis) to TREE; the layer is the diff.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=$1 base=$2
"$here/../apt-install.sh" "$tree" "$base" "$here/packages.txt"
mkdir -p "$tree/data"
chroot "$tree" chown redis:redis /data
install -m 755 "$here/docker-entrypoint.sh" "$tree/usr/local/bin/docker-entrypoint.sh"

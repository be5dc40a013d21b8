#!/usr/bin/env bash
# python image: Debian's Python 3.11 and pip on the debian:bookworm-slim base, used as the official
# image is used: `python` and `pip` on the PATH, and `pip install` into the system's site-packages.
# Usage: build.sh TREE BASE_TREE   Writes the full image tree (base + python) to TREE; the layer is the diff.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=$1 base=$2
"$here/../apt-install.sh" "$tree" "$base" "$here/packages.txt"
# Debian marks its Python as managed by apt (PEP 668), so pip would refuse to install; in a
# container's image pip is how a Dockerfile installs, as in the official image.
rm -f "$tree"/usr/lib/python3.*/EXTERNALLY-MANAGED
# Debian compiles each module's .pyc against its source's mtime, and the layer's tar clamps mtimes
# (a reproducible build): every .pyc would be stale, and every container would compile what it
# imports again (`pip --version` ran 3.9 G guest instructions, 21 to 30 s under v86). Hash-based
# .pyc files, trusted without a look at the source, stay valid whatever the mtimes.
chroot "$tree" python3 -m compileall -q -f --invalidation-mode unchecked-hash /usr/lib/python3.11 /usr/lib/python3/dist-packages

#!/usr/bin/env bash
# busybox image: Debian's busybox-static with a link per applet, like the official image's layout.
# Usage: build.sh TREE VM_ROOTFS   Writes the image's single layer tree to TREE.
set -euo pipefail
tree=$1 vmroot=$2
rm -rf "$tree"; mkdir -p "$tree"/{bin,etc,root,tmp,var/www,home,usr/sbin,usr/bin,sbin}
chmod 1777 "$tree/tmp"; chmod 700 "$tree/root"
cp "$vmroot/bin/busybox" "$tree/bin/busybox"
# Applet paths as busybox itself lists them (bin/ls, sbin/ifconfig, usr/bin/wget...).
chroot "$vmroot" /bin/busybox --list-full | while read -r applet; do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$tree/$(dirname "$applet")"
  ln -sf /bin/busybox "$tree/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$tree/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\nwww-data:x:33:\nnogroup:x:65534:\n' > "$tree/etc/group"
# Debian's busybox is built without adduser and addgroup, which Dockerfiles use: ours take their options.
here=$(cd "$(dirname "$0")" && pwd)
install -m 755 "$here/adduser" "$here/addgroup" "$tree/usr/sbin/"

#!/usr/bin/env bash
# Builds the guest VM from images/vm: kernel, BIOS, initramfs and the root disk.
# Usage: assemble.sh ROOT_TREE OUT_DIR WORK_DIR   (as root)
# ROOT_TREE comes from build-rootfs.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$1 out=$2 work=$3
kver=$(sed -n 's/^linux-image-\([^=]*\)=.*/\1/p' "$here/packages.txt")
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

# BIOS: Debian's SeaBIOS builds, which v86 accepts.
cp /usr/share/seabios/bios.bin "$out/bios.bin"
cp /usr/share/seabios/vgabios-stdvga.bin "$out/vgabios.bin"
cp "$root/boot/vmlinuz-$kver" "$out/vmlinuz"

# --- initramfs: busybox + the disk driver modules, in dependency order ---
ird=$work/initramfs
rm -rf "$ird"; mkdir -p "$ird/bin" "$ird/modules"
cp "$root/bin/busybox" "$ird/bin/busybox"
cp "$here/initramfs-init" "$ird/init"
for m in ata_piix sd_mod ext4 crc32c_generic; do chroot "$root" modprobe -S "$kver" --show-depends "$m"; done \
  | awk '$1 == "insmod" && !seen[$2]++ && $2 !~ /crc32c-intel/ { print $2 }' > "$work/modlist"   # v86 has no SSE4.2
: > "$ird/modules/order"
while read -r ko; do
  cp "$root$ko" "$ird/modules/"; basename "$ko" >> "$ird/modules/order"
done < "$work/modlist"
(cd "$ird" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --reproducible -R 0:0 2>/dev/null) > "$out/initramfs.cpio"

# --- root tree: our files, then trimmed of what a playground never reads ---
cp -a "$here/overlay/." "$root/"
# Our programs (images/vm/src), for the guest's i386: static, so a start maps no libraries.
for program in dockerd-reexec crun-seccomp-cache; do
  i686-linux-gnu-gcc -O2 -static -Wall -Wextra -Werror -o "$root/usr/local/lib/dockyard/$program" "$here/src/$program.c" -lresolv
  i686-linux-gnu-strip "$root/usr/local/lib/dockyard/$program"
done
# The binfmt_misc rule that hands execs of dockerd's binary to dockerd-reexec (see there why): it
# matches the binary's first 128 bytes (its ELF and program headers), which no other file here has.
dockerd=$root/usr/sbin/dockerd
magic=$(head -c 128 "$dockerd" | od -An -v -tx1 | tr -d ' \n' | sed 's/../\\x&/g')
echo ":dockerd-reexec:M:0:$magic::/usr/local/lib/dockyard/dockerd-reexec:P" > "$root/usr/local/lib/dockyard/dockerd.binfmt"
while IFS= read -r -d '' f; do
  if [ "$f" != "$dockerd" ] && cmp -s -n 128 "$f" "$dockerd"; then
    echo "assemble.sh: $f starts as dockerd does; the dockerd-reexec rule would take it" >&2; exit 1
  fi
done < <(find "$root/usr" -type f -size +64k -perm -u+x -print0)
# Docker Hub's names (/etc/hosts: 127.0.0.1) reach the page's registry through a TLS front in the
# guest (socat, started by dockyard-docker-start), so `docker login`, `docker push me/app` and
# `docker search` work as typed. Its certificate comes from a CA made here and trusted only by
# this guest; the CA's key is thrown away with the work directory.
tls=$work/hub-tls
rm -rf "$tls"; mkdir -p "$tls"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -days 7300 -subj "/CN=Dockyard playground CA" -keyout "$tls/ca.key" -out "$tls/ca.crt" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req "${ec[@]}" -subj "/CN=registry-1.docker.io" -keyout "$tls/hub.key" -out "$tls/hub.csr" 2>/dev/null
printf 'subjectAltName=DNS:registry-1.docker.io,DNS:index.docker.io\nextendedKeyUsage=serverAuth\n' > "$tls/ext"
openssl x509 -req -in "$tls/hub.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 7300 -extfile "$tls/ext" -out "$tls/hub.crt" 2>/dev/null
install -d -m 700 "$root/etc/dockyard"
cat "$tls/hub.key" "$tls/hub.crt" > "$root/etc/dockyard/hub-tls.pem"
chmod 600 "$root/etc/dockyard/hub-tls.pem"
cat "$tls/ca.crt" >> "$root/etc/ssl/certs/ca-certificates.crt"
rm -rf "$tls"
# Tools tutorials reach for that the Debian packages above do not bring: busybox's versions.
for applet in wget nc; do ln -sf /bin/busybox "$root/usr/local/bin/$applet"; done
# The rootfs of the container that keeps the shared shim running (dockyard-shared-shim): busybox's
# sleep and the mount points the runtime needs on a read-only root.
keeper=$root/usr/local/lib/dockyard/shared-shim
mkdir -p "$keeper"/{bin,dev,proc,run,sys}
ln -f "$root/bin/busybox" "$keeper/bin/sleep"
rm -rf "$root"/boot/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
       "$root"/usr/share/docker.io "$root"/usr/bin/dnet "$root"/usr/sbin/ovrouter \
       "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/etc/machine-id
# Kernel modules for hardware v86 does not emulate (GPUs, Wi-Fi, USB, sound...): 150 MB of the tree.
mdir=$root/lib/modules/$kver/kernel
rm -rf "$mdir"/sound "$mdir"/drivers/{gpu,media,infiniband,staging,usb,bluetooth,hid,input,iio,isdn,mtd,hwmon,platform,video,net/wireless,net/ethernet,net/can,net/usb} \
       "$mdir"/net/{bluetooth,wireless,mac80211,can}
chroot "$root" depmod "$kver"
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
: > "$root/etc/machine-id"
echo 'root::0:0:99999:7:::' > "$work/shadow.root"; sed -i 's/^root:[^:]*:/root::/' "$root/etc/shadow"

# --- the root disk: ext4 with a small journal and no metadata checksums ---
# Docker's storage lives on it too: 2 GiB of room for images (free blocks cost nothing to fetch:
# all-zero chunks are not stored). Every `docker run --rm` creates and deletes a few dozen inodes
# (the container's directory, its overlay layers), and both choices are about that churn:
# - The journal: without one, ext4 will not reuse an inode deleted in the last 60 s (360 s while its
#   inode table block is dirty), so each new inode is found only after a look at every recently
#   deleted one (find_inode_bit/recently_deleted), and runs grew ~1.7 M instructions slower each.
#   With a journal ext4 skips that check.
# - metadata_csum: each inode, directory block and bitmap change recomputes a crc32c, in software
#   (v86 has no SSE4.2), ~7 M instructions per run. Nothing here needs it: the disk's chunks are
#   checked by SHA-256 as they load, and its writes stay in the emulator's memory.
# Measured with the same churn on loop devices in the guest (15 rounds of 8 directories of 5 files,
# four times over): 406, 439, 472, 512 M instructions as built before; 345 each time with both.
used_kb=$(du -sk "$root" | cut -f1)
size_mb=$(( used_kb / 1024 * 5 / 4 + 128 + 2048 ))
rm -f "$out/rootfs.ext4"
E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mkfs.ext4 -q -F -L dockyard-root -O has_journal,^metadata_csum,uninit_bg -J size=4 \
  -U 6d0c6b4e-4b0e-4d3a-9d6e-646f636b7961 -E hash_seed=6d0c6b4e-4b0e-4d3a-9d6e-646f636b7961,root_owner=0:0,lazy_itable_init=0 \
  -d "$root" "$out/rootfs.ext4" "${size_mb}M"

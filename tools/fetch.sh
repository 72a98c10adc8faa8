#!/bin/sh
# Fetch the foreign components the tests boot, from Debian's archive, into
# the cache folder (default ./cache, or $PVHBOOT_CACHE). Nothing is
# installed: packages are downloaded with apt-get download and unpacked.
#   tools/fetch.sh xen        cache/xen/xen.elf  (Xen 4.17, the hypervisor binary)
#   tools/fetch.sh linux      cache/linux/bzImage (Debian's current amd64 kernel)
#   tools/fetch.sh busybox    cache/busybox/busybox (busybox-static, amd64)
# Already fetched components are left alone.
set -eu
cache=${PVHBOOT_CACHE:-$(pwd)/cache}
mkdir -p "$cache/debs"

# The amd64 package's file in the cache (other architectures' builds of
# the same package may sit beside it).
deb() {
    ls "$cache/debs/${1}_"*_amd64.deb 2>/dev/null | head -n 1
}

# apt-get download PACKAGE (amd64) into the cache; refresh the package
# lists once (as root) if the first try fails because they are stale.
download() {
    pkg=$1
    [ -n "$(deb "$pkg")" ] && return 0
    if ! (cd "$cache/debs" && apt-get download "$pkg:amd64" >/dev/null 2>&1); then
        if [ "$(id -u)" = 0 ]; then
            apt-get update -q >/dev/null
        fi
        (cd "$cache/debs" && apt-get download "$pkg:amd64") || {
            echo "fetch.sh: cannot download $pkg:amd64 from Debian's archive" >&2
            return 1
        }
    fi
}

fetch_xen() {
    [ -s "$cache/xen/xen.elf" ] && return 0
    download xen-hypervisor-4.17-amd64
    rm -rf "$cache/xen.tmp"
    dpkg -x "$(deb xen-hypervisor-4.17-amd64)" "$cache/xen.tmp"
    # Debian ships it gzipped; QEMU's multiboot loader wants the ELF.
    zcat "$cache/xen.tmp/boot/xen-4.17-amd64.gz" > "$cache/xen.tmp/xen.elf"
    rm -rf "$cache/xen"
    mv "$cache/xen.tmp" "$cache/xen"
    echo "fetch: Xen 4.17 in $cache/xen/xen.elf"
}

# The package linux-image-amd64 depends on the current versioned kernel.
current_kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}

fetch_linux() {
    [ -s "$cache/linux/bzImage" ] && return 0
    pkg=$(current_kernel_package)
    if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
        apt-get update -q >/dev/null
        pkg=$(current_kernel_package)
    fi
    [ -n "$pkg" ] || { echo "fetch.sh: cannot tell the current linux-image-*-amd64" >&2; return 1; }
    download "$pkg"
    rm -rf "$cache/linux.tmp"
    dpkg -x "$(deb "$pkg")" "$cache/linux.tmp"
    mkdir -p "$cache/linux.tmp/out"
    cp "$cache/linux.tmp"/boot/vmlinuz-* "$cache/linux.tmp/out/bzImage"
    echo "$pkg" > "$cache/linux.tmp/out/package"
    rm -rf "$cache/linux"
    mv "$cache/linux.tmp/out" "$cache/linux"
    rm -rf "$cache/linux.tmp"
    echo "fetch: $pkg in $cache/linux/bzImage"
}

fetch_busybox() {
    [ -s "$cache/busybox/busybox" ] && return 0
    download busybox-static
    rm -rf "$cache/busybox.tmp"
    dpkg -x "$(deb busybox-static)" "$cache/busybox.tmp"
    mkdir -p "$cache/busybox.tmp/out"
    cp "$cache/busybox.tmp/bin/busybox" "$cache/busybox.tmp/out/busybox"
    rm -rf "$cache/busybox"
    mv "$cache/busybox.tmp/out" "$cache/busybox"
    rm -rf "$cache/busybox.tmp"
    echo "fetch: busybox in $cache/busybox/busybox"
}

for what in "$@"; do
    case "$what" in
        xen) fetch_xen ;;
        linux) fetch_linux ;;
        busybox) fetch_busybox ;;
        *) echo "fetch.sh: unknown component '$what' (xen linux busybox)" >&2; exit 2 ;;
    esac
done

#!/bin/sh
# Fetch the arm64 components the arm64 boot tests run, from Debian's
# archive, into the cache folder (default ./cache, or $PVHBOOT_CACHE).
# Nothing is installed: the arm64 packages are downloaded with
# apt-get download and unpacked with dpkg -x.
#   tools/fetch-arm64.sh [xen] [linux] [busybox]     (default: all three)
#     cache/arm64/xen/xen        Xen 4.17 for arm64 (an arm64 Image)
#     cache/arm64/linux/Image    Debian's current 6.1 arm64 kernel (uncompressed Image)
#     cache/arm64/busybox/busybox  a static arm64 busybox, for the test initramfs
# Already fetched components are left alone. The first download of an
# arm64 package needs arm64 as a foreign architecture in dpkg and fresh
# package lists: as root this script adds it (once); otherwise it says
# what to run.
set -eu
cache=${PVHBOOT_CACHE:-$(pwd)/cache}
out="$cache/arm64"
mkdir -p "$cache/debs" "$out"

as_root_or_explain() {
    if [ "$(id -u)" != 0 ]; then
        echo "fetch-arm64.sh: needs, as root: $*" >&2
        exit 1
    fi
    "$@"
}

# Make sure apt knows arm64 packages: add the architecture and refresh
# the package lists, once.
arm64_lists() {
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        as_root_or_explain dpkg --add-architecture arm64
        as_root_or_explain apt-get update -q >/dev/null
    elif ! apt-cache show busybox-static:arm64 >/dev/null 2>&1; then
        as_root_or_explain apt-get update -q >/dev/null
    fi
}

# apt-get download PKG:arm64 into the cache unless a .deb of it is there.
download() {
    pkg=$1
    if ls "$cache/debs/${pkg}_"*_arm64.deb >/dev/null 2>&1; then
        return 0
    fi
    arm64_lists
    (cd "$cache/debs" && apt-get download "$pkg:arm64") || {
        echo "fetch-arm64.sh: cannot download $pkg:arm64 from Debian's archive" >&2
        return 1
    }
}

# Unpack one downloaded package into a fresh temporary folder.
unpack() {
    rm -rf "$out/$2.tmp"
    dpkg -x "$(ls "$cache/debs/${1}_"*_arm64.deb | tail -n 1)" "$out/$2.tmp"
}

fetch_xen() {
    [ -s "$out/xen/xen" ] && return 0
    download xen-hypervisor-4.17-arm64
    unpack xen-hypervisor-4.17-arm64 xen
    cp "$out/xen.tmp/boot/xen-4.17-arm64" "$out/xen.tmp/xen"
    rm -rf "$out/xen"
    mv "$out/xen.tmp" "$out/xen"
    echo "fetch: Xen 4.17 (arm64) in $out/xen/xen"
}

# Debian's linux-image-arm64 depends on the current linux-image-<abi>-arm64.
kernel_package() {
    arm64_lists
    apt-cache depends linux-image-arm64:arm64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ :]*-arm64\).*/\1/p' | head -n 1
}

fetch_linux() {
    [ -s "$out/linux/Image" ] && return 0
    pkg=$(ls "$cache/debs"/linux-image-*-arm64_*_arm64.deb 2>/dev/null | head -n 1 |
          sed 's,.*/\(linux-image-[^_]*\)_.*,\1,')
    [ -n "$pkg" ] || pkg=$(kernel_package)
    [ -n "$pkg" ] || { echo "fetch-arm64.sh: no linux-image-*-arm64 behind linux-image-arm64:arm64" >&2; exit 1; }
    download "$pkg"
    unpack "$pkg" linux
    # Debian's arm64 vmlinuz is the uncompressed Image itself.
    cp "$(ls "$out/linux.tmp/boot/"vmlinuz-* | head -n 1)" "$out/linux.tmp/Image"
    # The modules (hundreds of MiB) are not needed: the test initramfs has none.
    rm -rf "$out/linux.tmp/lib" "$out/linux.tmp/usr"
    rm -rf "$out/linux"
    mv "$out/linux.tmp" "$out/linux"
    echo "fetch: Linux ($pkg) in $out/linux/Image"
}

fetch_busybox() {
    [ -s "$out/busybox/busybox" ] && return 0
    download busybox-static
    unpack busybox-static busybox
    cp "$out/busybox.tmp/bin/busybox" "$out/busybox.tmp/busybox"
    rm -rf "$out/busybox"
    mv "$out/busybox.tmp" "$out/busybox"
    echo "fetch: busybox (static, arm64) in $out/busybox/busybox"
}

[ $# -gt 0 ] || set -- xen linux busybox
for what in "$@"; do
    case "$what" in
        xen) fetch_xen ;;
        linux) fetch_linux ;;
        busybox) fetch_busybox ;;
        *) echo "fetch-arm64.sh: unknown component '$what' (xen, linux, busybox)" >&2; exit 2 ;;
    esac
done

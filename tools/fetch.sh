#!/bin/sh
# Fetch the foreign components the tests boot, from Debian's archive, into
# the cache folder (default ./cache, or $PVHBOOT_CACHE). Nothing is
# installed: packages are downloaded with apt-get download and unpacked.
#   tools/fetch.sh xen        cache/xen/xen.elf  (Xen 4.17, the hypervisor binary)
# Already fetched components are left alone.
set -eu
cache=${PVHBOOT_CACHE:-$(pwd)/cache}
mkdir -p "$cache/debs"

# apt-get download PACKAGE into the cache; refresh the package lists once
# (as root) if the first try fails because they are missing or stale.
download() {
    pkg=$1
    if ls "$cache/debs/${pkg}_"*.deb >/dev/null 2>&1; then
        return 0
    fi
    if ! (cd "$cache/debs" && apt-get download "$pkg" >/dev/null 2>&1); then
        if [ "$(id -u)" = 0 ]; then
            apt-get update -q >/dev/null
        fi
        (cd "$cache/debs" && apt-get download "$pkg") || {
            echo "fetch.sh: cannot download $pkg from Debian's archive" >&2
            return 1
        }
    fi
}

fetch_xen() {
    [ -s "$cache/xen/xen.elf" ] && return 0
    download xen-hypervisor-4.17-amd64
    rm -rf "$cache/xen.tmp"
    dpkg -x "$cache/debs"/xen-hypervisor-4.17-amd64_*.deb "$cache/xen.tmp"
    # Debian ships it gzipped; QEMU's multiboot loader wants the ELF.
    zcat "$cache/xen.tmp/boot/xen-4.17-amd64.gz" > "$cache/xen.tmp/xen.elf"
    rm -rf "$cache/xen"
    mv "$cache/xen.tmp" "$cache/xen"
    echo "fetch: Xen 4.17 in $cache/xen/xen.elf"
}

for what in "$@"; do
    case "$what" in
        xen) fetch_xen ;;
        *) echo "fetch.sh: unknown component '$what' (xen)" >&2; exit 2 ;;
    esac
done

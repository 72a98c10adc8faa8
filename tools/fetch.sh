#!/bin/sh
# Fetch the foreign components the tests boot, from Debian's archive, into
# the cache folder (default ./cache, or $PVHBOOT_CACHE). Nothing is
# installed: packages are downloaded with apt-get download and unpacked.
#   tools/fetch.sh xen        cache/xen/xen.elf  (Xen 4.17, the hypervisor binary)
#   tools/fetch.sh linux      cache/linux/bzImage (Debian's current amd64 kernel)
#   tools/fetch.sh busybox    cache/busybox/busybox (busybox-static, amd64)
#   tools/fetch.sh memtest    cache/memtest/memtest86+x64.bin (memtest86+, a
#                             Linux boot protocol image that runs at 1 MiB)
#   tools/fetch.sh xen-tools  cache/xen-tools/: what a PV dom0 needs to run
#                             Xen's toolstack (xl) for domU tests: root/ holds
#                             xen-utils-4.17 and its libraries unpacked,
#                             modules/ the Xen drivers of the kernel in
#                             cache/linux (named in modules/package)
#   tools/fetch.sh xen-other linux-other
#                             cache/xen-other/xen.elf, cache/linux-other/bzImage:
#                             another build of each, from whichever bookworm
#                             suite (release, -updates, -security) holds another
#                             version than the one above, so that the tests see
#                             two; where the archive holds one version only,
#                             cache/<component>/none says so and names it
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

# Unpack Xen's package DEB into cache/DIR, with xen.elf beside it.
unpack_xen() {
    rm -rf "$cache/$2.tmp"
    dpkg -x "$1" "$cache/$2.tmp"
    # Debian ships it gzipped; QEMU's multiboot loader wants the ELF.
    zcat "$cache/$2.tmp/boot/xen-4.17-amd64.gz" > "$cache/$2.tmp/xen.elf"
    dpkg-deb -f "$1" Version > "$cache/$2.tmp/version"
    rm -rf "${cache:?}/$2"
    mv "$cache/$2.tmp" "$cache/$2"
    echo "fetch: Xen $(cat "$cache/$2/version") in $cache/$2/xen.elf"
}

fetch_xen() {
    [ -s "$cache/xen/xen.elf" ] && [ -s "$cache/xen/version" ] && return 0
    download xen-hypervisor-4.17-amd64
    unpack_xen "$(deb xen-hypervisor-4.17-amd64)" xen
}

# The package linux-image-amd64 depends on the current versioned kernel.
current_kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}

# Unpack the kernel package PKG's DEB into cache/DIR: its bzImage, and
# the package's name in DIR/package.
unpack_linux() {
    rm -rf "$cache/$3.tmp"
    dpkg -x "$2" "$cache/$3.tmp"
    mkdir -p "$cache/$3.tmp/out"
    cp "$cache/$3.tmp"/boot/vmlinuz-* "$cache/$3.tmp/out/bzImage"
    echo "$1" > "$cache/$3.tmp/out/package"
    rm -rf "${cache:?}/$3"
    mv "$cache/$3.tmp/out" "$cache/$3"
    rm -rf "$cache/$3.tmp"
    echo "fetch: $1 in $cache/$3/bzImage"
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
    unpack_linux "$pkg" "$(deb "$pkg")" linux
}

# --- The second builds -------------------------------------------------------
# They come through a private apt configuration under cache/apt that lists
# every bookworm suite, whatever this machine's own sources list holds (a
# minimal Debian lists the release alone), and that touches nothing of the
# system's. PVHBOOT_DEBIAN_MIRROR and PVHBOOT_DEBIAN_SECURITY_MIRROR name
# other mirrors.
mirror=${PVHBOOT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${PVHBOOT_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# every_suite apt-get|apt-cache ARGS...: the tool under that configuration.
every_suite() {
    tool=$1
    shift
    "$tool" -q -o Dir::Etc::SourceList="$cache/apt/sources.list" \
        -o Dir::Etc::SourceParts="$cache/apt/sources.list.d" -o Dir::State::Lists="$cache/apt/lists" \
        -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Architecture=amd64 \
        -o APT::Architectures=amd64 "$@"
}

# Fresh package lists of every suite, once per run of this script.
every_suite_lists() {
    [ -z "${every_suite_fresh:-}" ] || return 0
    mkdir -p "$cache/apt/lists/partial" "$cache/apt/sources.list.d"
    {
        echo "deb [signed-by=$keyring] $mirror bookworm main"
        echo "deb [signed-by=$keyring] $mirror bookworm-updates main"
        echo "deb [signed-by=$keyring] $security bookworm-security main"
    } > "$cache/apt/sources.list"
    every_suite apt-get update >/dev/null || {
        echo "fetch.sh: cannot read bookworm's package lists from $mirror and $security" >&2
        return 1
    }
    every_suite_fresh=1
}

# The versions of PKG in every suite, newest first, one a line.
every_version() {
    every_suite apt-cache madison "$1" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u -r -V
}

# Download PKG:amd64[=VERSION] from every suite into cache/debs-other and
# print the file's path. It arrives alone in an empty folder first, so the
# path needs no guessing from apt's file name (which escapes an epoch).
download_other() {
    rm -rf "$cache/debs-other/incoming"
    mkdir -p "$cache/debs-other/incoming"
    (cd "$cache/debs-other/incoming" && every_suite apt-get download "$1" >/dev/null) || {
        echo "fetch.sh: cannot download $1 from Debian's archive" >&2
        return 1
    }
    file=$(ls "$cache/debs-other/incoming"/*.deb)
    mv "$file" "$cache/debs-other/"
    rmdir "$cache/debs-other/incoming"
    echo "$cache/debs-other/$(basename "$file")"
}

# No second build of COMPONENT: say so, and which one there is, in its folder.
only_one_build() {
    rm -rf "${cache:?}/$1"
    mkdir -p "$cache/$1"
    echo "$2" > "$cache/$1/none"
    echo "fetch: $1: bookworm holds one build only ($2)"
}

fetch_xen_other() {
    [ -s "$cache/xen-other/xen.elf" ] || [ -s "$cache/xen-other/none" ] && return 0
    fetch_xen
    every_suite_lists
    have=$(cat "$cache/xen/version")
    other=$(every_version xen-hypervisor-4.17-amd64 | grep -vxF "$have" | head -n 1)
    [ -n "$other" ] || { only_one_build xen-other "xen-hypervisor-4.17-amd64 $have"; return 0; }
    file=$(download_other "xen-hypervisor-4.17-amd64:amd64=$other")
    unpack_xen "$file" xen-other
}

fetch_linux_other() {
    [ -s "$cache/linux-other/bzImage" ] || [ -s "$cache/linux-other/none" ] && return 0
    fetch_linux
    every_suite_lists
    have=$(cat "$cache/linux/package")
    other=""
    for v in $(every_version linux-image-amd64); do
        pkg=$(every_suite apt-cache show "linux-image-amd64=$v" |
              sed -n 's/^Depends: \(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' | head -n 1)
        if [ -n "$pkg" ] && [ "$pkg" != "$have" ]; then
            other=$pkg
            break
        fi
    done
    [ -n "$other" ] || { only_one_build linux-other "$have"; return 0; }
    file=$(download_other "$other:amd64")
    unpack_linux "$other" "$file" linux-other
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

fetch_memtest() {
    [ -s "$cache/memtest/memtest86+x64.bin" ] && return 0
    download memtest86+
    rm -rf "$cache/memtest.tmp"
    dpkg -x "$(deb memtest86+)" "$cache/memtest.tmp"
    mkdir -p "$cache/memtest.tmp/out"
    cp "$cache/memtest.tmp/boot/memtest86+x64.bin" "$cache/memtest.tmp/out/memtest86+x64.bin"
    dpkg-deb -f "$(deb memtest86+)" Version > "$cache/memtest.tmp/out/version"
    rm -rf "$cache/memtest"
    mv "$cache/memtest.tmp/out" "$cache/memtest"
    rm -rf "$cache/memtest.tmp"
    echo "fetch: memtest86+ $(cat "$cache/memtest/version") in $cache/memtest/memtest86+x64.bin"
}

# Xen's toolstack, matching the hypervisor's version, and every library it
# links, the C library included, so that dom0's root holds Debian's files
# only, whatever the host runs. Unpacked, never installed.
XEN_TOOLS_PACKAGES="xen-utils-4.17 xen-utils-common libxenmisc4.17 libxencall1 libxendevicemodel1
libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenstore4 libxentoolcore1
libxentoollog1 xenstore-utils libyajl2 libc6 libgcc-s1 zlib1g liblzma5 libuuid1 libzstd1"
# The dom0 kernel's drivers for /dev/xen/* and /proc/xen (insmod order).
XEN_DOM0_MODULES="xen-privcmd xen-evtchn xen-gntdev xen-gntalloc xenfs"

fetch_xen_tools() {
    fetch_linux
    kernel=$(cat "$cache/linux/package")
    [ -x "$cache/xen-tools/root/usr/lib/xen-4.17/bin/xl" ] &&
        [ "$(cat "$cache/xen-tools/modules/package" 2>/dev/null)" = "$kernel" ] && return 0
    rm -rf "$cache/xen-tools.tmp"
    mkdir -p "$cache/xen-tools.tmp/modules"
    for pkg in $XEN_TOOLS_PACKAGES; do
        download "$pkg"
        dpkg -x "$(deb "$pkg")" "$cache/xen-tools.tmp/root"
    done
    dpkg -x "$(deb "$kernel")" "$cache/xen-tools.tmp/kernel"
    for m in $XEN_DOM0_MODULES; do
        found=$(find "$cache/xen-tools.tmp/kernel/lib/modules" -name "$m.ko" | head -n 1)
        [ -n "$found" ] || { echo "fetch.sh: $kernel has no $m.ko" >&2; return 1; }
        cp "$found" "$cache/xen-tools.tmp/modules/"
    done
    rm -rf "$cache/xen-tools.tmp/kernel"
    echo "$kernel" > "$cache/xen-tools.tmp/modules/package"
    dpkg-deb -f "$(deb xen-utils-4.17)" Version > "$cache/xen-tools.tmp/version"
    rm -rf "${cache:?}/xen-tools"
    mv "$cache/xen-tools.tmp" "$cache/xen-tools"
    echo "fetch: Xen tools $(cat "$cache/xen-tools/version") and $kernel's Xen drivers in $cache/xen-tools"
}

for what in "$@"; do
    case "$what" in
        xen) fetch_xen ;;
        linux) fetch_linux ;;
        busybox) fetch_busybox ;;
        memtest) fetch_memtest ;;
        xen-tools) fetch_xen_tools ;;
        xen-other) fetch_xen_other ;;
        linux-other) fetch_linux_other ;;
        *) echo "fetch.sh: unknown component '$what' (xen linux busybox memtest xen-tools xen-other linux-other)" >&2
           exit 2 ;;
    esac
done

#!/bin/sh
# Install the Debian packages pvhboot's build and tests need.
#   tools/deps.sh GROUP...          install what the groups need and is missing
#   tools/deps.sh --list GROUP...   print the groups' packages, one a line
# Groups:
#   build          make, the host compiler and nasm: every build needs them
#   build-x86_64   what building x86_64 adds: gnu-efi (pvhboot.efi), python3
#                  (the relocation lists), and a cross toolchain where the
#                  machine is not x86_64
#   build-arm64    what building arm64 adds: python3 (the relocation list)
#                  and the aarch64 cross toolchain where the machine is not
#                  aarch64
#   unit           make unit: the host unit tests (cmocka, and libfdt for the
#                  FDT differential test)
#   test arm64 efi fuzz lint bench   what make check, make run, make fuzz,
#                  make lint and make bench need beyond the build
# Packages already installed are left alone. As root the missing ones are
# installed with apt-get; otherwise the exact command to run is printed
# and the script fails. On a system without dpkg nothing can be checked:
# the script names the packages and goes on.
set -eu

host=$(uname -m)
pkgs_build="make gcc binutils nasm"
# gnu-efi: the headers, crt0 and linker script of pvhboot.efi (x86_64 only);
# python3: tools/x86-relocs.py, the relocation lists of movable images
# (x86_64) and of every arm64 image.
pkgs_build_x86_64="gnu-efi python3"
[ "$host" = x86_64 ] || pkgs_build_x86_64="$pkgs_build_x86_64 gcc-x86-64-linux-gnu binutils-x86-64-linux-gnu"
pkgs_build_arm64="python3"
[ "$host" = aarch64 ] || pkgs_build_arm64="$pkgs_build_arm64 gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu"
pkgs_test="python3 qemu-system-x86 libcmocka-dev pkg-config"
# The disk images of tests/boot/test_disk_images.py (tools/make-disk.py):
# GPT, FAT, files on FAT, and systemd-boot's UKI stub.
pkgs_test="$pkgs_test fdisk dosfstools mtools systemd-boot-efi"
# arm64 tests: QEMU for aarch64, dtc (test device trees), libfdt (the FDT
# reader's differential test).
pkgs_arm64="qemu-system-arm device-tree-compiler libfdt-dev"
# unit: host programs with the C library (gcc only recommends libc6-dev).
pkgs_unit="gcc libc6-dev libcmocka-dev libfdt-dev"
# fuzz: libFuzzer with ASan and UBSan (clang and its runtime library),
# libfdt, which the FDT targets compare against, and python3 for
# tests/fuzz/run.py, which runs them.
pkgs_fuzz="clang libclang-rt-14-dev libfdt-dev python3"
# lint: the static checks of common/ and firmware/ in make check.
pkgs_lint="cppcheck clang-tidy"
# efi tests: the UEFI firmware they boot (OVMF; the tests give it a FAT
# volume through QEMU's vvfat, so no mtools).
pkgs_efi="ovmf"
# bench: the chart of make bench.
pkgs_bench="gnuplot-nox"

list=false
if [ "${1:-}" = --list ]; then
    list=true
    shift
fi

wanted=""
for group in "$@"; do
    case "$group" in
        build) wanted="$wanted $pkgs_build" ;;
        build-x86_64) wanted="$wanted $pkgs_build_x86_64" ;;
        build-arm64) wanted="$wanted $pkgs_build_arm64" ;;
        test) wanted="$wanted $pkgs_test" ;;
        unit) wanted="$wanted $pkgs_unit" ;;
        arm64) wanted="$wanted $pkgs_arm64" ;;
        fuzz) wanted="$wanted $pkgs_fuzz" ;;
        lint) wanted="$wanted $pkgs_lint" ;;
        efi) wanted="$wanted $pkgs_efi" ;;
        bench) wanted="$wanted $pkgs_bench" ;;
        *) echo "deps.sh: unknown group '$group' (build build-x86_64 build-arm64 test unit arm64 efi fuzz lint bench)" >&2
           exit 2 ;;
    esac
done

if $list; then
    for p in $wanted; do echo "$p"; done
    exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: no dpkg here, so nothing is checked; Debian would need:$wanted" >&2
    exit 0
fi

missing=""
for p in $wanted; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ]; then
    echo "pvhboot needs these Debian packages:$missing" >&2
    echo "run: sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing

#!/bin/sh
# Install the Debian packages pvhboot's build and tests need.
#   tools/deps.sh GROUP...     groups: build test arm64 fuzz lint efi bench
# Packages already installed are left alone. As root the missing ones are
# installed with apt-get; otherwise the exact command to run is printed
# and the script fails.
set -eu

pkgs_build="make gcc binutils nasm"
pkgs_test="python3 qemu-system-x86 libcmocka-dev pkg-config"
# arm64: the cross toolchain, QEMU for aarch64, dtc (test device trees), libfdt (the
# FDT reader's differential test).
pkgs_arm64="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm device-tree-compiler libfdt-dev"
# fuzz: libFuzzer with ASan and UBSan (clang and its runtime library).
pkgs_fuzz="clang libclang-rt-14-dev"
# lint: the static checks of common/ in make check.
pkgs_lint="cppcheck clang-tidy"
# efi: pvhboot.efi (gnu-efi) and the UEFI firmware its tests boot (OVMF; the
# tests give it a FAT volume through QEMU's vvfat, so no mtools).
pkgs_efi="gnu-efi ovmf"
# bench: the chart of make bench.
pkgs_bench="gnuplot-nox"

wanted=""
for group in "$@"; do
    case "$group" in
        build) wanted="$wanted $pkgs_build" ;;
        test) wanted="$wanted $pkgs_test" ;;
        arm64) wanted="$wanted $pkgs_arm64" ;;
        fuzz) wanted="$wanted $pkgs_fuzz" ;;
        lint) wanted="$wanted $pkgs_lint" ;;
        efi) wanted="$wanted $pkgs_efi" ;;
        bench) wanted="$wanted $pkgs_bench" ;;
        *) echo "deps.sh: unknown group '$group' (build test arm64 fuzz lint efi bench)" >&2; exit 2 ;;
    esac
done

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

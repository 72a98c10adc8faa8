#!/bin/sh
# Install what a unikernel needs to link with pvhboot:
#   $PREFIX/include/pvhboot/*.h        the API (include <pvhboot/pvhboot.h>)
#   $PREFIX/include/pvhboot/xen/*.h    the Xen ABI headers (include <pvhboot/xen/...>)
#   $PREFIX/lib/pvhboot/$ARCH/         libpvhboot.a, entry.o, pvhboot.ld, and the
#                                      firmware images (x86_64: pvhboot.elf,
#                                      pvhboot-disk.elf and pvhboot.efi; arm64:
#                                      pvhboot.bin and pvhboot-disk.bin)
#   $PREFIX/lib/pkgconfig/pvhboot-$ARCH.pc   compile and link flags (x86_64 is
#                                      also plain pvhboot.pc, the default)
#   $PREFIX/bin/pvhboot-pack, pvhboot-xen-notes   the host tools
#   $PREFIX/bin/pvhboot-link                      x86_64: a movable unikernel's
#                                      two links (with lib/pvhboot/x86_64/reloc_note.o
#                                      and lib/pvhboot/python/x86-relocs.py)
#   $PREFIX/lib/pvhboot/python/packtool/          pvhboot-pack's modules
# pvhboot-pack finds its modules and, without --firmware, the firmware
# image from where it lies itself (../lib/pvhboot/...), so DESTDIR and a
# moved prefix keep working.
# usage: install.sh DESTDIR PREFIX BUILD ARCH VERSION LDSCRIPT PKG_CFLAGS PKG_LDFLAGS FIRMWARE
#   FIRMWARE: the firmware images of ARCH, space-separated
set -eu
destdir=$1 prefix=$2 build=$3 arch=$4 version=$5 ldscript=$6 pkg_cflags=$7 pkg_ldflags=$8
firmware=$9

inc="$destdir$prefix/include/pvhboot"
lib="$destdir$prefix/lib/pvhboot/$arch"
pc="$destdir$prefix/lib/pkgconfig"
install -d "$inc" "$inc/xen" "$lib" "$pc"
install -m 644 include/pvhboot/*.h "$inc/"
install -m 644 include/xen/*.h "$inc/xen/"
install -m 644 "$build/libpvhboot.a" "$build/entry.o" "$lib/"
install -m 644 "$ldscript" "$lib/pvhboot.ld"
# shellcheck disable=SC2086
install -m 644 $firmware "$lib/"

bin="$destdir$prefix/bin"
install -d "$bin"
install -m 755 tools/pvhboot-pack "$bin/pvhboot-pack"
py="$destdir$prefix/lib/pvhboot/python/packtool"
install -d "$py"
install -m 644 tools/packtool/*.py "$py/"
if [ "$arch" = x86_64 ]; then
    install -m 644 "$build/obj/arch/x86/reloc_note.o" "$lib/"
    install -m 644 tools/x86-relocs.py "$destdir$prefix/lib/pvhboot/python/"
    install -m 755 tools/pvhboot-link "$bin/pvhboot-link"
fi
# The notes generator reads bit numbers from the installed features.h.
sed "s|^set -eu\$|set -eu\n[ \$# -eq 3 ] \&\& set -- \"$prefix/include/pvhboot/xen/features.h\" \"\$@\"|" \
    tools/xen-notes.sh > "$bin/pvhboot-xen-notes"
chmod 755 "$bin/pvhboot-xen-notes"

# The .pc names paths under PREFIX (not DESTDIR): where they will be used.
# One -I: the headers are <pvhboot/...> and <pvhboot/xen/...>, so a
# program's own <xen/...> headers are never shadowed by ours.
cat > "$pc/pvhboot-$arch.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib/pvhboot/$arch

Name: pvhboot
Description: guest-side PVH boot library for unikernels ($arch)
Version: $version
Cflags: -I\${includedir} $pkg_cflags
Libs: $pkg_ldflags -Wl,-T,\${libdir}/pvhboot.ld \${libdir}/entry.o -L\${libdir} -lpvhboot
PC
[ "$arch" = x86_64 ] && cp "$pc/pvhboot-$arch.pc" "$pc/pvhboot.pc"
echo "installed pvhboot $version ($arch) under $destdir$prefix"

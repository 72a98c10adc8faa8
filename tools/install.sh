#!/bin/sh
# Install what a unikernel needs to link with pvhboot:
#   $PREFIX/include/pvhboot/*.h        the API (include <pvhboot/pvhboot.h>)
#   $PREFIX/include/pvhboot/xen/*.h    the Xen ABI headers (include <xen/...>)
#   $PREFIX/lib/pvhboot/$ARCH/         libpvhboot.a, entry.o, pvhboot.ld
#   $PREFIX/lib/pkgconfig/pvhboot.pc   compile and link flags
# usage: install.sh DESTDIR PREFIX BUILD ARCH VERSION LDSCRIPT PKG_CFLAGS
set -eu
destdir=$1 prefix=$2 build=$3 arch=$4 version=$5 ldscript=$6 pkg_cflags=$7

inc="$destdir$prefix/include/pvhboot"
lib="$destdir$prefix/lib/pvhboot/$arch"
pc="$destdir$prefix/lib/pkgconfig"
install -d "$inc" "$inc/xen" "$lib" "$pc"
install -m 644 include/pvhboot/*.h "$inc/"
install -m 644 include/xen/*.h "$inc/xen/"
install -m 644 "$build/libpvhboot.a" "$build/entry.o" "$lib/"
install -m 644 "$ldscript" "$lib/pvhboot.ld"

# The .pc names paths under PREFIX (not DESTDIR): where they will be used.
cat > "$pc/pvhboot.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib/pvhboot/$arch

Name: pvhboot
Description: guest-side PVH boot library for unikernels ($arch)
Version: $version
Cflags: -I\${includedir} -I\${includedir}/pvhboot $pkg_cflags
Libs: -nostdlib -static -no-pie -Wl,--gc-sections -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--build-id=none -Wl,-T,\${libdir}/pvhboot.ld \${libdir}/entry.o -L\${libdir} -lpvhboot
PC
echo "installed pvhboot $version ($arch) under $destdir$prefix"

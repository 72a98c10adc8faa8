#!/bin/sh
# Turn the "#define NAME number" lines of a C header into nasm %defines,
# so C and the entry code share one definition of each constant.
# usage: gen-nasm-inc.sh header.h > out.inc
set -eu
echo "; generated from $1 by tools/gen-nasm-inc.sh: do not edit"
sed -n 's/^#define[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]\{1,\}\(0[xX][0-9a-fA-F]\{1,\}\|[0-9]\{1,\}\)u\{0,1\}\([[:space:]].*\)\{0,1\}$/%define \1 \2/p' "$1"

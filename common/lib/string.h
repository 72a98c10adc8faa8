/*
 * The C string functions pvhboot uses. Freestanding builds get them
 * (include/pvhboot/string.h, the list a unikernel gets too) from
 * common/lib/string.c (the compiler may also emit calls to memcpy,
 * memmove, memset and memcmp on its own); host builds of common/ use
 * the C library's.
 */
#ifndef PVH_COMMON_STRING_H
#define PVH_COMMON_STRING_H

#include <stddef.h>

#if __STDC_HOSTED__
#include <string.h>
#else
#include <pvhboot/string.h>
/*
 * -ffreestanding keeps the compiler from expanding these itself, so a
 * 4-byte memcpy would be a call. Asked for by their builtin names, a copy
 * or fill of a known small size becomes a move or two, and anything else
 * still calls string.c's (which asks for the plain names).
 */
#ifndef PVH_STRING_DEFINES
#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memset(d, c, n) __builtin_memset((d), (c), (n))
#define memcmp(a, b, n) __builtin_memcmp((a), (b), (n))
#endif
#endif

#endif

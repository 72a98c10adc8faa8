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
#endif

#endif

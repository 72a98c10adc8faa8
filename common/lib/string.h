/*
 * The C string functions pvhboot uses. Freestanding builds get them
 * from common/lib/string.c (the compiler may also emit calls to memcpy,
 * memmove, memset and memcmp on its own); host builds of common/ use
 * the C library's.
 */
#ifndef PVH_COMMON_STRING_H
#define PVH_COMMON_STRING_H

#include <stddef.h>

#if __STDC_HOSTED__
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
#endif

#endif

/*
 * The C library string functions pvhboot provides, with C's meanings:
 * these and no others (no strcpy, strcat, sprintf, malloc: a freestanding
 * program has no C library). Include this header rather than the
 * compiler's or the host's <string.h>, which declare many more: a call to
 * one of those would compile and then fail at link time; with this header
 * alone it is an implicit declaration, refused at compile time under
 * -Werror (pvhboot.pc's flags make no exception for it).
 *
 * strtoul and strtoull (C puts them in <stdlib.h>) are here too. They
 * set no errno (there is none): a value past the type's maximum gives
 * the maximum, as C's do.
 */
#ifndef PVHBOOT_STRING_H
#define PVHBOOT_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
unsigned long strtoul(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);

#endif

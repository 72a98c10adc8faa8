/*
 * Freestanding string functions. Built with
 * -fno-tree-loop-distribute-patterns so the compiler does not turn
 * these loops back into calls to themselves.
 *
 * The firmware copies whole kernels (tens of MiB) with memmove and
 * clears their bss with memset, so on x86 these are the string
 * instructions: one "rep movsb" moves a kernel in a few host
 * milliseconds under QEMU, where a C byte loop costs hundreds.
 */
#define PVH_STRING_DEFINES /* defines them: the plain names */
#include "common/lib/string.h"

#include <stdbool.h>
#include <stdint.h>

#if defined(__x86_64__)
/* Eight bytes per step, then the tail: "rep movsb" goes a byte per step
 * under QEMU's emulation. Forward qword steps are safe for dst < src and
 * backward ones for dst > src, whatever the distance. */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
    size_t q = n / 8, b = n % 8;

    __asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(b) : : "memory");
}

/* Direction flag set: from the last byte down, for overlapping moves. */
static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
    size_t q = n / 8, b = n % 8;
    unsigned char *dq = d + q * 8 - 8;
    const unsigned char *sq = s + q * 8 - 8;

    d += n - 1;
    s += n - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(b) : : "memory");
    __asm__ volatile("std; rep movsq; cld" : "+D"(dq), "+S"(sq), "+c"(q) : : "memory");
}

static void fill(unsigned char *d, unsigned char c, size_t n)
{
    size_t q = n / 8, b = n % 8;
    uint64_t pattern = 0x0101010101010101ull * c;

    __asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(pattern) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(b) : "a"(c) : "memory");
}
#else
/* Words may alias anything: memcpy's callers copy objects of every type. */
typedef uint64_t __attribute__((may_alias)) copy_word;

/* Eight bytes per step where both ends share their alignment (strict-
 * alignment targets fault on anything else), bytes for the rest. */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
    if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
        for (; n && ((uintptr_t)d & 7); n--)
            *d++ = *s++;
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(copy_word *)(void *)d = *(const copy_word *)(const void *)s;
    }
    while (n--)
        *d++ = *s++;
}

static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
    while (n--)
        d[n] = s[n];
}

/* Eight bytes per step once d is aligned (a byte a step cleared arm64's
 * boot store and tables at a third of hello's instructions). */
static void fill(unsigned char *d, unsigned char c, size_t n)
{
    copy_word pattern = 0x0101010101010101ull * c;

    for (; n && ((uintptr_t)d & 7); n--)
        *d++ = c;
    for (; n >= 8; n -= 8, d += 8)
        *(copy_word *)(void *)d = pattern;
    while (n--)
        *d++ = c;
}
#endif

void *memcpy(void *dst, const void *src, size_t n)
{
    copy_forward(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    /* Compare as integers: the pointers need not point into one object.
     * A move onto itself (a payload already where it runs) does nothing. */
    if (dst == src)
        return dst;
    if ((uintptr_t)dst < (uintptr_t)src || (uintptr_t)dst >= (uintptr_t)src + n)
        copy_forward(dst, src, n);
    else if (n)
        copy_backward(dst, src, n);
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    fill(dst, (unsigned char)c, n);
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            break;
    }
    return 0;
}

/* --- What a unikernel expects besides (include/pvhboot/string.h) --------- */

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;

    for (; n; n--, p++)
        if (*p == (unsigned char)c)
            return (void *)(uintptr_t)p;
    return NULL;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    for (; *a == *b; a++, b++)
        if (!*a)
            return 0;
    return (unsigned char)*a - (unsigned char)*b;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)(uintptr_t)s;
        if (!*s)
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;

    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (!*s)
            return (char *)(uintptr_t)last;
    }
}

static int digit_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A' + 10;
    return 36;
}

/*
 * C's strtoull, without errno: leading white space, an optional sign
 * (a '-' negates the result, as C says), base 2 to 36, or 0 for the
 * prefix's choice (0x: 16, 0: 8, else 10); a value past ULLONG_MAX gives
 * ULLONG_MAX. *end (when end is not NULL) is the first character not
 * used, or s when no digit was.
 */
unsigned long long strtoull(const char *s, char **end, int base)
{
    const char *p = s;
    unsigned long long v = 0, limit;
    bool negative = false, any = false, overflow = false;
    int d;

    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        digit_value(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    if (base < 2 || base > 36) {
        if (end)
            *end = (char *)(uintptr_t)s;
        return 0;
    }
    limit = ~0ull / (unsigned)base;
    for (; (d = digit_value(*p)) < base; p++) {
        any = true;
        if (v > limit || v * (unsigned)base > ~0ull - (unsigned)d)
            overflow = true;
        v = v * (unsigned)base + (unsigned)d;
    }
    if (end)
        *end = (char *)(uintptr_t)(any ? p : s);
    if (overflow)
        return ~0ull;
    return negative ? -v : v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    unsigned long long v = strtoull(s, end, base);

    _Static_assert(sizeof(unsigned long) == sizeof(unsigned long long),
                   "strtoul is strtoull on the LP64 targets pvhboot builds for");
    return (unsigned long)v;
}

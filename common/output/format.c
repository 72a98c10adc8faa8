/*
 * A small printf engine: enough for boot messages, with no floating
 * point and no allocation. See include/pvhboot/console.h for the
 * conversions it understands.
 */
#include "common/output/format.h"

#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/console.h>

#include "common/lib/string.h"

/* pvhboot builds for LP64 targets only: l, ll and z all read 64 bits. */
_Static_assert(sizeof(long) == 8 && sizeof(long long) == 8 && sizeof(size_t) == 8,
               "l, ll and z are one 64-bit argument");

/* Not inlined, nor pad: they are called from many places. Every sink
 * also takes n = 0 (a run of no text) as nothing to do. */
static __attribute__((noinline)) void emit(struct pvh_format_out *out, const char *s, size_t n)
{
    if (!n)
        return; /* most fields have no padding and no prefix: no call */
    out->put(out, s, n);
    out->total += n;
}

/* n copies of c (none when n <= 0): widths are rare and short. */
static __attribute__((noinline)) void pad(struct pvh_format_out *out, char c, int n)
{
    for (; n > 0; n--)
        emit(out, &c, 1);
}

/* A string literal: the linker merges it with its copies elsewhere. */
#define HEX_DIGITS "0123456789abcdef"

/* The %pE conversion: a string that stays on one line and decodes exactly:
 * bytes below 0x20, 0x7f and above, '"' and '\' become \xNN. */
static void escaped(struct pvh_format_out *out, const char *s)
{
    char esc[4] = { '\\', 'x', 0, 0 };

    if (!s)
        s = "(null)";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            emit(out, s, 1);
            continue;
        }
        esc[2] = HEX_DIGITS[c >> 4];
        esc[3] = HEX_DIGITS[c & 0xf];
        emit(out, esc, sizeof(esc));
    }
}

/* The next integer argument: an int (sign-extended where is_signed), or
 * with wide a 64-bit one. Not inlined: one copy of va_arg's code serves
 * every conversion. */
static __attribute__((noinline)) unsigned long long int_arg(va_list *ap, bool wide,
                                                            bool is_signed)
{
    int i;

    if (wide)
        return va_arg(*ap, unsigned long long);
    i = va_arg(*ap, int);
    return is_signed ? (unsigned long long)(long long)i : (unsigned)i;
}

/* One conversion, f just past its '%'; returns where the text goes on. */
static const char *convert(struct pvh_format_out *out, const char *f, va_list *ap)
{
    bool left = false, zero = false, wide = false;
    int width = 0, precision = -1; /* negative: none, as C says of .* */
    const char *prefix = "", *s;
    const char *digits = HEX_DIGITS;
    char buf[24], c;
    unsigned base = 16;
    unsigned long long v;
    size_t n = 0, prefix_len;
    int fill, before = 0, zeros = 0, after = 0;

    /* Flags, width, precision and length, in one pass: what a valid
     * format has (the compiler checks every one) reads as C says. */
    for (int *amount = &width;; f++) {
        c = *f;
        if (c == '-') {
            left = true;
        } else if (c == '0' && amount == &width && !width) {
            zero = true;
        } else if (c >= '0' && c <= '9') {
            *amount = *amount * 10 + (c - '0');
        } else if (c == '*') {
            *amount = (int)int_arg(ap, false, true);
        } else if (c == '.') {
            amount = &precision;
            precision = 0;
        } else if (c == 'l' || c == 'z') {
            wide = true;
        } else {
            break;
        }
    }
    if (width < 0) { /* as in C: a negative width left-justifies */
        left = true;
        /* -INT_MIN does not exist: the widest field there is instead. */
        width = width < -__INT_MAX__ ? __INT_MAX__ : -width;
    }
    switch (c = *f++) {
    case 'd':
    case 'i':
        v = int_arg(ap, wide, true);
        if ((long long)v < 0) {
            v = 0 - v;
            prefix = "-";
        }
        base = 10;
        break;
    case 'u':
        base = 10;
        /* fall through */
    case 'X':
        if (c == 'X')
            digits = "0123456789ABCDEF";
        /* fall through */
    case 'x':
        v = int_arg(ap, wide, false);
        break;
    case 'p':
    case 's':
        /* One fetch for the three: a char pointer read as a void one. */
        s = va_arg(*ap, const void *);
        if (c == 'p' && *f == 'E') {
            escaped(out, s);
            return f + 1;
        }
        if (c == 'p') {
            v = (uintptr_t)s;
            prefix = "0x";
            break;
        }
        if (!s)
            s = "(null)";
        /* With a precision, s need not be terminated: never read past it. */
        while ((precision < 0 || n < (size_t)precision) && s[n])
            n++;
        goto text;
    case 'c':
        buf[0] = (char)int_arg(ap, false, false);
        s = buf;
        n = 1;
        goto text;
    case '\0':
        return f - 1; /* a lone '%' at the end: print nothing more */
    default:
        /* Unknown conversion: show it rather than guess its argument. */
        emit(out, "%", c != '%');
        emit(out, f - 1, 1);
        return f;
    }
    /* A number: its digits from the right end of buf. */
    s = buf + sizeof(buf);
    do {
        *(char *)--s = digits[v % base];
        v /= base;
    } while (v);
    n = (size_t)(buf + sizeof(buf) - s);
    if (zero)
        goto field;
text:
    zero = false; /* only numbers take zeros */
field:
    /* prefix and s in a field of width: spaces before, or zeros between
     * the prefix and s, or spaces after where it is left-justified. */
    prefix_len = strlen(prefix);
    fill = width - (int)(n + prefix_len);
    if (left)
        after = fill;
    else if (zero)
        zeros = fill;
    else
        before = fill;
    pad(out, ' ', before);
    emit(out, prefix, prefix_len);
    pad(out, '0', zeros);
    emit(out, s, n);
    pad(out, ' ', after);
    return f;
}

void pvh_vformat(struct pvh_format_out *out, const char *fmt, va_list ap)
{
    va_list args;
    const char *run;

    va_copy(args, ap);
    for (;;) {
        for (run = fmt; *fmt && *fmt != '%'; fmt++)
            ;
        emit(out, run, (size_t)(fmt - run));
        if (!*fmt)
            break;
        fmt = convert(out, fmt + 1, &args);
    }
    va_end(args);
}

void pvh_format_buf_put(struct pvh_format_out *out, const char *s, size_t n)
{
    struct pvh_format_buf *b = (struct pvh_format_buf *)out;

    while (n) {
        /* A run at a time, through locals: a store of a char may alias
         * b's fields, which the compiler would otherwise read again
         * after every byte (twice the instructions of the line). */
        size_t used = b->used, room = b->size - used;
        char *d;

        if (!room) {
            if (!b->flush)
                return; /* buf may be NULL when size is 0, as with C's snprintf */
            b->flush(b);
            continue;
        }
        if (room > n)
            room = n;
        d = b->buf + used;
        b->used = used + room;
        n -= room;
        while (room--)
            *d++ = *s++;
    }
}

size_t pvh_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    /* Room for the NUL after the text. */
    struct pvh_format_buf b = { .out.put = pvh_format_buf_put, .buf = buf,
                                .size = size ? size - 1 : 0 };

    pvh_vformat(&b.out, fmt, ap);
    if (size)
        buf[b.used] = '\0';
    return b.out.total;
}

size_t pvh_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = pvh_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

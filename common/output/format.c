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

struct spec {
    bool left;      /* '-' */
    bool zero;      /* '0' */
    int width;
    int precision;  /* -1: none */
    int length;     /* 0: int, 1: long, 2: long long, 3: size_t */
};

static void emit(struct pvh_format_out *out, const char *s, size_t n)
{
    if (n) {
        out->put(out, s, n);
        out->total += n;
    }
}

static void pad(struct pvh_format_out *out, char c, int n)
{
    char block[16];
    int chunk;

    if (n <= 0)
        return;
    memset(block, c, sizeof(block));
    for (; n > 0; n -= chunk) {
        chunk = n < (int)sizeof(block) ? n : (int)sizeof(block);
        emit(out, block, (size_t)chunk);
    }
}

/* prefix ("-", "0x" or none), then s (n bytes), in a field of the given
 * width: spaces before, or zeros between the prefix and s where zero is
 * asked for, or spaces after where it is left-justified. */
static void field(struct pvh_format_out *out, const struct spec *sp, const char *prefix,
                  const char *s, size_t n, bool zero)
{
    size_t prefix_len = strlen(prefix);
    int fill = sp->width - (int)(n + prefix_len), before = 0, zeros = 0, after = 0;

    if (sp->left)
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
}

/* A string literal: the linker merges it with its copies elsewhere. */
#define HEX_DIGITS "0123456789abcdef"

static void number(struct pvh_format_out *out, const struct spec *sp, unsigned long long v,
                   unsigned base, bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : HEX_DIGITS;
    char buf[24];
    size_t n = 0;

    do {
        buf[sizeof(buf) - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    field(out, sp, prefix, buf + sizeof(buf) - n, n, sp->zero);
}

static bool needs_escape(unsigned char c)
{
    return c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
}

/* The %pE conversion: a string that stays on one line and decodes exactly. */
static void escaped(struct pvh_format_out *out, const char *s)
{
    const char *run;
    char esc[4] = { '\\', 'x', 0, 0 };

    if (!s)
        s = "(null)";
    run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (!needs_escape(c))
            continue;
        emit(out, run, (size_t)(s - run));
        esc[2] = HEX_DIGITS[c >> 4];
        esc[3] = HEX_DIGITS[c & 0xf];
        emit(out, esc, sizeof(esc));
        run = s + 1;
    }
    emit(out, run, (size_t)(s - run));
}

/* The next argument, of an integer conversion of the given length (0:
 * int, 1: long, 2: long long, 3: size_t), widened: sign-extended where
 * it is signed. Not inlined: its one copy serves every conversion. */
static __attribute__((noinline)) unsigned long long int_arg(va_list *ap, int length, bool is_signed)
{
    switch (length) {
    case 1:
        return is_signed ? (unsigned long long)va_arg(*ap, long) : va_arg(*ap, unsigned long);
    case 2:
        return is_signed ? (unsigned long long)va_arg(*ap, long long)
                         : va_arg(*ap, unsigned long long);
    case 3:
        return va_arg(*ap, size_t);
    default:
        return is_signed ? (unsigned long long)(long long)va_arg(*ap, int)
                         : va_arg(*ap, unsigned int);
    }
}

/* A width or a precision: '*' (the next argument), or digits. */
static __attribute__((noinline)) const char *amount(const char *f, int *v, va_list *ap)
{
    if (*f == '*') {
        *v = (int)int_arg(ap, 0, true);
        return f + 1;
    }
    for (; *f >= '0' && *f <= '9'; f++)
        *v = *v * 10 + (*f - '0');
    return f;
}

/* Parse flags, width, precision and length; returns the conversion character. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){ .precision = -1 };
    for (;; f++) {
        if (*f == '-')
            sp->left = true;
        else if (*f == '0')
            sp->zero = true;
        else
            break;
    }
    f = amount(f, &sp->width, ap);
    if (sp->width < 0) { /* as in C: a negative width left-justifies */
        sp->left = true;
        /* -INT_MIN does not exist: the widest field there is instead. */
        sp->width = sp->width < -__INT_MAX__ ? __INT_MAX__ : -sp->width;
    }
    if (*f == '.') {
        sp->precision = 0;
        f = amount(f + 1, &sp->precision, ap);
        if (sp->precision < 0)
            sp->precision = -1; /* as in C: a negative precision is none */
    }
    for (; *f == 'l'; f++)
        sp->length = sp->length < 2 ? sp->length + 1 : 2;
    if (*f == 'z') {
        sp->length = 3;
        f++;
    }
    return f;
}

static const char *convert(struct pvh_format_out *out, const char *f, va_list *ap)
{
    struct spec sp;
    unsigned long long v;
    const char *s;
    size_t n = 0;
    char c;

    f = parse_spec(f, &sp, ap);
    switch (*f) {
    case 'd':
    case 'i':
        v = int_arg(ap, sp.length, true);
        if ((long long)v < 0)
            number(out, &sp, 0 - v, 10, false, "-");
        else
            number(out, &sp, v, 10, false, "");
        break;
    case 'u':
    case 'x':
    case 'X':
        number(out, &sp, int_arg(ap, sp.length, false), *f == 'u' ? 10 : 16, *f == 'X', "");
        break;
    case 'c':
        c = (char)int_arg(ap, 0, true);
        field(out, &sp, "", &c, 1, false);
        break;
    case 's':
    case 'p':
        /* One fetch for the three: a char pointer read as a void one. */
        s = va_arg(*ap, const void *);
        if (*f == 'p' && f[1] == 'E') {
            escaped(out, s);
            return f + 2;
        }
        if (*f == 'p') {
            number(out, &sp, (uintptr_t)s, 16, false, "0x");
            break;
        }
        if (!s)
            s = "(null)";
        /* With a precision, s need not be terminated: never read past it. */
        while ((sp.precision < 0 || n < (size_t)sp.precision) && s[n])
            n++;
        field(out, &sp, "", s, n, false);
        break;
    case '%':
        emit(out, "%", 1);
        break;
    case '\0':
        return f; /* a lone '%' at the end: print nothing more */
    default:
        /* Unknown conversion: show it rather than guess its argument. */
        emit(out, "%", 1);
        emit(out, f, 1);
        break;
    }
    return f + 1;
}

void pvh_vformat(struct pvh_format_out *out, const char *fmt, va_list ap)
{
    va_list args;
    const char *run = fmt;

    va_copy(args, ap);
    while (*fmt) {
        if (*fmt != '%') {
            fmt++;
            continue;
        }
        emit(out, run, (size_t)(fmt - run));
        fmt = convert(out, fmt + 1, &args);
        run = fmt;
    }
    emit(out, run, (size_t)(fmt - run));
    va_end(args);
}

struct buffer_out {
    struct pvh_format_out out;
    char *buf;
    size_t size;
    size_t used;
};

static void buffer_put(struct pvh_format_out *out, const char *s, size_t n)
{
    struct buffer_out *b = (struct buffer_out *)out;
    size_t room = b->size ? b->size - 1 - b->used : 0;

    if (n > room)
        n = room;
    if (!n)
        return; /* buf may be NULL when size is 0, as with C's snprintf */
    memcpy(b->buf + b->used, s, n);
    b->used += n;
}

size_t pvh_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer_out b = { .out.put = buffer_put, .buf = buf, .size = size };

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

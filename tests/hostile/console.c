/* COM1 + 0xe9 output, a small formatter, and the exits (see console.h). */
#include "tests/hostile/console.h"

#include <stdarg.h>

#include "tests/hostile/io.h"

#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THR_EMPTY 0x20
#define DEBUGCON 0xe9
#define DEBUG_EXIT 0xf4
#define UART_POLLS 100000

static void put_char(char c)
{
    for (int i = 0; i < UART_POLLS && !(inb(COM1_LSR) & LSR_THR_EMPTY); i++)
        ;
    outb(COM1, (uint8_t)c);
    outb(DEBUGCON, (uint8_t)c);
}

static void put_str(const char *s)
{
    while (*s)
        put_char(*s++);
}

static void put_hex(uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char buf[16];
    int n = 0;

    put_str("0x");
    do {
        buf[n++] = digits[v & 0xf];
        v >>= 4;
    } while (v);
    while (n)
        put_char(buf[--n]);
}

static void put_dec(uint32_t v)
{
    char buf[10];
    int n = 0;

    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        put_char(buf[--n]);
}

static void put_quoted(const char *s)
{
    static const char digits[] = "0123456789abcdef";

    put_char('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            put_str("\\x");
            put_char(digits[c >> 4]);
            put_char(digits[c & 0xf]);
        } else {
            put_char((char)c);
        }
    }
    put_char('"');
}

static void vsay(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put_char(*fmt);
            continue;
        }
        fmt++;
        if (fmt[0] == 'l' && fmt[1] == 'l' && fmt[2] == 'x') {
            put_hex(va_arg(ap, uint64_t));
            fmt += 2;
        } else if (*fmt == 'x') {
            put_hex(va_arg(ap, uint32_t));
        } else if (*fmt == 'u') {
            put_dec(va_arg(ap, uint32_t));
        } else if (*fmt == 's') {
            put_str(va_arg(ap, const char *));
        } else if (*fmt == 'q') {
            put_quoted(va_arg(ap, const char *));
        } else {
            put_char('%');
            if (!*fmt)
                return;
            put_char(*fmt);
        }
    }
}

void say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

void hostile_fail(uint32_t exit_value, const char *fmt, ...)
{
    va_list ap;

    put_str("hostile: error: ");
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    put_char('\n');
    outl(DEBUG_EXIT, exit_value);
    for (;;)
        __asm__ volatile("cli; hlt");
}

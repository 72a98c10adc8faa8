/* COM1 + 0xe9 output and a small formatter for the test kernels (see serial.h). */
#include "serial.h"

#define UART_LSR 5         /* line status */
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
/* A UART that never drains must not hang the test: give up on a byte
 * after this many polls. */
#define UART_POLL_LIMIT 100000

static const char hex_digits[] = "0123456789abcdef";

void put_char(char c)
{
    for (int i = 0; i < UART_POLL_LIMIT && !(inb(X86_COM1_PORT + UART_LSR) & UART_LSR_THRE); i++)
        ;
    outb(X86_COM1_PORT, (uint8_t)c);
    outb(X86_DEBUGCON_PORT, (uint8_t)c);
}

void put_str(const char *s)
{
    while (*s)
        put_char(*s++);
}

static void put_hex(uint64_t v)
{
    char buf[16];
    int n = 0;

    put_str("0x");
    do {
        buf[n++] = hex_digits[v & 0xf];
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
    put_char('"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            put_str("\\x");
            put_char(hex_digits[c >> 4]);
            put_char(hex_digits[c & 0xf]);
        } else {
            put_char((char)c);
        }
    }
    put_char('"');
}

void vsay(const char *fmt, va_list ap)
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

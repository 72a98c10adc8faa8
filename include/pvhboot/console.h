/*
 * Console output: every byte goes to every console sink that was found
 * present (x86: 16550 UART at 0x3f8 and the 0xe9 debug port).
 *
 * pvh_printf understands %s %d %i %u %x %X %c %p %% with the flags '0'
 * and '-', a field width, a precision for %s (".N" or ".*"), and the
 * length modifiers l, ll and z. Two extensions, spelled so the
 * compiler's format checking accepts them:
 *   %pE  a NUL-terminated string, escaped: bytes below 0x20, 0x7f and
 *        above, '"' and '\' become \xNN (lowercase hex), so the output
 *        stays on one line and can be decoded exactly;
 *   %pR  not used yet (reserved).
 */
#ifndef PVHBOOT_CONSOLE_H
#define PVHBOOT_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

#define PVH_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))

void pvh_printf(const char *fmt, ...) PVH_PRINTF(1, 2);
void pvh_vprintf(const char *fmt, va_list ap);
void pvh_console_write(const char *buf, size_t len);

/* Print "pvhboot: <formatted>\n": the shape of every line pvhboot prints. */
void pvh_info(const char *fmt, ...) PVH_PRINTF(1, 2);
/* The same with a va_list, and lead (NULL for none) printed between
 * "pvhboot: " and the formatted text, e.g. "error: ". The line goes out
 * in one piece even when several CPUs print at once. */
void pvh_vinfo(const char *lead, const char *fmt, va_list ap);

/* Format into buf (always NUL-terminated when size > 0). Returns the
 * length the whole output would have had, like C's snprintf. */
size_t pvh_snprintf(char *buf, size_t size, const char *fmt, ...) PVH_PRINTF(3, 4);
size_t pvh_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* A console sink. Sinks are kept in a small static list. */
struct pvh_console {
    const char *name;
    void (*write)(const char *buf, size_t len);
    void (*flush)(void); /* may be NULL: wait until written bytes are out */
};

/* Add a sink; returns 0, or -1 when the list is full (the sink is not added). */
int pvh_console_register(const struct pvh_console *sink);
/* Remove a sink, e.g. when a better one replaces it. */
void pvh_console_unregister(const struct pvh_console *sink);
/* Wait until every sink has put out what it was given (before poweroff). */
void pvh_console_flush(void);

#endif

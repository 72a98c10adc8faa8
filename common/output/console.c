/*
 * The console: a short list of sinks, each a function that writes
 * bytes somewhere (a UART, a debug port, a hypervisor console). Output
 * goes to every registered sink.
 */
#include <pvhboot/console.h>

#include <stdbool.h>

#include "common/cpu/cpu_arch.h"
#include "common/output/format.h"
#include "common/lib/string.h"

#define MAX_SINKS 6

static const struct pvh_console *sinks[MAX_SINKS];

int pvh_console_register(const struct pvh_console *sink)
{
    const struct pvh_console **slot = NULL;

    for (unsigned i = 0; i < MAX_SINKS; i++) {
        if (sinks[i] == sink)
            return 0;
        if (!sinks[i] && !slot)
            slot = &sinks[i];
    }
    if (!slot)
        return -1;
    *slot = sink;
    return 0;
}

void pvh_console_unregister(const struct pvh_console *sink)
{
    unsigned i;

    for (i = 0; i < MAX_SINKS; i++)
        if (sinks[i] == sink)
            sinks[i] = NULL;
}

void pvh_console_write(const char *buf, size_t len)
{
    unsigned i;

    if (!len)
        return;
    for (i = 0; i < MAX_SINKS; i++)
        if (sinks[i])
            sinks[i]->write(buf, len);
}

void pvh_console_flush(void)
{
    unsigned i;

    for (i = 0; i < MAX_SINKS; i++)
        if (sinks[i] && sinks[i]->flush)
            sinks[i]->flush();
}

/*
 * One formatted call at a time, so lines from several CPUs do not mix.
 * The lock is given up on after a bounded wait: a CPU that faulted while
 * printing (or one printing its own fault report from inside a print)
 * must not silence every CPU after it.
 */
#define PRINT_LOCK_SPINS 20000000u

static volatile int print_lock;

static void print_lock_take(void)
{
    for (unsigned i = 0; i < PRINT_LOCK_SPINS; i++) {
        if (!__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
            return;
        pvh_cpu_relax();
    }
}

static void print_lock_give(void)
{
    __atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

/* Formatted output is staged in a small buffer so that sinks with a
 * per-call cost (a hypercall, a ring notification) see few calls. */
static void console_flush(struct pvh_format_buf *b)
{
    pvh_console_write(b->buf, b->used);
    b->used = 0;
}

/* One formatted call: with lead (not NULL), as a line of its own,
 * "pvhboot: <lead><formatted>\n". */
static void print(const char *lead, const char *fmt, va_list ap)
{
    char stage[128]; /* not cleared: written before it is read */
    struct pvh_format_buf b = { .out.put = pvh_format_buf_put, .buf = stage,
                                .size = sizeof(stage), .flush = console_flush };

    print_lock_take();
    if (lead) {
        pvh_format_buf_put(&b.out, "pvhboot: ", 9);
        pvh_format_buf_put(&b.out, lead, strlen(lead));
    }
    pvh_vformat(&b.out, fmt, ap);
    /* The line's end, unconditionally: without lead, 0 bytes, which put
     * takes as nothing (a test here made the compiler copy the
     * formatting call into both paths). */
    pvh_format_buf_put(&b.out, "\n", lead != NULL);
    console_flush(&b);
    print_lock_give();
}

void pvh_vprintf(const char *fmt, va_list ap)
{
    print(NULL, fmt, ap);
}

void pvh_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    print(NULL, fmt, ap);
    va_end(ap);
}

void pvh_vinfo(const char *lead, const char *fmt, va_list ap)
{
    print(lead ? lead : "", fmt, ap);
}

void pvh_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    print("", fmt, ap);
    va_end(ap);
}

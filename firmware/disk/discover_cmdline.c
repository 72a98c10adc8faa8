/*
 * virtio-mmio devices named on the cmdline, in Linux's syntax
 * (Documentation/admin-guide/kernel-parameters.txt, virtio_mmio.device):
 *   virtio_mmio.device=<size>@<baseaddr>:<irq>[:<id>]
 * size takes a K, M or G suffix; numbers are 0x hex or decimal.
 * Firecracker appends one per device; QEMU's microvm appends them itself
 * when ACPI is off. A word that does not parse is a fatal error: the
 * VMM meant a device there.
 */
#include "common/lib/string.h"
#include "firmware/disk/disk.h"

#define WORD "virtio_mmio.device="

/* A number as C writes it: 0x hex or decimal (no octal: Linux's
 * memparse would take 0-prefixed octal, which no VMM writes). *end: the
 * first byte after it; s itself when there is none. */
static uint64_t number(const char *s, const char **end)
{
    unsigned base = 10;
    uint64_t v = 0;

    *end = s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (;; s++) {
        unsigned c = (unsigned char)*s, d;

        if (c - '0' < 10)
            d = c - '0';
        else if (base == 16 && (c | 0x20) - 'a' < 6)
            d = (c | 0x20) - 'a' + 10;
        else
            return v;
        if (v >> 59)
            return v; /* too large: *end stays short of the digits, the word fails */
        v = v * base + d;
        *end = s + 1;
    }
}

/* K, M, G (either case): the shift they stand for; 0 for anything else. */
static unsigned suffix_shift(char c)
{
    switch (c | 0x20) {
    case 'k': return 10;
    case 'm': return 20;
    case 'g': return 30;
    default: return 0;
    }
}

static bool parse_device(const char *s, size_t len, uint64_t *base, uint64_t *size)
{
    const char *end = s + len, *p;
    unsigned shift;

    *size = number(s, &p);
    if (p == s || p >= end)
        return false;
    shift = suffix_shift(*p);
    if (shift) {
        if (*size >> (64 - shift))
            return false;
        *size <<= shift;
        p++;
    }
    if (p >= end || *p != '@' || !*size)
        return false;
    s = p + 1;
    *base = number(s, &p);
    if (p == s || p >= end || *p != ':')
        return false;
    /* Then the interrupt and maybe an id: polled, not used. */
    if (p + 1 >= end || (unsigned)(p[1] - '0') > 9u)
        return false;
    return *base + *size > *base;
}

int pvh_disk_discover_cmdline(const char *cmdline, struct pvh_disk_list *list,
                              struct pvh_error *err)
{
    const char *p = cmdline;

    while (*p) {
        size_t len;
        uint64_t base, size;
        int rc;

        /* Words end at a space or any control byte: the error line
         * that quotes one stays one line. */
        while (*p && (unsigned char)*p <= ' ')
            p++;
        for (len = 0; (unsigned char)p[len] > ' '; len++)
            ;
        if (len > sizeof(WORD) - 1 && !strncmp(p, WORD, sizeof(WORD) - 1)) {
            if (!parse_device(p + sizeof(WORD) - 1, len - (sizeof(WORD) - 1), &base, &size))
                return pvh_fail(err, PVH_EINVAL, "cmdline: %.*s: not <size>@<base>:<irq>",
                                (int)(len < 80 ? len : 80), p);
            rc = pvh_virtio_mmio_probe(list, base, size, err);
            if (rc)
                return rc;
        }
        p += len;
    }
    return PVH_OK;
}

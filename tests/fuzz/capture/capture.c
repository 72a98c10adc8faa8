/*
 * capture: dump the PVH start info and everything it points to, and the
 * ACPI tables behind its RSDP, as hex lines on the debug port (0xe9):
 *
 *   capture: si <pa> <hex>        the start info (40 or 56 bytes)
 *   capture: mem <pa> <hex>       a structure at pa (memory map, module
 *                                 list, a table; a string with the rest
 *                                 of the page its NUL lies in)
 *   capture: done
 *
 * Under Xen the debug port shows up on Xen's console as "(d0) ...".
 * Then it writes to QEMU's isa-debug-exit port and halts. 32-bit,
 * freestanding; addresses above 4 GiB are not followed.
 */
#include <stdint.h>

#define DEBUGCON 0xe9
#define DEBUG_EXIT 0xf4
#define MAX_TABLE 0x4000u  /* a larger table is dumped as its header only */
#define SDT_HEADER 36u

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void put_char(char c)
{
    outb(DEBUGCON, (uint8_t)c);
}

static void put_str(const char *s)
{
    while (*s)
        put_char(*s++);
}

static void put_hex(uint32_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";

    while (digits--)
        put_char(hex[(v >> (4 * digits)) & 0xf]);
}

static uint32_t rd32(uint32_t pa)
{
    return *(const volatile uint32_t *)pa;
}

static uint8_t rd8(uint32_t pa)
{
    return *(const volatile uint8_t *)pa;
}

/* One line: "capture: <what> <pa> <bytes in hex>", cut every 16 bytes
 * (continued at the next pa): Xen's debug-port console breaks lines of
 * a guest at 80 characters. */
static void dump(const char *what, uint32_t pa, uint32_t len)
{
    uint32_t done = 0;

    do {
        uint32_t n = len - done > 16 ? 16 : len - done, i;

        put_str("capture: ");
        put_str(what);
        put_char(' ');
        put_hex(pa + done, 8);
        put_char(' ');
        for (i = 0; i < n; i++)
            put_hex(rd8(pa + done + i), 2);
        put_char('\n');
        done += n;
    } while (done < len);
}

static uint32_t string_len(uint32_t pa)
{
    uint32_t n = 0;

    while (n < 0x10000 && rd8(pa + n))
        n++;
    return n + 1;
}

/* A string, and the rest of the page its NUL lies in: pvhboot reads
 * strings a page at a time, so that much is what it sees. */
static void dump_string(uint32_t pa_lo, uint32_t pa_hi)
{
    uint32_t end;

    if (!pa_lo || pa_hi)
        return;
    end = (pa_lo + string_len(pa_lo) + 0xfff) & ~0xfffu;
    dump("mem", pa_lo, end - pa_lo);
}

static void dump_table(uint32_t pa)
{
    uint32_t len;

    if (!pa)
        return;
    len = rd32(pa + 4);
    dump("mem", pa, len >= SDT_HEADER && len <= MAX_TABLE ? len : SDT_HEADER);
}

/* RSDP, then the RSDT (or XSDT) and every table it lists, and the DSDT. */
static void dump_acpi(uint32_t rsdp)
{
    uint32_t root, entry, i, len, fadt = 0;
    int xsdt;

    if (!rsdp)
        return;
    xsdt = rd8(rsdp + 15) >= 2 && rd32(rsdp + 24) && !rd32(rsdp + 28);
    dump("mem", rsdp, rd8(rsdp + 15) >= 2 ? 36 : 20);
    root = xsdt ? rd32(rsdp + 24) : rd32(rsdp + 16);
    dump_table(root);
    entry = xsdt ? 8 : 4;
    len = rd32(root + 4);
    for (i = SDT_HEADER; i + entry <= len; i += entry) {
        uint32_t t = rd32(root + i);

        if (xsdt && rd32(root + i + 4))
            continue;
        dump_table(t);
        if (rd32(t) == 0x50434146) /* "FACP" */
            fadt = t;
    }
    if (fadt)
        dump_table(rd32(fadt + 40)); /* the DSDT */
}

void capture_main(uint32_t si);

void capture_main(uint32_t si)
{
    uint32_t version = rd32(si + 4), nr_modules = rd32(si + 12), i;

    dump("si", si, version ? 56 : 40);
    dump_string(rd32(si + 24), rd32(si + 28));
    if (nr_modules && !rd32(si + 20)) {
        uint32_t list = rd32(si + 16);

        dump("mem", list, 32 * nr_modules);
        for (i = 0; i < nr_modules; i++)
            dump_string(rd32(list + 32 * i + 16), rd32(list + 32 * i + 20));
    }
    if (version && !rd32(si + 44))
        dump("mem", rd32(si + 40), 24 * rd32(si + 48));
    if (version && !rd32(si + 36)) /* the ACPI seeds come from QEMU, not from Xen dom0 */
        dump_acpi(rd32(si + 32));
    put_str("capture: done\n");
    __asm__ volatile("outl %0, %1" : : "a"((uint32_t)0x21), "Nd"((uint16_t)DEBUG_EXIT));
    for (;;)
        __asm__ volatile("cli; hlt");
}

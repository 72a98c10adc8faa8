/* QEMU's start info, and clipped access to memory (see machine.h). */
#include "tests/hostile/machine.h"

#include "tests/hostile/console.h"

#define ONE_MIB 0x100000u
#define FOUR_GIB 0x100000000ull
#define FIRST_WRITABLE 0x10u /* page 0 too (a case puts structures there), not its first bytes */
#define RAM 1u

struct machine M;

extern char __image_start[], __image_end[];

static uint32_t rd32(uint32_t pa)
{
    return *(const volatile uint32_t *)pa;
}

static uint64_t rd64(uint32_t pa)
{
    return rd32(pa) | (uint64_t)rd32(pa + 4) << 32;
}

/* The end of the RAM entry that holds addr (0 if none). */
static uint32_t ram_end_from(uint32_t addr)
{
    for (unsigned i = 0; i < M.nr_map; i++) {
        const struct hvm_memmap_table_entry *e = &M.map[i];

        if (e->type == RAM && e->addr <= addr && addr < e->addr + e->size)
            return e->addr + e->size > FOUR_GIB ? 0xfffff000u : (uint32_t)(e->addr + e->size);
    }
    return 0;
}

void machine_read_qemu(uint32_t si)
{
    uint32_t version = rd32(si + 4), cmdline;
    unsigned i;

    if (rd32(si) != XEN_HVM_START_MAGIC_VALUE || version < 1)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's start info at %x: magic %x version %u",
                     si, rd32(si), version);
    if (rd32(si + 12) != 1)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "%u modules from QEMU: give the image as -initrd",
                     rd32(si + 12));
    M.module_base = rd32((uint32_t)rd64(si + 16));
    M.module_size = rd32((uint32_t)rd64(si + 16) + 8);
    M.rsdp = rd64(si + 32);
    M.nr_map = rd32(si + 48);
    if (M.nr_map > QEMU_MAP_MAX)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's memory map has %u entries", M.nr_map);
    for (i = 0; i < M.nr_map; i++) {
        uint32_t e = (uint32_t)rd64(si + 40) + i * (uint32_t)sizeof(M.map[0]);

        M.map[i] = (struct hvm_memmap_table_entry){ rd64(e), rd64(e + 8), rd32(e + 16), 0 };
    }
    cmdline = (uint32_t)rd64(si + 24);
    for (i = 0; cmdline && i < QEMU_CMDLINE_MAX && ((const char *)cmdline)[i]; i++)
        M.cmdline[i] = ((const char *)cmdline)[i];
    M.cmdline[i] = '\0';
    M.low_end = ram_end_from(0);
    M.ram_end = ram_end_from(ONE_MIB);
    if (!M.ram_end || M.ram_end < (uint32_t)__image_end)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "RAM from 1 MiB ends at %x: give QEMU more memory",
                     M.ram_end);
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Clip [pa, pa + len) at the start of a forbidden range [lo, hi);
 * 0 when pa lies inside it. */
static uint64_t clip(uint64_t pa, uint64_t len, uint32_t lo, uint32_t hi)
{
    if (pa >= lo && pa < hi)
        return 0;
    if (pa < lo)
        return min64(len, lo - pa);
    return len;
}

uint32_t writable_run(uint64_t pa, uint64_t len)
{
    uint64_t end;

    if (pa >= FIRST_WRITABLE && pa < M.low_end)
        end = M.low_end;
    else if (pa >= ONE_MIB && pa < M.ram_end)
        end = M.ram_end;
    else
        return 0;
    len = min64(len, end - pa);
    len = clip(pa, len, (uint32_t)__image_start, (uint32_t)__image_end);
    len = clip(pa, len, M.image_lo, M.image_hi);
    return (uint32_t)len;
}

void poke(uint64_t pa, const void *src, uint32_t len)
{
    const uint8_t *s = src;

    while (len) {
        uint32_t run = writable_run(pa, len), i;

        for (i = 0; i < run; i++)
            ((volatile uint8_t *)(uint32_t)pa)[i] = s[i];
        run = run ? run : 1; /* skip a byte we may not write */
        if (run >= len)
            return;
        pa += run;
        s += run;
        len -= run;
    }
}

void poke_string(uint64_t pa, const char *s)
{
    uint32_t n = 0;

    while (s[n])
        n++;
    poke(pa, s, n + 1);
}

void fill(uint64_t pa, uint32_t len, uint8_t byte)
{
    uint8_t chunk[256];

    for (unsigned i = 0; i < sizeof(chunk); i++)
        chunk[i] = byte;
    while (len) {
        uint32_t n = len < sizeof(chunk) ? len : sizeof(chunk);

        poke(pa, chunk, n);
        pa += n;
        len -= n;
    }
}

void fill_pattern(uint64_t pa, uint32_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;

    for (uint32_t i = 0; i < len; i++) {
        uint8_t b;

        x = x * 1103515245u + 12345u;
        b = (uint8_t)(x >> 16);
        poke(pa + i, &b, 1);
    }
}

bool readable(uint64_t pa, uint64_t len)
{
    uint64_t end = pa + len;

    if (end < pa || end > FOUR_GIB)
        return false;
    return (pa < M.low_end && end <= M.low_end) ||
           (pa >= ONE_MIB && end <= M.ram_end);
}

int32_t string_length_at(uint64_t pa, uint32_t max)
{
    for (uint32_t n = 0; n <= max; n++) {
        if (!readable(pa + n, 1))
            return -1;
        if (!*(const volatile char *)(uint32_t)(pa + n))
            return (int32_t)n;
    }
    return -1;
}

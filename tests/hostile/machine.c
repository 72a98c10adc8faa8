/* QEMU's start info, and clipped access to memory (see machine.h). */
#include "tests/hostile/machine.h"

#include "tests/hostile/console.h"
#include "tests/payloads/crc32.h"

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

/* --- RAM above 4 GiB ------------------------------------------------------
 * The loader runs with paging off, so it reaches RAM above 4 GiB through
 * PAE paging switched on around each access: the low 4 GiB identity-mapped
 * in 2 MiB pages, except the last 2 MiB of the address space (the BIOS
 * flash alias, which the loader never touches), a window onto the high
 * 2 MiB page asked for. Paging and PAE are off again afterwards, as the
 * PVH entry state wants them. */

#define CR0_PG 0x80000000u
#define CR4_PAE 0x20u
#define PAE_P 0x1ull
#define PAE_RW 0x2ull
#define PAE_PS 0x80ull
#define LARGE_PAGE 0x200000u
#define WINDOW_VA 0xffe00000u

static uint64_t pae_pdpt[4] __attribute__((aligned(32)));
static uint64_t pae_pd[4][512] __attribute__((aligned(4096)));

static void pae_tables(void)
{
    if (pae_pdpt[0])
        return;
    for (uint32_t g = 0; g < 4; g++) {
        pae_pdpt[g] = (uint32_t)pae_pd[g] | PAE_P;
        for (uint32_t i = 0; i < 512; i++)
            pae_pd[g][i] = ((uint64_t)g << 30 | (uint64_t)i << 21) | PAE_P | PAE_RW | PAE_PS;
    }
}

/* Copy len bytes (within one 2 MiB page) between high pa and buf. */
static void window_copy(uint64_t pa, uint8_t *buf, uint32_t len, bool write)
{
    volatile uint8_t *w = (volatile uint8_t *)(WINDOW_VA + (uint32_t)(pa & (LARGE_PAGE - 1)));
    uint32_t cr0, cr4;

    pae_tables();
    pae_pd[3][511] = (pa & ~(uint64_t)(LARGE_PAGE - 1)) | PAE_P | PAE_RW | PAE_PS;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PAE) : "memory");
    __asm__ volatile("mov %0, %%cr3" : : "r"((uint32_t)pae_pdpt) : "memory");
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG) : "memory");
    for (uint32_t i = 0; i < len; i++) {
        if (write)
            w[i] = buf[i];
        else
            buf[i] = w[i];
    }
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~CR0_PG) : "memory");
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 & ~CR4_PAE) : "memory");
}

static void high_copy(uint64_t pa, uint8_t *buf, uint32_t len, bool write)
{
    while (len) {
        uint32_t n = LARGE_PAGE - (uint32_t)(pa & (LARGE_PAGE - 1));

        n = n < len ? n : len;
        window_copy(pa, buf, n, write);
        pa += n;
        buf += n;
        len -= n;
    }
}

/* Bytes from pa on (at most len) inside one RAM entry above 4 GiB. */
static uint64_t high_ram_run(uint64_t pa, uint64_t len)
{
    for (unsigned i = 0; i < M.nr_map; i++) {
        const struct hvm_memmap_table_entry *e = &M.map[i];

        if (e->type == RAM && pa >= FOUR_GIB && e->addr <= pa && pa - e->addr < e->size)
            return min64(len, e->addr + e->size - pa);
    }
    return 0;
}

uint64_t high_ram_base(void)
{
    for (unsigned i = 0; i < M.nr_map; i++)
        if (M.map[i].type == RAM && M.map[i].addr >= FOUR_GIB)
            return M.map[i].addr;
    return 0;
}

uint64_t high_ram_end(void)
{
    uint64_t base = high_ram_base();

    return base ? base + high_ram_run(base, ~0ull - base) : 0;
}

bool readable_any(uint64_t pa, uint64_t len)
{
    if (pa + len < pa)
        return false;
    if (pa >= FOUR_GIB)
        return high_ram_run(pa, len) == len;
    return readable(pa, len);
}

void peek(uint64_t pa, void *dst, uint32_t len)
{
    if (pa >= FOUR_GIB) {
        high_copy(pa, dst, len, false);
        return;
    }
    for (uint32_t i = 0; i < len; i++)
        ((uint8_t *)dst)[i] = ((const volatile uint8_t *)(uint32_t)pa)[i];
}

uint32_t crc32_any(uint64_t pa, uint32_t len)
{
    static uint8_t scratch[0x10000];

    if (pa < FOUR_GIB)
        return crc32_at((uint32_t)pa, len);
    if (len > sizeof(scratch))
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "%u bytes above 4 GiB: at most %u can be summed",
                     len, (uint32_t)sizeof(scratch));
    peek(pa, scratch, len);
    return crc32_at((uint32_t)scratch, len);
}

void poke(uint64_t pa, const void *src, uint32_t len)
{
    const uint8_t *s = src;

    if (pa + len < pa)
        len = (uint32_t)(0 - pa); /* stop at 2^64: never wrap into page 0 */
    while (len) {
        uint32_t run = writable_run(pa, len), i;

        if (pa >= FOUR_GIB) {
            run = (uint32_t)high_ram_run(pa, len);
            high_copy(pa, (uint8_t *)s, run, true);
        }
        for (i = 0; pa < FOUR_GIB && i < run; i++)
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
    uint8_t chunk[256];

    /* A chunk at a time: above 4 GiB each poke() switches paging on and off. */
    for (uint32_t i = 0; i < len; i += sizeof(chunk)) {
        uint32_t n = len - i < sizeof(chunk) ? len - i : (uint32_t)sizeof(chunk);

        for (uint32_t k = 0; k < n; k++) {
            x = x * 1103515245u + 12345u;
            chunk[k] = (uint8_t)(x >> 16);
        }
        poke(pa + i, chunk, n);
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
        char ch;

        if (!readable_any(pa + n, 1))
            return -1;
        peek(pa + n, &ch, 1);
        if (!ch)
            return (int32_t)n;
    }
    return -1;
}

/* --- The RSDP a PC BIOS leaves (ACPI 6.5, 5.2.5.1), looked for here with
 * the loader's own code, so that pvhboot's scan has something to match. */

#define RSDP_SIG_LO 0x20445352u /* "RSD " */
#define RSDP_SIG_HI 0x20525450u /* "PTR " */

static uint8_t byte_sum(uint32_t pa, uint32_t n)
{
    uint32_t s = 0;

    while (n--)
        s += *(const volatile uint8_t *)pa++;
    return (uint8_t)s;
}

/* An RSDP whose bytes all lie below limit, at pa? */
static bool rsdp_here(uint32_t pa, uint32_t limit)
{
    if (pa + 20 > limit || rd32(pa) != RSDP_SIG_LO || rd32(pa + 4) != RSDP_SIG_HI ||
        byte_sum(pa, 20))
        return false;
    if (*(const volatile uint8_t *)(pa + 15) < 2)
        return true;
    return pa + 36 <= limit && !byte_sum(pa, 36);
}

static uint32_t rsdp_between(uint32_t from, uint32_t limit)
{
    for (uint32_t pa = from; pa < limit; pa += 16)
        if (rsdp_here(pa, limit))
            return pa;
    return 0;
}

uint32_t bios_rsdp(void)
{
    uint32_t bda = 0x40e, ebda, found = 0;

    __asm__("" : "+r"(bda)); /* a fixed address: keep GCC from judging it an empty object */
    ebda = (uint32_t)*(const volatile uint16_t *)bda * 16;

    /* An EBDA above the interrupt table (0x400) and below 640 KiB, its
     * first KiB up to that line at most (as ACPICA's AcpiFindRootPointer),
     * less what lies in page 0, which pvhboot leaves unmapped. */
    if (ebda > 0x400 && ebda < 0xa0000)
        found = rsdp_between(ebda < 0x1000 ? 0x1000 : ebda,
                             ebda + 0x400 < 0xa0000 ? ebda + 0x400 : 0xa0000);
    return found ? found : rsdp_between(0xe0000, 0x100000);
}

bool machine_cmdline_hex(const char *key, uint32_t *value)
{
    for (const char *p = M.cmdline; *p; p++) {
        unsigned i = 0, digits = 0;
        uint32_t v = 0;

        if (p != M.cmdline && p[-1] != ' ')
            continue;
        while (key[i] && p[i] == key[i])
            i++;
        if (key[i])
            continue;
        for (p += i; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++, digits++)
            v = v << 4 | (uint32_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
        if (!digits || digits > 8 || (*p && *p != ' '))
            hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "%s: not 1 to 8 lowercase hex digits", key);
        *value = v;
        return true;
    }
    return false;
}

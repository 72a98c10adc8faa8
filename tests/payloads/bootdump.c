/*
 * bootdump: prints what a boot loader handed it, for the firmware tests.
 * 32-bit freestanding C (no 64-bit division: hex for 64-bit values),
 * printing through say() (tests/payloads/serial.h) on COM1 and 0xe9.
 * Every line starts "bootdump: "; strings are escaped like pvhboot's
 * (\xNN for bytes below 0x20, 0x7f and above, '"' and '\').
 *
 *   bootdump: protocol mb1|mb2|pvh
 *   bootdump: cr0 0x.. cr4 0x.. eflags 0x..
 *   bootdump: gdtr 0x.. limit 0x.. idtr 0x.. limit 0x.. tr 0x.. base 0x.. limit 0x.. type 0x..
 *             (the TSS descriptor's fields as the GDT holds them; tr 0: none)
 *   bootdump: flags 0x..                              (pvh)
 *   bootdump: cmdline "..."
 *   bootdump: loader "..."                            (mb1, mb2)
 *   bootdump: meminfo lower <KiB> upper <KiB>         (mb1, mb2)
 *   bootdump: module <i> base 0x.. size <n> crc32 0x.. cmdline "..."
 *   bootdump: memmap <i> 0x<first>-0x<last> type <n>
 *   bootdump: rsdp 0x..                               (pvh)
 *   bootdump: acpi rsdp rev <n> oem "<6 chars>"       (mb2, from the ACPI tags)
 *   bootdump: done
 * then writes 0x21 to QEMU's isa-debug-exit (status 0x43) and halts.
 */
#include <stdint.h>

#include "crc32.h"
#include "serial.h"

#define MB1_MAGIC 0x2badb002u
#define MB2_MAGIC 0x36d76289u
#define PVH_MAGIC 0x336ec578u
#define DONE_VALUE 0x21

void bootdump_main(uint32_t magic, uint32_t info);

static uint32_t rd32(uint32_t pa)
{
    return *(const volatile uint32_t *)pa;
}

static uint64_t rd64(uint32_t pa)
{
    return rd32(pa) | (uint64_t)rd32(pa + 4) << 32;
}

static const char *str(uint32_t pa)
{
    return (const char *)pa;
}

static void module(unsigned i, uint64_t base, uint64_t size, const char *cmdline)
{
    say("bootdump: module %u base %llx size %u crc32 %x cmdline %q\n", i, base, (uint32_t)size,
        crc32_at((uint32_t)base, (uint32_t)size), cmdline);
}

static void memmap(unsigned i, uint64_t base, uint64_t size, uint32_t type)
{
    say("bootdump: memmap %u %llx-%llx type %u\n", i, base, base + size - 1, type);
}

static void meminfo(uint32_t lower, uint32_t upper)
{
    say("bootdump: meminfo lower %u upper %u\n", lower, upper);
}

static void string_line(const char *what, const char *s)
{
    say("bootdump: %s %q\n", what, s);
}

/* Multiboot 1 information (spec 0.6.96, 3.3). */
static void dump_mb1(uint32_t mbi)
{
    uint32_t flags = rd32(mbi), i;

    say("bootdump: protocol mb1\n");
    if (flags & (1u << 2))
        string_line("cmdline", str(rd32(mbi + 16)));
    if (flags & (1u << 9))
        string_line("loader", str(rd32(mbi + 64)));
    if (flags & 1u)
        meminfo(rd32(mbi + 4), rd32(mbi + 8));
    if (flags & (1u << 3))
        for (i = 0; i < rd32(mbi + 20); i++) {
            uint32_t m = rd32(mbi + 24) + 16 * i;

            module(i, rd32(m), rd32(m + 4) - rd32(m), str(rd32(m + 8)));
        }
    if (flags & (1u << 6)) {
        uint32_t at = rd32(mbi + 48), end = at + rd32(mbi + 44);

        for (i = 0; at < end; i++) {
            memmap(i, rd64(at + 4), rd64(at + 12), rd32(at + 20));
            at += rd32(at) + 4;
        }
    }
}

static void dump_rsdp_copy(uint32_t tag)
{
    const char *oem = str(tag + 8 + 9);
    char text[7];

    for (int i = 0; i < 6; i++)
        text[i] = oem[i];
    text[6] = '\0';
    say("bootdump: acpi rsdp rev %u oem %q\n", (uint32_t)*(const uint8_t *)(tag + 8 + 15), text);
}

/* Multiboot 2 information (spec 2.0, 3.6). */
static void dump_mb2(uint32_t mbi)
{
    uint32_t at = mbi + 8, end = mbi + rd32(mbi), mods = 0, i;

    say("bootdump: protocol mb2\n");
    while (at + 8 <= end) {
        uint32_t type = rd32(at), size = rd32(at + 4);

        if (type == 0)
            break;
        if (type == 1)
            string_line("cmdline", str(at + 8));
        else if (type == 2)
            string_line("loader", str(at + 8));
        else if (type == 3)
            module(mods++, rd32(at + 8), rd32(at + 12) - rd32(at + 8), str(at + 16));
        else if (type == 4)
            meminfo(rd32(at + 8), rd32(at + 12));
        else if (type == 6)
            for (i = 0; 16 + (i + 1) * rd32(at + 8) <= size; i++) {
                uint32_t e = at + 16 + i * rd32(at + 8);

                memmap(i, rd64(e), rd64(e + 8), rd32(e + 16));
            }
        else if (type == 15 || (type == 14))
            dump_rsdp_copy(at);
        at += (size + 7) & ~7u;
    }
}

/* PVH start info (Xen public ABI, arch-x86/hvm/start_info.h). */
static void dump_pvh(uint32_t si)
{
    uint32_t i;

    say("bootdump: protocol pvh\n");
    say("bootdump: flags %x\n", rd32(si + 8));
    string_line("cmdline", rd64(si + 24) ? str((uint32_t)rd64(si + 24)) : "");
    for (i = 0; i < rd32(si + 12); i++) {
        uint32_t m = (uint32_t)rd64(si + 16) + 32 * i;

        module(i, rd64(m), rd64(m + 8), rd64(m + 16) ? str((uint32_t)rd64(m + 16)) : "");
    }
    if (rd32(si + 4) >= 1)
        for (i = 0; i < rd32(si + 48); i++) {
            uint32_t e = (uint32_t)rd64(si + 40) + 24 * i;

            memmap(i, rd64(e), rd64(e + 8), rd32(e + 16));
        }
    say("bootdump: rsdp %llx\n", rd64(si + 32));
}

/* Where the loader left the descriptor tables, and the TSS TR selects. */
static void dump_tables(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } gdtr, idtr;
    uint16_t tr;
    uint32_t lo = 0, hi = 0;

    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    __asm__ volatile("sidt %0" : "=m"(idtr));
    __asm__ volatile("str %0" : "=r"(tr));
    if (tr & ~7u) {
        lo = rd32(gdtr.base + (tr & ~7u));
        hi = rd32(gdtr.base + (tr & ~7u) + 4);
    }
    say("bootdump: gdtr %x limit %x idtr %x limit %x tr %x base %x limit %x type %x\n",
        gdtr.base, gdtr.limit, idtr.base, idtr.limit, tr,
        (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u),
        (lo & 0xffff) | (hi & 0xf0000u), (hi >> 8) & 0xf);
}

static void dump_cpu(void)
{
    uint32_t cr0, cr4, eflags;

    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("pushf; pop %0" : "=r"(eflags));
    say("bootdump: cr0 %x cr4 %x eflags %x\n", cr0, cr4, eflags);
    dump_tables();
}

void bootdump_main(uint32_t magic, uint32_t info)
{
    dump_cpu();
    if (magic == MB1_MAGIC)
        dump_mb1(info);
    else if (magic == MB2_MAGIC)
        dump_mb2(info);
    else if (rd32(info) == PVH_MAGIC)
        dump_pvh(info);
    else
        say("bootdump: error: unknown entry: eax %x ebx %x\n", magic, info);
    say("bootdump: done\n");
    outl(X86_DEBUG_EXIT_PORT, DONE_VALUE);
    for (;;)
        __asm__ volatile("cli; hlt");
}

/*
 * Building a crafted start info, and describing it (see layout.h).
 *
 * The description is read back from memory after everything is
 * written, so it is what the image under test will find there, in
 * lines the boot test parses:
 *   hostile: case <name>
 *   hostile: image 0x<first>-0x<last> entry 0x<entry>
 *   hostile: start info 0x<pa> version <n> flags 0x<x> rsdp 0x<x>
 *   hostile: memmap <i> 0x<base> 0x<size> <type>        (raw, as written)
 *   hostile: module <i> base 0x<x> size 0x<x> crc32 0x<x>|none cmdline "<...>"|none|unterminated
 *   hostile: cmdline none | unterminated | len <n> crc32 0x<x>
 *   hostile: bios rsdp 0x<x>        (the RSDP a BIOS-area scan finds, 0 if none)
 *   hostile: enter 0x<entry> ebx 0x<pa>
 * Lines are left out where the structure is not in readable RAM (the
 * test then expects pvhboot to refuse it). RAM above 4 GiB is read back
 * too (see machine.h).
 */
#include "tests/hostile/layout.h"

#include "tests/hostile/console.h"
#include "tests/hostile/machine.h"
#include "tests/payloads/crc32.h"

#define MODULE_CMDLINE_LIMIT 4096u /* bytes read back of a module cmdline */
#define CMDLINE_LIMIT 0x110000u    /* bytes read back of the cmdline */

static char text[MODULE_CMDLINE_LIMIT + 1];

void crafted_default(struct crafted *c)
{
    c->si_pa = SI_PA;
    c->si = (struct hvm_start_info){
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .modlist_paddr = MODLIST_PA,
        .rsdp_paddr = M.rsdp,
        .memmap_paddr = MEMMAP_PA,
    };
    c->si_bytes = sizeof(c->si);
    c->nr_map = c->nr_mods = 0;
    c->modcmd_next = MODCMD_PA;
    c->bss_garbage = false;
    map_qemu_ram_until(c, ~0ull);
    mod_add(c, MOD_DATA, 12345, "module zero arg=1");
    mod_add(c, MOD_DATA + MOD_STRIDE, 4096, NULL);
    set_cmdline(c, CMDLINE_PA, "hostile default cmdline");
}

unsigned mod_add(struct crafted *c, uint64_t base, uint64_t size, const char *cmdline)
{
    unsigned i = c->nr_mods;
    uint64_t cmd_pa = 0;

    if (i == CRAFTED_MODS_MAX)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "more than %u modules", CRAFTED_MODS_MAX);
    if (cmdline) {
        uint32_t n = 0;

        while (cmdline[n])
            n++;
        cmd_pa = c->modcmd_next;
        poke_string(cmd_pa, cmdline);
        c->modcmd_next += n + 1;
    }
    if (size < 0x1000000u)
        fill_pattern(base, (uint32_t)size, i + 1);
    c->mods[i] = (struct hvm_modlist_entry){ base, size, cmd_pa, 0 };
    c->nr_mods++;
    c->si.nr_modules = c->nr_mods;
    return i;
}

void mods_clear(struct crafted *c)
{
    c->nr_mods = 0;
    c->si.nr_modules = 0;
}

void map_add(struct crafted *c, uint64_t base, uint64_t size, uint32_t type)
{
    if (c->nr_map == CRAFTED_MAP_MAX)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "more than %u map entries", CRAFTED_MAP_MAX);
    c->map[c->nr_map++] = (struct hvm_memmap_table_entry){ base, size, type, 0 };
    c->si.memmap_entries = c->nr_map;
}

void map_clear(struct crafted *c)
{
    c->nr_map = 0;
    c->si.memmap_entries = 0;
}

void map_qemu_ram_until(struct crafted *c, uint64_t end)
{
    map_clear(c);
    for (unsigned i = 0; i < M.nr_map; i++) {
        struct hvm_memmap_table_entry e = M.map[i];

        if (e.type == XEN_HVM_MEMMAP_TYPE_RAM && e.addr >= end)
            continue;
        if (e.type == XEN_HVM_MEMMAP_TYPE_RAM && e.addr + e.size > end)
            e.size = end - e.addr;
        map_add(c, e.addr, e.size, e.type);
    }
}

void set_cmdline(struct crafted *c, uint64_t pa, const char *s)
{
    poke_string(pa, s);
    c->si.cmdline_paddr = pa;
}

/* The first bytes of a module (at most HEAD_BYTES), as hex: what names
 * its compression format. */
#define HEAD_BYTES 16u

static void say_head(const struct hvm_modlist_entry *m)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t b[HEAD_BYTES];
    char hex[2 * HEAD_BYTES + 1];
    uint32_t n = m->size < HEAD_BYTES ? (uint32_t)m->size : HEAD_BYTES;

    peek(m->paddr, b, n);
    for (uint32_t i = 0; i < n; i++) {
        hex[2 * i] = digits[b[i] >> 4];
        hex[2 * i + 1] = digits[b[i] & 0xf];
    }
    hex[2 * n] = 0;
    say(" head %s", n ? hex : "-");
}

static void describe_module(unsigned i, const struct hvm_modlist_entry *m)
{
    int32_t len;

    say("hostile: module %u base %llx size %llx crc32 ", i, m->paddr, m->size);
    if (m->size <= 0xffffffffu && readable_any(m->paddr, m->size)) {
        say("%x", crc32_any(m->paddr, (uint32_t)m->size));
        say_head(m);
    } else {
        say("none head none");
    }
    say(" cmdline ");
    if (!m->cmdline_paddr) {
        say("none\n");
        return;
    }
    len = string_length_at(m->cmdline_paddr, MODULE_CMDLINE_LIMIT);
    if (len < 0) {
        say("unterminated\n");
        return;
    }
    peek(m->cmdline_paddr, text, (uint32_t)len + 1);
    say("%q\n", text);
}

static void describe_cmdline(const struct hvm_start_info *si)
{
    int32_t len;

    if (!si->cmdline_paddr) {
        say("hostile: cmdline none\n");
        return;
    }
    len = string_length_at(si->cmdline_paddr, CMDLINE_LIMIT);
    if (len < 0)
        say("hostile: cmdline unterminated\n");
    else
        say("hostile: cmdline len %u crc32 %x\n", (uint32_t)len,
            crc32_any(si->cmdline_paddr, (uint32_t)len));
}

static void crafted_describe(const struct crafted *c, const char *name)
{
    const struct hvm_start_info *si = &c->si;
    uint64_t map_bytes = (uint64_t)si->memmap_entries * sizeof(c->map[0]);
    uint64_t mod_bytes = (uint64_t)si->nr_modules * sizeof(c->mods[0]);

    say("hostile: case %s\n", name);
    say("hostile: image %x-%x entry %x\n", M.image_lo, M.image_hi - 1, M.entry);
    say("hostile: start info %x version %u flags %x rsdp %llx\n", c->si_pa, si->version,
        si->flags, si->rsdp_paddr);
    if (si->memmap_entries <= CRAFTED_MAP_MAX && readable_any(si->memmap_paddr, map_bytes)) {
        for (unsigned i = 0; i < si->memmap_entries; i++) {
            struct hvm_memmap_table_entry e;

            peek(si->memmap_paddr + i * (uint64_t)sizeof(e), &e, sizeof(e));
            say("hostile: memmap %u %llx %llx %u\n", i, e.addr, e.size, e.type);
        }
    }
    if (si->nr_modules <= CRAFTED_MODS_MAX && readable_any(si->modlist_paddr, mod_bytes)) {
        for (unsigned i = 0; i < si->nr_modules; i++) {
            struct hvm_modlist_entry copy;

            peek(si->modlist_paddr + i * (uint64_t)sizeof(copy), &copy, sizeof(copy));
            describe_module(i, &copy);
        }
    }
    describe_cmdline(si);
    say("hostile: bios rsdp %x\n", bios_rsdp());
}

uint32_t crafted_commit(struct crafted *c, const char *name)
{
    /* poke() writes only RAM, below 4 GiB or above, and never wraps. */
    poke(c->si.memmap_paddr, c->map, c->nr_map * (uint32_t)sizeof(c->map[0]));
    poke(c->si.modlist_paddr, c->mods, c->nr_mods * (uint32_t)sizeof(c->mods[0]));
    poke(c->si_pa, &c->si, c->si_bytes);
    crafted_describe(c, name);
    say("hostile: enter %x ebx %x\n", M.entry, c->si_pa);
    return c->si_pa;
}

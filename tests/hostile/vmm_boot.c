/*
 * A replica's boot, in the VMM's order: load the kernel (linux-loader's
 * rules), then the initrd, then the cmdline and the boot structures (the
 * MP table, then the ACPI tables); then the vCPU's registers. See vmm.h
 * for the cmdline and vmm_firecracker.c / vmm_cloud_hypervisor.c for
 * what each VMM writes.
 *
 * Before anything is entered the loader prints what the guest is given,
 * read back from memory, in the hostile loader's own lines
 * (tests/boot/hostile_loader.py parses them):
 *   hostile: case <vmm name>
 *   hostile: vmm <name> mem 0x<bytes>
 *   hostile: image 0x<first>-0x<last> entry 0x<entry>
 *   hostile: start info 0x6000 version 1 flags 0x0 rsdp 0x<x>
 *   hostile: memmap <i> 0x<base> 0x<size> <type>
 *   hostile: module 0 base 0x<x> size 0x<x> crc32 0x<x> head none cmdline none
 *   hostile: cmdline len <n> crc32 0x<x>
 *   hostile: virtio-mmio 0x<base> irq <n>   (one per device QEMU named, vmm.h)
 *   hostile: enter 0x<entry> ebx 0x6000
 */
#include "tests/hostile/vmm.h"

#include <stddef.h>

#include "tests/hostile/console.h"
#include "tests/hostile/machine.h"
#include "tests/payloads/crc32.h"

#define PAGE 0x1000u
#define ONE_MIB 0x100000u
#define BDA_EBDA_POINTER 0x40eu
#define GDT_ENTRIES 4u
#define TSS_AVAILABLE 0x0000890000000067ull /* ltr marks it busy: 0x8b, the VMMs' bytes */

extern char __image_start[], __image_end[];

static const struct vmm_replica *const replicas[] = {
    &vmm_firecracker_1_12, &vmm_firecracker_1_13, &vmm_firecracker_1_16, &vmm_cloud_hypervisor_53,
};

/* The boot GDT both VMMs write: null, flat 32-bit code and data
 * (accessed), a 32-bit TSS of 0x68 bytes at 0. */
static const uint64_t boot_gdt[GDT_ENTRIES] = {
    0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull, TSS_AVAILABLE,
};

static bool starts_with(const char *s, const char *prefix, const char **rest)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    *rest = s;
    return true;
}

static bool word_end(char c)
{
    return c == ' ' || c == '\0';
}

const struct vmm_replica *vmm_find(const char *cmdline)
{
    const char *name;

    if (!starts_with(cmdline, "vmm=", &name))
        return NULL;
    for (unsigned i = 0; i < sizeof(replicas) / sizeof(replicas[0]); i++) {
        const char *rest;

        if (starts_with(name, replicas[i]->name, &rest) && word_end(*rest))
            return replicas[i];
    }
    return NULL;
}

/* A decimal or 0x-hex number; p moves past it. */
static uint64_t number(const char **p)
{
    uint64_t v = 0;
    unsigned base = 10;
    const char *s = *p;

    if (s[0] == '0' && s[1] == 'x') {
        base = 16;
        s += 2;
    }
    for (;; s++) {
        unsigned d;

        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else
            break;
        v = v * base + d;
    }
    if (s == *p)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: a number expected at %q", *p);
    *p = s;
    return v;
}

#define QEMU_MMIO_WORD "virtio_mmio.device="

/* One of QEMU's words, "virtio_mmio.device=<size>@<base>:<irq>" from its
 * "=" on: the device into q (QEMU's size, 512, is not Firecracker's). */
static void qemu_mmio_device(const char *v, struct vmm_request *q)
{
    const char *p = v;

    if (q->nr_mmio == VMM_MMIO_MAX)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: more than %u virtio-mmio devices",
                     VMM_MMIO_MAX);
    (void)number(&p);
    if (*p++ != '@')
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: QEMU's word %q", v);
    q->mmio[q->nr_mmio].base = (uint32_t)number(&p);
    if (*p++ != ':')
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: QEMU's word %q", v);
    q->mmio[q->nr_mmio++].irq = (uint32_t)number(&p);
    if (!word_end(*p))
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: QEMU's word %q", v);
}

/* The run of virtio_mmio.device= words that ends the guest cmdline is
 * QEMU's (vmm.h): its devices go into q, and the words, with the space
 * QEMU put before each, come off the cmdline. */
static void take_qemu_mmio_words(char *cmdline, struct vmm_request *q)
{
    char *p = cmdline, *run = NULL;

    while (*p) {
        char *word = p;
        const char *v;

        if (!starts_with(word, QEMU_MMIO_WORD, &v))
            run = NULL;
        else if (!run)
            run = word;
        while (!word_end(*p))
            p++;
        while (*p == ' ')
            p++;
    }
    if (!run)
        return;
    for (p = run; *p;) {
        const char *v;

        if (starts_with(p, QEMU_MMIO_WORD, &v))
            qemu_mmio_device(v, q);
        while (!word_end(*p))
            p++;
        while (*p == ' ')
            p++;
    }
    if (run > cmdline && run[-1] == ' ')
        run--;
    *run = '\0';
}

static void parse(char *cmdline, struct vmm_request *q)
{
    char *p = cmdline;

    *q = (struct vmm_request){ .cmdline = NULL };
    while (*p) {
        const char *v = p; /* stays p for a word none of these knows */

        if (starts_with(p, "-- ", &v) || (starts_with(p, "--", &v) && !*v)) {
            take_qemu_mmio_words(p + (v - p), q);
            q->cmdline = v;
            break;
        }
        if (starts_with(p, "mem=", &v)) {
            q->mem = number(&v) << 20;
        } else if (starts_with(p, "initrd=", &v)) {
            q->initrd_staged = (uint32_t)number(&v);
            if (*v++ != ':')
                hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: initrd=<addr>:<bytes>");
            q->initrd_size = (uint32_t)number(&v);
        } else if (starts_with(p, "cpus=", &v)) {
            q->cpus_boot = (unsigned)number(&v);
            if (*v++ != ',')
                hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: cpus=<boot>,<max>");
            q->cpus_max = (unsigned)number(&v);
            if (!q->cpus_boot || q->cpus_boot > q->cpus_max)
                hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: cpus=%u,%u", q->cpus_boot,
                             q->cpus_max);
        } else if (starts_with(p, "ends", &v)) {
            q->ends = true;
        } else if (starts_with(p, "vmm=", &v)) {
            while (!word_end(*v))
                v++;
        }
        if (v == p || !word_end(*v))
            hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: a word it does not know in %q", cmdline);
        p += v - p;
        while (*p == ' ')
            p++;
    }
    if (!q->cpus_max)
        q->cpus_boot = q->cpus_max = 1;
    if (!q->cmdline || q->mem < 2 * ONE_MIB)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: want vmm=<name> mem=<MiB> -- <cmdline>: %q",
                     cmdline);
}

/* Is [a, b) memory QEMU has (an entry of any type in its map covers it)? */
static bool qemu_has(uint64_t a, uint64_t b)
{
    while (a < b) {
        unsigned i;

        for (i = 0; i < M.nr_map; i++)
            if (M.map[i].addr <= a && a < M.map[i].addr + M.map[i].size)
                break;
        if (i == M.nr_map)
            return false;
        a = M.map[i].addr + M.map[i].size;
    }
    return true;
}

/* The VMM's RAM must be real memory here: QEMU's -m must match mem=. */
static void check_qemu_memory(const struct hvm_memmap_table_entry *map, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = map[i].addr < ONE_MIB ? ONE_MIB : map[i].addr, b = map[i].addr + map[i].size;

        if (map[i].type == XEN_HVM_MEMMAP_TYPE_RAM && a < b && !qemu_has(a, b))
            hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: RAM %llx-%llx is not memory under "
                         "QEMU: give QEMU the VMM's -m", a, b - 1);
    }
}

static bool overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
    return a < b + bn && b < a + an;
}

/* memmove, with the string instructions (either direction). */
static void move_bytes(uint32_t dst, uint32_t src, uint32_t n)
{
    if (dst <= src || dst >= src + n) {
        __asm__ volatile("cld; rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
    } else {
        uint32_t d = dst + n - 1, s = src + n - 1;

        __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    }
}

/* Both VMMs: the top of the RAM below the 32-bit gap, page aligned. */
static uint32_t place_initrd(const struct vmm_replica *r, const struct vmm_request *q)
{
    uint64_t low = vmm_lowmem_end(r, q->mem), dst;

    if (low < q->initrd_size)
        hostile_fail(VMM_EXIT_REFUSED, "initrd of %u bytes: more than the RAM below 4 GiB",
                     q->initrd_size);
    dst = (low - q->initrd_size) & ~(uint64_t)(PAGE - 1);
    if (!readable(q->initrd_staged, q->initrd_size) ||
        overlaps(q->initrd_staged, q->initrd_size, M.image_lo, M.image_hi - M.image_lo) ||
        overlaps(dst, q->initrd_size, M.image_lo, M.image_hi - M.image_lo) ||
        overlaps(dst, q->initrd_size, (uint32_t)__image_start,
                 (uint32_t)(__image_end - __image_start)))
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: initrd staged at %x (%u bytes) cannot move "
                     "to %llx", q->initrd_staged, q->initrd_size, dst);
    move_bytes((uint32_t)dst, q->initrd_staged, q->initrd_size);
    return (uint32_t)dst;
}

/* With rep movsb: GCC takes stores through small constant addresses
 * (the BDA, the boot GDT) for null-pointer accesses. */
static void write_bytes(uint32_t pa, const void *src, uint32_t n)
{
    move_bytes(pa, (uint32_t)src, n);
}

static uint32_t length(const char *s)
{
    uint32_t n = 0;

    while (s[n])
        n++;
    return n;
}

/* The user's cmdline, what the VMM appends to it, then its word for each
 * virtio-mmio device. */
static void write_cmdline(const struct vmm_replica *r, const struct vmm_request *q)
{
    static char words[VMM_MMIO_MAX][VMM_MMIO_WORD_MAX];
    uint32_t n = length(q->cmdline), t = length(r->cmdline_tail), total = n + t, at;

    if (q->nr_mmio && !r->mmio_word)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: %s has no virtio-mmio devices", r->name);
    for (unsigned i = 0; i < q->nr_mmio; i++) {
        r->mmio_word(&q->mmio[i], words[i]);
        total += 1 + length(words[i]);
    }
    if (total + 1 > r->cmdline_max)
        hostile_fail(VMM_EXIT_REFUSED, "cmdline of %u bytes: the VMM's limit is %u", total,
                     r->cmdline_max);
    write_bytes(VMM_CMDLINE, q->cmdline, n);
    write_bytes(VMM_CMDLINE + n, r->cmdline_tail, t + 1);
    at = VMM_CMDLINE + n + t;
    for (unsigned i = 0; i < q->nr_mmio; i++) {
        write_bytes(at, " ", 1);
        write_bytes(at + 1, words[i], length(words[i]) + 1);
        at += 1 + length(words[i]);
    }
}

static void write_structures(const struct vmm_replica *r, const struct vmm_request *q,
                             uint32_t initrd, const struct hvm_memmap_table_entry *map, unsigned n)
{
    struct hvm_start_info si = {
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .cmdline_paddr = VMM_CMDLINE,
        .rsdp_paddr = r->rsdp_in_start_info ? r->rsdp_at : 0,
        .memmap_paddr = VMM_MEMMAP,
        .memmap_entries = n,
    };
    uint64_t idt = 0;

    write_bytes(VMM_BOOT_GDT, boot_gdt, sizeof(boot_gdt));
    write_bytes(VMM_BOOT_IDT, &idt, sizeof(idt));
    write_bytes(VMM_MEMMAP, map, n * (uint32_t)sizeof(map[0]));
    if (q->initrd_size) {
        struct hvm_modlist_entry mod = { initrd, q->initrd_size, 0, 0 };

        write_bytes(VMM_MODLIST, &mod, sizeof(mod));
        si.nr_modules = 1;
        si.modlist_paddr = VMM_MODLIST;
    }
    write_bytes(VMM_PVH_INFO, &si, sizeof(si));
    if (r->ebda_pointer) {
        uint16_t seg = (uint16_t)r->ebda_pointer;

        write_bytes(BDA_EBDA_POINTER, &seg, sizeof(seg));
    }
    if (r->mptable_at) {
        static uint8_t mptable[MPTABLE_MAX];
        uint32_t size = mptable_build(mptable, r->mptable_at, 1);

        write_bytes(r->mptable_at, mptable, size);
        r->acpi(q, r->mptable_at + size);
    } else {
        r->acpi(q, 0);
    }
}

/* What the guest will find, read back from memory. */
static void describe(const struct vmm_replica *r, const struct vmm_request *q, uint32_t entry)
{
    const struct hvm_start_info *si = (const void *)VMM_PVH_INFO;
    const struct hvm_memmap_table_entry *e = (const void *)VMM_MEMMAP;
    uint32_t len = 0;

    say("hostile: case %s\n", r->name);
    say("hostile: vmm %s mem %llx\n", r->name, q->mem);
    say("hostile: image %x-%x entry %x\n", M.image_lo, M.image_hi - 1, entry);
    say("hostile: start info %x version %u flags %x rsdp %llx\n", VMM_PVH_INFO, si->version,
        si->flags, si->rsdp_paddr);
    for (unsigned i = 0; i < si->memmap_entries; i++)
        say("hostile: memmap %u %llx %llx %u\n", i, e[i].addr, e[i].size, e[i].type);
    for (unsigned i = 0; i < si->nr_modules; i++) {
        const struct hvm_modlist_entry *m = (const void *)(uint32_t)si->modlist_paddr;

        say("hostile: module %u base %llx size %llx crc32 %x head none cmdline none\n", i,
            m[i].paddr, m[i].size, crc32_at((uint32_t)m[i].paddr, (uint32_t)m[i].size));
    }
    while (((const volatile char *)VMM_CMDLINE)[len])
        len++;
    say("hostile: cmdline len %u crc32 %x\n", len, crc32_at(VMM_CMDLINE, len));
    for (unsigned i = 0; i < q->nr_mmio; i++)
        say("hostile: virtio-mmio %x irq %u\n", q->mmio[i].base, q->mmio[i].irq);
    say("hostile: enter %x ebx %x\n", entry, VMM_PVH_INFO);
}

void vmm_boot(const struct vmm_replica *r, char *cmdline)
{
    struct vmm_request q;
    struct hvm_memmap_table_entry map[VMM_MAP_MAX];
    unsigned n;
    uint32_t entry, initrd = 0;

    parse(cmdline, &q);
    n = r->memmap(q.mem, map);
    check_qemu_memory(map, n);
    low_memory_open();
    low_memory_zero();
    legacy_irqs_off();
    if (r->owns_port_0x600 && q.ends)
        piix4_pm_io_off();
    entry = linux_loader_load(r, M.module_base, M.module_size, q.mem);
    if (q.initrd_size)
        initrd = place_initrd(r, &q);
    write_cmdline(r, &q);
    write_structures(r, &q, initrd, map, n);
    describe(r, &q, entry);
    vmm_enter(entry, VMM_PVH_INFO, r->cr0);
}

/*
 * Firecracker's MP table (Intel MultiProcessor Specification 1.4), as its
 * src/vmm/src/arch/x86_64/mptable.rs (setup_mptable, at the version
 * 00a6982 calls, with the ResourceAllocator) writes it: the first
 * allocation from its "system memory" at 0x9fc00, one vCPU here (the
 * replica runs on QEMU's -smp 1). In order: the floating pointer, the
 * configuration table header (OEM "FC      ", product "000000000000",
 * local APIC 0xfee00000), one processor entry per vCPU (APIC ID = index,
 * version 0x14, enabled, the first the bootstrap one, signature 0x600,
 * features FPU|APIC), the ISA bus, the I/O APIC (ID cpus + 1, at
 * 0xfec00000), an interrupt source per IRQ 0-23 (ISA bus IRQ i to I/O
 * APIC pin i), then ExtINT to LINT0 of APIC 0 and NMI to LINT1 of every
 * APIC. Its entry count includes the floating pointer, as Firecracker's
 * does.
 */
#include <stdint.h>

#include "tests/hostile/vmm.h"

#define FC_IRQ_MAX 23           /* arch/x86_64/layout.rs IRQ_MAX */
#define MP_PROCESSOR 0
#define MP_BUS 1
#define MP_IOAPIC 2
#define MP_INTSRC 3
#define MP_LINTSRC 4
#define MP_INT 0
#define MP_NMI 1
#define MP_EXTINT 3
#define CPU_ENABLED 1
#define CPU_BOOTPROCESSOR 2
#define APIC_VERSION 0x14
#define IOAPIC_BASE 0xfec00000u
#define LAPIC_BASE 0xfee00000u
#define FLOATING_SIZE 16
#define TABLE_HEADER_SIZE 44

static uint8_t *put8(uint8_t *p, uint8_t v)
{
    *p = v;
    return p + 1;
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
    return p + 4;
}

static uint8_t *put_text(uint8_t *p, const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)s[i];
    return p + n;
}

/* The value that makes the n bytes at p sum to 0. */
static uint8_t checksum(const uint8_t *p, unsigned n)
{
    uint8_t s = 0;

    for (unsigned i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return (uint8_t)-s;
}

static uint8_t *interrupt(uint8_t *p, uint8_t entry, uint8_t kind, uint8_t src_irq, uint8_t dst,
                          uint8_t dst_pin)
{
    p = put8(p, entry);
    p = put8(p, kind);
    p = put16(p, 0);            /* polarity and trigger: the bus's default */
    p = put8(p, 0);             /* source bus: ISA */
    p = put8(p, src_irq);
    p = put8(p, dst);
    return put8(p, dst_pin);
}

uint32_t mptable_build(uint8_t *buf, uint32_t at, unsigned cpus)
{
    uint8_t *table = buf + FLOATING_SIZE, *p = table + TABLE_HEADER_SIZE;
    uint8_t ioapic_id = (uint8_t)(cpus + 1);
    uint16_t entries = 1;       /* Firecracker counts the floating pointer too */
    uint32_t length;

    for (unsigned i = 0; i < cpus; i++, entries++) {
        p = put8(p, MP_PROCESSOR);
        p = put8(p, (uint8_t)i);
        p = put8(p, APIC_VERSION);
        p = put8(p, CPU_ENABLED | (i == 0 ? CPU_BOOTPROCESSOR : 0));
        p = put32(p, 0x600);
        p = put32(p, 0x201);    /* APIC | FPU */
        p = put32(put32(p, 0), 0);
    }
    p = put8(put8(p, MP_BUS), 0);
    p = put_text(p, "ISA   ", 6);
    entries++;
    p = put8(p, MP_IOAPIC);
    p = put8(p, ioapic_id);
    p = put8(p, APIC_VERSION);
    p = put8(p, 1);             /* usable */
    p = put32(p, IOAPIC_BASE);
    entries++;
    for (unsigned irq = 0; irq <= FC_IRQ_MAX; irq++, entries++)
        p = interrupt(p, MP_INTSRC, MP_INT, (uint8_t)irq, ioapic_id, (uint8_t)irq);
    p = interrupt(p, MP_LINTSRC, MP_EXTINT, 0, 0, 0);
    p = interrupt(p, MP_LINTSRC, MP_NMI, 0, 0xff, 1);
    entries += 2;
    length = (uint32_t)(p - table);

    /* The configuration table header, its checksum over the whole table. */
    p = put_text(table, "PCMP", 4);
    p = put16(p, (uint16_t)length);
    p = put8(p, 4);             /* specification 1.4 */
    p = put8(p, 0);             /* checksum, below */
    p = put_text(p, "FC      ", 8);
    p = put_text(p, "000000000000", 12);
    p = put32(p, 0);            /* no OEM table */
    p = put16(p, 0);
    p = put16(p, entries);
    p = put32(p, LAPIC_BASE);
    put32(p, 0);
    table[7] = checksum(table, length);

    /* The floating pointer: "_MP_", the table right after it, 1 paragraph, 1.4. */
    p = put_text(buf, "_MP_", 4);
    p = put32(p, at + FLOATING_SIZE);
    p = put8(p, 1);
    p = put8(p, 4);
    p = put8(p, 0);             /* checksum, below */
    for (unsigned i = 0; i < 5; i++)
        p = put8(p, 0);         /* no default configuration, no IMCR */
    buf[10] = checksum(buf, FLOATING_SIZE);
    return FLOATING_SIZE + length;
}

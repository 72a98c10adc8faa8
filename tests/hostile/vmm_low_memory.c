/*
 * The first MiB as a VMM's guest has it: plain RAM, zero but for what
 * the VMM writes there.
 *
 * The replicas run on QEMU -M pc (i440FX, SeaBIOS), where the first MiB
 * is not all RAM: 0xa0000-0xbffff is the VGA window and 0xc0000-0xfffff
 * holds SeaBIOS's shadowed ROM, read-only after boot. Both VMMs write
 * there (Cloud Hypervisor's RSDP and tables at 0xa0000, Firecracker's
 * tables from 0x9fc00 on and its RSDP at 0xe0000). The i440FX maps RAM
 * there again when asked through its PCI configuration space (device
 * 00:00.0): SMRAM control (0x72) with D_OPEN set shows the RAM behind
 * 0xa0000-0xbffff, and the PAM registers (0x59-0x5f) set to "read and
 * write RAM" do the same for 0xc0000-0xfffff. -M pc is what the other
 * Linux boot tests use: on microvm Linux's TSC calibration sometimes
 * hangs under TCG.
 *
 * The replica also runs on QEMU's microvm (its virtio-mmio transports:
 * vmm.h), which has no PCI host bridge and nothing to open: its first
 * MiB is RAM, and 0xf0000-0xfffff, where qboot's ROM shows, is the
 * BIOS's own RAM made writable there (microvm maps it so). The host
 * bridge's ID says which machine this is; the words below are checked
 * to be RAM on both.
 *
 * SeaBIOS's code, its RSDP and its BDA/EBDA data are gone afterwards,
 * as they would be in a VMM's guest: nothing the guest finds below 1 MiB
 * is the host firmware's. Its ACPI tables live higher up and are moved
 * into the VMM's place first (vmm_acpi.c).
 */
#include "tests/hostile/vmm.h"

#include "tests/hostile/console.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_ENABLE         0x80000000u
#define I440FX_ID          0x12378086u /* device 0x1237, vendor Intel */
#define I440FX_PAM0        0x59 /* high nibble: 0xf0000-0xfffff */
#define I440FX_PAM_LAST    0x5f /* then two 16 KiB ranges a register, 0xc0000 on */
#define I440FX_SMRAM       0x72
#define SMRAM_D_OPEN       0x40
#define PAM_RAM_RW         0x33 /* both nibbles: read enable | write enable */
#define VGA_WINDOW         0xa0000u
#define ROM_WINDOW         0xc0000u
#define ONE_MIB            0x100000u
#define PROBE              0x5a17c0deu

static uint8_t host_bridge_read(uint8_t reg)
{
    outl(PCI_CONFIG_ADDRESS, PCI_ENABLE | (reg & 0xfcu));
    return inb((uint16_t)(PCI_CONFIG_DATA + (reg & 3u)));
}

static void host_bridge_write(uint8_t reg, uint8_t v)
{
    outl(PCI_CONFIG_ADDRESS, PCI_ENABLE | (reg & 0xfcu));
    outb((uint16_t)(PCI_CONFIG_DATA + (reg & 3u)), v);
}

/* Fail the boot unless a word written at pa reads back. */
static void expect_ram(uint32_t pa, const char *how)
{
    volatile uint32_t *p = (volatile uint32_t *)pa;

    *p = PROBE;
    if (*p != PROBE)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "%x is not RAM after %s (reads %x)", pa, how, *p);
    *p = 0;
}

/* PCI 00:00.0's vendor and device ID: 0xffffffff where there is no PCI. */
static uint32_t host_bridge_id(void)
{
    outl(PCI_CONFIG_ADDRESS, PCI_ENABLE);
    return inl(PCI_CONFIG_DATA);
}

void low_memory_open(void)
{
    if (host_bridge_id() == I440FX_ID) {
        host_bridge_write(I440FX_SMRAM, host_bridge_read(I440FX_SMRAM) | SMRAM_D_OPEN);
        host_bridge_write(I440FX_PAM0, (uint8_t)((host_bridge_read(I440FX_PAM0) & 0x0f) |
                                                 (PAM_RAM_RW & 0xf0)));
        for (uint8_t reg = I440FX_PAM0 + 1; reg <= I440FX_PAM_LAST; reg++)
            host_bridge_write(reg, PAM_RAM_RW);
    }
    expect_ram(VGA_WINDOW, "opening SMRAM (i440FX 0x72 D_OPEN; microvm: none)");
    expect_ram(ONE_MIB - 0x20000u, "setting the PAM registers (microvm: none)");
    expect_ram(ONE_MIB - 4, "setting the PAM registers (microvm: none)");
}

/* With rep stosl: a C store through address 0 is undefined behaviour. */
void low_memory_zero(void)
{
    uint32_t dst = 0, words = ONE_MIB / 4;

    __asm__ volatile("cld; rep stosl" : "+D"(dst), "+c"(words) : "a"(0) : "memory");
}

/*
 * Port 0x600 for a VMM's own device there (Cloud Hypervisor's ACPI
 * shutdown device): SeaBIOS puts the PIIX4's power management registers
 * at 0x600 (PCI 00:01.3, base in 0x40); clearing PMIOSE (bit 0 of 0x80)
 * takes them off the I/O space, so that whatever the test puts at 0x600
 * gets the guest's writes.
 */
#define PIIX4_PM_FUNCTION  (PCI_ENABLE | 1u << 11 | 3u << 8)
#define PIIX4_PMREGMISC    0x80u
#define PIIX4_PMIOSE       0x01u

void piix4_pm_io_off(void)
{
    uint8_t misc;

    outl(PCI_CONFIG_ADDRESS, PIIX4_PM_FUNCTION | PIIX4_PMREGMISC);
    misc = inb(PCI_CONFIG_DATA);
    outl(PCI_CONFIG_ADDRESS, PIIX4_PM_FUNCTION | PIIX4_PMREGMISC);
    outb(PCI_CONFIG_DATA, (uint8_t)(misc & ~PIIX4_PMIOSE));
}

/*
 * The legacy interrupt controllers quiet, as in a VMM's fresh guest,
 * where nothing has programmed the PIT: SeaBIOS leaves it ticking into
 * the master 8259, whose vectors start at 8. A guest that does not touch
 * the 8259s -- Linux on hardware-reduced ACPI tables, Firecracker's and
 * Cloud Hypervisor's -- would take that tick as a double fault. Every
 * 8259 input masked (OCW1).
 */
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_DATA  0xa1

void legacy_irqs_off(void)
{
    outb(PIC_MASTER_DATA, 0xff);
    outb(PIC_SLAVE_DATA, 0xff);
}

/*
 * ACPI poweroff on x86, in the ACPI poweroff part (include/pvhboot/parts.h):
 * the sleep type the DSDT's \_S5 names, written to the PM1 control blocks
 * or the sleep control register the FADT names; and the i8042 reset where
 * the tables say there is no S5 (Firecracker's). power.c reaches these
 * through weak references; naming the part links this file (its marker
 * is here) and through it common/acpi/acpi.c, so a program without the
 * part carries none of it.
 */
#include <pvhboot/console.h>
#include <pvhboot/parts.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/acpi/acpi.h"

/* How long to wait for an ACPI poweroff (or the reset) to take effect
 * before trying the next way: QEMU acts on it within a few thousand
 * instructions, hardware within microseconds. */
#define POWEROFF_WAIT_POLLS 1000000

/* The PC keyboard controller (i8042): its command port, the status bit
 * that says it has not yet taken the last byte, and the command that
 * pulses the CPU reset line. */
#define I8042_COMMAND_PORT  0x64
#define I8042_STATUS_BUSY   0x02
#define I8042_PULSE_RESET   0xfe
#define I8042_BUSY_POLLS    100000

/* Naming it links this file and what it calls: the ACPI poweroff part. */
const char pvh_part_acpi_poweroff = 1;

static struct pvh_acpi_poweroff acpi_off;
static bool acpi_read;
/* The tables are there and sound, and say there is no way off (no \_S5,
 * no sleep or PM1 register): Firecracker's. */
static bool acpi_says_no_off;

static void wait_for_off(void)
{
    for (unsigned i = 0; i < POWEROFF_WAIT_POLLS; i++)
        x86_pause();
}

/* Read once; quiet when asked (the failure path prints nothing). */
static void acpi_find_poweroff(uint64_t rsdp, bool quiet)
{
    struct pvh_error err;
    int rc;

    if (acpi_read || !rsdp)
        return;
    acpi_read = true;
    rc = pvh_acpi_find_poweroff(&x86_phys, rsdp, &acpi_off, &err);
    if (!rc)
        return;
    /* Tables that say there is none are no fault of theirs (Firecracker's). */
    acpi_says_no_off = rc == PVH_ENOENT;
    if (!quiet)
        pvh_info("%s: no ACPI poweroff: %s", acpi_says_no_off ? "note" : "warning", err.msg);
}

static void gas_write(const struct pvh_acpi_gas *g, uint32_t value)
{
    if (!g->address)
        return;
    if (g->space == ACPI_SPACE_IO && g->address <= 0xffff) {
        if (g->bit_width == 8 || g->access_size == 1)
            outb((uint16_t)g->address, (uint8_t)value);
        else if (g->bit_width == 32 || g->access_size == 3)
            outl((uint16_t)g->address, value);
        else
            outw((uint16_t)g->address, (uint16_t)value);
    } else if (g->space == ACPI_SPACE_MEMORY && x86_paging_map(g->address, 4, X86_MAP_MMIO)) {
        volatile void *p = (volatile void *)(uintptr_t)g->address;

        if (g->bit_width == 8 || g->access_size == 1)
            *(volatile uint8_t *)p = (uint8_t)value;
        else if (g->bit_width == 32 || g->access_size == 3)
            *(volatile uint32_t *)p = value;
        else
            *(volatile uint16_t *)p = (uint16_t)value;
    }
}

void x86_acpi_poweroff(uint64_t rsdp, bool quiet)
{
    const struct pvh_acpi_poweroff *a = &acpi_off;

    acpi_find_poweroff(rsdp, quiet);
    switch (a->kind) {
    case PVH_ACPI_OFF_PM1:
        gas_write(&a->pm1a_cnt, (uint32_t)a->slp_typ_a << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN);
        gas_write(&a->pm1b_cnt, (uint32_t)a->slp_typ_b << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN);
        break;
    case PVH_ACPI_OFF_SLEEP_CTL:
        gas_write(&a->sleep_ctl,
                  (uint32_t)(a->slp_typ_a & 7) << ACPI_SLEEP_CTL_SLP_TYP_SHIFT | ACPI_SLEEP_CTL_SLP_EN);
        break;
    case PVH_ACPI_OFF_NONE:
        return;
    }
    wait_for_off();
}

/*
 * A reset through the keyboard controller, only where the ACPI tables say
 * there is no S5: that is Firecracker, whose process exits on this reset
 * (and on nothing else a guest can do). Where a reset reboots the VM
 * (Cloud Hypervisor, QEMU without -no-reboot) the tables offer S5, so
 * this is never reached there and a poweroff cannot become a reboot loop.
 */
void x86_acpi_i8042_reset(void)
{
    if (!acpi_says_no_off)
        return;
    for (unsigned i = 0; i < I8042_BUSY_POLLS && (inb(I8042_COMMAND_PORT) & I8042_STATUS_BUSY); i++)
        x86_pause();
    outb(I8042_COMMAND_PORT, I8042_PULSE_RESET);
    wait_for_off();
}

/*
 * Stopping the machine on x86: under Xen, SCHEDOP_shutdown (poweroff or
 * crash); otherwise ACPI S5 for a normal poweroff, QEMU's isa-debug-exit
 * port as the fallback and for failures; then a halt with interrupts off.
 */
#include <pvhboot/console.h>
#include <pvhboot/power.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/acpi/acpi.h"
#include "common/boot/arch_hooks.h"

#include <xen/sched.h>

/* How long to wait for an ACPI poweroff to take effect before trying
 * the next way: QEMU acts on it within a few thousand instructions,
 * hardware within microseconds. */
#define POWEROFF_WAIT_POLLS 1000000

static struct pvh_acpi_poweroff acpi_off;
static uint64_t acpi_rsdp;

/* Only remember the RSDP: the tables are read when a poweroff needs them,
 * so boots that never power off (a firmware's hand-off) do not pay for it. */
void x86_power_init(const struct pvh_boot *boot)
{
    acpi_rsdp = boot->rsdp;
}

static void acpi_find_poweroff(void)
{
    struct pvh_error err;

    if (acpi_rsdp && pvh_acpi_find_poweroff(&x86_phys, acpi_rsdp, &acpi_off, &err))
        pvh_info("warning: no ACPI poweroff: %s", err.msg);
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

static void acpi_poweroff(void)
{
    const struct pvh_acpi_poweroff *a = &acpi_off;

    acpi_find_poweroff();
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
    for (unsigned i = 0; i < POWEROFF_WAIT_POLLS; i++)
        x86_pause();
}

void pvh_halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

void pvh_poweroff(void)
{
    x86_xen_shutdown(SHUTDOWN_poweroff); /* returns when not under Xen */
    pvh_console_flush();
    acpi_poweroff();
    /* Still here: no ACPI, or it did not work. Under QEMU with
     * isa-debug-exit this ends with status 1. */
    outl(X86_DEBUG_EXIT_PORT, 0);
    pvh_info("poweroff failed: halting");
    pvh_halt();
}

void pvh_arch_stop_failure(void)
{
    x86_xen_shutdown(SHUTDOWN_crash); /* returns when not under Xen */
    pvh_console_flush();
    outl(X86_DEBUG_EXIT_PORT, X86_DEBUG_EXIT_FAILURE);
    pvh_halt();
}

const char *pvh_arch_name(void)
{
    return "x86_64";
}

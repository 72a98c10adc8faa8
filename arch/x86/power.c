/*
 * Stopping the machine on x86. Under Xen: SCHEDOP_shutdown (poweroff or
 * crash). Otherwise each VMM ends a VM its own way (docs/loaders.md,
 * "Ending the VM"), so every way is tried in turn:
 *  - poweroff: ACPI S5, QEMU's isa-debug-exit, then the i8042 reset when
 *    the ACPI tables say there is no S5 (Firecracker's);
 *  - fatal error: isa-debug-exit with the failure value, ACPI S5, the
 *    same i8042 reset; or a halt when the cmdline has
 *    pvhboot.on_error=halt;
 * and a halt with interrupts off when nothing ended the VM.
 */
#include <pvhboot/console.h>
#include <pvhboot/power.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/acpi/acpi.h"
#include "common/boot/arch_hooks.h"
#include "common/boot/options.h"

#include <xen/sched.h>

/* In the Xen part (include/pvhboot/parts.h): NULL when it is not linked. */
extern void x86_xen_shutdown(unsigned reason) __attribute__((weak));

/* How long to wait for an ACPI poweroff to take effect before trying
 * the next way: QEMU acts on it within a few thousand instructions,
 * hardware within microseconds. */
#define POWEROFF_WAIT_POLLS 1000000

/* The PC keyboard controller (i8042): its command port, the status bit
 * that says it has not yet taken the last byte, and the command that
 * pulses the CPU reset line. */
#define I8042_COMMAND_PORT  0x64
#define I8042_STATUS_BUSY   0x02
#define I8042_PULSE_RESET   0xfe
#define I8042_BUSY_POLLS    100000

/* In the ACPI poweroff part (include/pvhboot/parts.h): NULL when it is
 * not linked, and then there is no ACPI way off. */
extern int pvh_acpi_find_poweroff(const struct pvh_phys *phys, uint64_t rsdp,
                                  struct pvh_acpi_poweroff *out, struct pvh_error *err)
    __attribute__((weak));

static struct pvh_acpi_poweroff acpi_off;
static uint64_t acpi_rsdp;
static bool acpi_read;
/* The tables are there and sound, and say there is no way off (no \_S5,
 * no sleep or PM1 register): Firecracker's. */
static bool acpi_says_no_off;
static bool on_error_halt;

/* Only remember the RSDP: the tables are read when a poweroff needs them,
 * so boots that never power off (a firmware's hand-off) do not pay for it.
 * Called as soon as the RSDP and the cmdline are known, so that fatal
 * errors from then on can end the VM through them too. */
void x86_power_init(uint64_t rsdp, const char *cmdline)
{
    acpi_rsdp = rsdp;
    on_error_halt = pvh_option_is(cmdline, "on_error", "halt");
}

/* Read once; quiet when asked (the failure path prints nothing). */
static void acpi_find_poweroff(bool quiet)
{
    struct pvh_error err;
    int rc;

    if (acpi_read || !acpi_rsdp || !pvh_acpi_find_poweroff)
        return;
    acpi_read = true;
    rc = pvh_acpi_find_poweroff(&x86_phys, acpi_rsdp, &acpi_off, &err);
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

static void acpi_poweroff(bool quiet)
{
    const struct pvh_acpi_poweroff *a = &acpi_off;

    acpi_find_poweroff(quiet);
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

/*
 * A reset through the keyboard controller, only where the ACPI tables say
 * there is no S5: that is Firecracker, whose process exits on this reset
 * (and on nothing else a guest can do). Where a reset reboots the VM
 * (Cloud Hypervisor, QEMU without -no-reboot) the tables offer S5, so
 * this is never reached there and a poweroff cannot become a reboot loop.
 */
static void i8042_reset(void)
{
    if (!acpi_says_no_off)
        return;
    for (unsigned i = 0; i < I8042_BUSY_POLLS && (inb(I8042_COMMAND_PORT) & I8042_STATUS_BUSY); i++)
        x86_pause();
    outb(I8042_COMMAND_PORT, I8042_PULSE_RESET);
    for (unsigned i = 0; i < POWEROFF_WAIT_POLLS; i++)
        x86_pause();
}

void pvh_poweroff(void)
{
    if (x86_xen_shutdown)
        x86_xen_shutdown(SHUTDOWN_poweroff); /* returns when not under Xen */
    pvh_console_flush();
    acpi_poweroff(false);
    /* Still here: no ACPI, or it did not work. Under QEMU with
     * isa-debug-exit this ends with status 1. */
    outl(X86_DEBUG_EXIT_PORT, 0);
    i8042_reset();
    pvh_info("poweroff failed: halting");
    pvh_halt();
}

/*
 * A fatal error. Each way is tried at most once: a fault while trying one
 * (say, in tables that cannot be read) comes back here through the
 * exception handler and goes on with the next.
 */
void pvh_arch_stop_failure(void)
{
    static unsigned step;

    if (x86_xen_shutdown)
        x86_xen_shutdown(SHUTDOWN_crash); /* returns when not under Xen */
    switch (__atomic_fetch_add(&step, 1, __ATOMIC_SEQ_CST)) {
    case 0:
        pvh_console_flush();
        if (on_error_halt)
            pvh_halt();
        outl(X86_DEBUG_EXIT_PORT, X86_DEBUG_EXIT_FAILURE);
        __attribute__((fallthrough));
    case 1:
        acpi_poweroff(true);
        __attribute__((fallthrough));
    case 2:
        i8042_reset();
        break;
    default:
        break;
    }
    pvh_halt();
}

const char *pvh_arch_name(void)
{
    return "x86_64";
}

/*
 * The PL011 UART (and the SBSA generic UART, its subset, which Xen's
 * vpl011 offers a dom0less domU) as a console sink. Only the data and
 * flag registers are used, with 32-bit accesses as the SBSA requires;
 * the firmware or hypervisor has already set the line up.
 */
#include <pvhboot/console.h>

#include "arch/arm64/arch.h"

#define UART_DR 0x00   /* data: a write sends one byte */
#define UART_FR 0x18   /* flags */
#define FR_BUSY (1u << 3)
#define FR_TXFF (1u << 5) /* transmit FIFO full */

/* Bounded waits: a UART that never drains must not hang the boot
 * (QEMU's never fills; hardware drains a byte in about 90 us at 115200). */
#define TX_WAIT_POLLS 1000000u

static volatile uint32_t *regs;

static uint32_t rd(unsigned off)
{
    return regs[off / 4];
}

static void putc_raw(char c)
{
    unsigned i;

    for (i = 0; i < TX_WAIT_POLLS && (rd(UART_FR) & FR_TXFF); i++)
        ;
    regs[UART_DR / 4] = (uint8_t)c;
}

static void uart_write(const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (buf[i] == '\n')
            putc_raw('\r');
        putc_raw(buf[i]);
    }
}

static void uart_flush(void)
{
    unsigned i;

    for (i = 0; i < TX_WAIT_POLLS && (rd(UART_FR) & FR_BUSY); i++)
        ;
}

static const struct pvh_console pl011 = { "pl011", uart_write, uart_flush };

void arm64_uart_init(enum pvh_uart_kind kind, uint64_t base)
{
    if (kind == PVH_UART_NONE || !base)
        return;
    regs = (volatile uint32_t *)(uintptr_t)base;
    pvh_console_register(&pl011);
}

bool arm64_uart_present(void)
{
    return regs != NULL;
}

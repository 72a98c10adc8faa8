/* The 16550 UART at COM1 (0x3f8): 115200 8N1, polled. */
#include <stdbool.h>

#include <pvhboot/console.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"

#define UART_THR 0 /* transmit holding register */
#define UART_DLL 0 /* divisor latch low (DLAB = 1) */
#define UART_IER 1 /* interrupt enable */
#define UART_DLM 1 /* divisor latch high (DLAB = 1) */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch */

#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1  0x03
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_DIVISOR_115200 1

/* A UART that never drains must not hang the boot: give up on a byte
 * after this many polls (far longer than one byte takes at 9600 baud). */
#define UART_POLL_LIMIT 100000

static bool uart_present(void)
{
    /* The scratch register holds what was written; with no UART the
     * bus floats and reads 0xff. */
    outb(X86_COM1_PORT + UART_SCR, 0x5a);
    if (inb(X86_COM1_PORT + UART_SCR) != 0x5a)
        return false;
    outb(X86_COM1_PORT + UART_SCR, 0xa5);
    return inb(X86_COM1_PORT + UART_SCR) == 0xa5;
}

static void uart_putc(char c)
{
    unsigned polls;

    for (polls = 0; polls < UART_POLL_LIMIT; polls++) {
        if (inb(X86_COM1_PORT + UART_LSR) & UART_LSR_THRE)
            break;
        x86_pause();
    }
    outb(X86_COM1_PORT + UART_THR, (uint8_t)c);
}

static void uart_write(const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (buf[i] == '\n')
            uart_putc('\r'); /* terminals want CR LF */
        uart_putc(buf[i]);
    }
}

static const struct pvh_console uart_console = { "com1", uart_write, NULL };

bool x86_uart_init(void)
{
    if (!uart_present())
        return false;
    outb(X86_COM1_PORT + UART_IER, 0);
    outb(X86_COM1_PORT + UART_LCR, UART_LCR_DLAB);
    outb(X86_COM1_PORT + UART_DLL, UART_DIVISOR_115200);
    outb(X86_COM1_PORT + UART_DLM, 0);
    outb(X86_COM1_PORT + UART_LCR, UART_LCR_8N1);
    outb(X86_COM1_PORT + UART_FCR, UART_FCR_ENABLE_CLEAR);
    outb(X86_COM1_PORT + UART_MCR, UART_MCR_DTR_RTS);
    return pvh_console_register(&uart_console) == 0;
}

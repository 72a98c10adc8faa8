/*
 * /init of make bench's initramfs: reads the TSC as its first instruction,
 * prints "bench: init tsc <ticks>" on its console and ends QEMU through
 * the isa-debug-exit port. Under -icount shift=0,sleep=off the TSC counts
 * guest instructions (idle time skipped to the next timer), so the number
 * is the guest's whole path from reset to userspace, the same every run.
 *
 * A static Linux program without libc: built by tests/bench/bench.py with
 * the host's gcc (-nostdlib -static).
 */
#define SYS_WRITE 1
#define SYS_EXIT 60
#define SYS_IOPERM 173
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_VALUE 0x10 /* QEMU exits with (0x10 << 1) | 1, as tests/boot/linux.py expects */

static long syscall3(long nr, long a, long b, long c)
{
    long ret;

    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

static unsigned long decimal(char *end, unsigned long long v)
{
    char *p = end;

    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return (unsigned long)(end - p);
}

void _start(void);

void _start(void)
{
    static const char prefix[] = "bench: init tsc ";
    unsigned int lo, hi;
    char line[64], digits[24];
    unsigned long n, i, len = 0;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    for (i = 0; i < sizeof(prefix) - 1; i++)
        line[len++] = prefix[i];
    n = decimal(digits + sizeof(digits), ((unsigned long long)hi << 32) | lo);
    for (i = 0; i < n; i++)
        line[len++] = digits[sizeof(digits) - n + i];
    line[len++] = '\n';
    syscall3(SYS_WRITE, 1, (long)line, (long)len);
    if (syscall3(SYS_IOPERM, DEBUG_EXIT_PORT, 1, 1) == 0)
        __asm__ volatile("outb %0, %1" : : "a"((unsigned char)DEBUG_EXIT_VALUE), "Nd"((unsigned short)DEBUG_EXIT_PORT));
    for (;;)
        syscall3(SYS_EXIT, 1, 0, 0); /* no port: the kernel panics, and the bench reports it */
}

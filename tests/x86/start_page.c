/*
 * start-page: a test unikernel for tests/boot/test_x86_smp.py and
 * test_x86_xen.py. It runs a function on every other CPU twice: the
 * first call starts the CPU, the second wakes it from its halt (the
 * wake-up IPI). Then it writes into the page below 640 KiB that the
 * start-up code ran from (pvhboot's own RAM there, as the memory map
 * marks it), which must fault where INIT-SIPI used it: the page is
 * read-only once the code is in it. pvhboot's exception handler reports
 * the fault and ends the boot; "pvhboot: start-page: written" and a
 * poweroff mean it did not fault.
 */
#include <stdint.h>

#include <pvhboot/pvhboot.h>
#include <xen/e820.h>

#define LOW_RAM_END 0xa0000u

static volatile unsigned ran;

static void arrive(unsigned cpu, void *arg)
{
    (void)cpu;
    (void)arg;
    __atomic_add_fetch(&ran, 1, __ATOMIC_SEQ_CST);
}

/* pvhboot's one page of RAM below 640 KiB; 0 when there is none. */
static uint64_t start_page(const struct pvh_boot *boot)
{
    for (unsigned i = 0; i < boot->nr_memmap; i++) {
        const struct pvh_region *r = &boot->memmap[i];

        if ((r->flags & PVH_REGION_PVHBOOT) && r->type == E820_TYPE_RAM && r->base < LOW_RAM_END)
            return r->base;
    }
    return 0;
}

/* arrive() on every other CPU (waiting while one still runs the last
 * call); returns once each CPU that took the call has run it. */
static unsigned run_round(const struct pvh_boot *boot)
{
    unsigned before = ran, asked = 0;

    for (unsigned cpu = 1; cpu < pvh_cpu_count(boot); cpu++) {
        int rc;

        while ((rc = pvh_cpu_start(cpu, arrive, NULL)) == PVH_CPU_EBUSY)
            ;
        if (rc == 0)
            asked++;
    }
    while (ran - before < asked)
        ;
    return asked;
}

void pvh_main(const struct pvh_boot *boot)
{
    unsigned started = run_round(boot), again = run_round(boot);
    uint64_t page = start_page(boot);

    pvh_info("start-page: %u CPUs started, %u woken again, page 0x%llx", started, again,
             (unsigned long long)page);
    if (!page)
        return;
    *(volatile uint8_t *)(uintptr_t)page = 0;
    pvh_info("start-page: written");
}

/*
 * start-page: a test unikernel for tests/boot/test_x86_smp.py. It starts
 * every other CPU, then writes into the page below 640 KiB that their
 * start-up code ran from (pvhboot's own RAM there, as the memory map
 * marks it), which must fault: the page is read-only once the code is
 * in it. pvhboot's exception handler reports the fault and ends the boot;
 * "pvhboot: start-page: written" and a poweroff mean it did not fault.
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

void pvh_main(const struct pvh_boot *boot)
{
    unsigned started = 0;
    uint64_t page;

    for (unsigned cpu = 1; cpu < pvh_cpu_count(boot); cpu++)
        if (pvh_cpu_start(cpu, arrive, NULL) == 0)
            started++;
    while (ran < started)
        ;
    page = start_page(boot);
    pvh_info("start-page: %u CPUs started, page 0x%llx", started, (unsigned long long)page);
    if (!page)
        return;
    *(volatile uint8_t *)(uintptr_t)page = 0;
    pvh_info("start-page: written");
}

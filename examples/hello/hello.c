/*
 * hello: a unikernel that prints the boot description pvhboot hands it
 * and powers off. The lines it prints are the contract the boot tests
 * check (see docs/design.md, "The console contract").
 *
 * It also runs a function on every other CPU, which counts itself in a
 * shared counter and records the hardware ID it reads from itself.
 *
 * Example-only cmdline switches: "hello.crash=null" makes it read
 * through a NULL pointer after printing, to show pvhboot's exception
 * report; "hello.crash=cpu" makes the last CPU do that instead.
 */
#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/pvhboot.h>
#include <pvhboot/xen.h>
#include <pvhboot/xen/start_info.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* Is word one of the space-separated words of s? One pass: w walks word
 * while the current word of s matches it so far, and is NULL once it
 * does not. */
static int has_word(const char *s, const char *word)
{
    const char *w = word;

    for (;; s++) {
        if (!*s || is_space(*s)) {
            if (w && !*w)
                return 1;
            if (!*s)
                return 0;
            w = word;
        } else {
            w = w && *w == *s ? w + 1 : NULL;
        }
    }
}

static void print_hypervisor(const struct pvh_hypervisor *hv)
{
    if (hv->kind == PVH_HV_XEN)
        pvh_info("hypervisor xen %u.%u", hv->version_major, hv->version_minor);
    else
        pvh_info("hypervisor %s", hv->name);
}

/* Under Xen: the full version, how hypercalls are made, every feature
 * bit Xen granted by name. */
static void print_xen(const struct pvh_hypervisor *hv)
{
    pvh_info("xen version %u.%u%s hypercall %s", hv->version_major, hv->version_minor,
             hv->xen_extraversion, hv->xen_hypercall);
    pvh_printf("pvhboot: xenfeat");
    for (unsigned bit = 0; bit < hv->xen_feature_submaps * 32; bit++) {
        const char *name = pvh_xenfeat_name(bit);

        if (!(hv->xen_features[bit / 32] >> (bit % 32) & 1))
            continue;
        if (name)
            pvh_printf(" %s", name);
        else
            pvh_printf(" bit%u", bit);
    }
    pvh_printf("\n");
}

static void print_start_flags(uint32_t flags)
{
    pvh_info("start flags 0x%x%s%s", flags, flags & SIF_PRIVILEGED ? " privileged" : "",
             flags & SIF_INITDOMAIN ? " initdomain" : "");
}

static void print_modules(const struct pvh_boot *boot)
{
    for (unsigned i = 0; i < boot->nr_modules; i++) {
        const struct pvh_module *m = &boot->modules[i];
        uint32_t crc = pvh_crc32(0, (const void *)(uintptr_t)m->base, (size_t)m->size);
        const char *format = pvh_compression_name(m->compression);

        pvh_info("module %u base 0x%llx size %llu crc32 0x%08x%s%s cmdline \"%pE\"", i,
                 (unsigned long long)m->base, (unsigned long long)m->size, crc,
                 format ? " format " : "", format ? format : "", m->cmdline);
    }
}

static void print_memmap(const struct pvh_boot *boot)
{
    for (unsigned i = 0; i < boot->nr_memmap; i++) {
        const struct pvh_region *r = &boot->memmap[i];
        const char *name = pvh_memtype_name(r->type);
        char number[16]; /* "type N" for a type without a name */

        if (!name) {
            pvh_snprintf(number, sizeof(number), "type %u", r->type);
            name = number;
        }
        pvh_info("memmap %u 0x%llx-0x%llx %s%s%s", i, (unsigned long long)r->base,
                 (unsigned long long)(r->base + r->size - 1), name,
                 (r->flags & PVH_REGION_PVHBOOT) ? " pvhboot" : "",
                 (r->flags & PVH_REGION_MODULE) ? " module" : "");
    }
}

/* What each CPU leaves for the boot CPU to print. */
static struct {
    volatile unsigned ran;             /* CPUs that ran cpu_main, the boot CPU included */
    volatile uint64_t hwid[PVH_CPUS_MAX]; /* what each read from itself */
    volatile uint8_t seen[PVH_CPUS_MAX];
} cpus;

static void cpu_main(unsigned cpu, void *crash)
{
    /* Before the count: the boot CPU keeps waiting (printing nothing)
     * while this CPU's fault report stops the machine. */
    if (crash) {
        pvh_info("hello: cpu %u reading through NULL, as asked", cpu);
        (void)*(volatile const int *)0;
    }
    cpus.hwid[cpu] = pvh_cpu_hwid();
    cpus.seen[cpu] = 1;
    __atomic_add_fetch(&cpus.ran, 1, __ATOMIC_SEQ_CST);
}

static const char *hwid_name(void)
{
    return pvh_arch_name()[0] == 'x' ? "apic" : "mpidr";
}

/* Start every other CPU, wait for each to finish, and report. */
static void run_cpus(const struct pvh_boot *boot)
{
    unsigned n = pvh_cpu_count(boot), started = 0;
    bool crash = has_word(boot->cmdline, "hello.crash=cpu");
    uint64_t t0 = pvh_clock_ticks(), t1;

    cpu_main(0, NULL);
    for (unsigned cpu = 1; cpu < n; cpu++)
        if (pvh_cpu_start(cpu, cpu_main, crash && cpu == n - 1 ? (void *)1 : NULL) == 0)
            started++;
    while (cpus.ran < started + 1)
        ;
    t1 = pvh_clock_ticks();
    for (unsigned cpu = 0; cpu < n; cpu++)
        pvh_info("cpu %u %s 0x%llx%s ran %s self 0x%llx", cpu, hwid_name(),
                 (unsigned long long)boot->cpus[cpu].hwid,
                 boot->cpus[cpu].flags & PVH_CPU_BOOT ? " boot" : "", cpus.seen[cpu] ? "yes" : "no",
                 (unsigned long long)cpus.hwid[cpu]);
    pvh_info("cpus-up ticks %llu unit %s from %s", (unsigned long long)(t1 - t0), pvh_clock_unit(),
             boot->cpus_source);
    if (n > 1) {
        pvh_printf("pvhboot: cpus-started-by");
        for (unsigned cpu = 1; cpu < n; cpu++) {
            const char *how = pvh_cpu_start_method(cpu);

            pvh_printf(" %s", how ? how : "-");
        }
        pvh_printf("\n");
    }
    pvh_info("cpus %u", cpus.ran);
}

void pvh_main(const struct pvh_boot *boot)
{
    pvh_info("hello %s", pvh_arch_name());
    pvh_info("loader %s", pvh_loader_name(boot->loader));
    /* Where this image runs: its first and last byte in memory, as the
     * loader placed it (a relocating loader may choose). */
    pvh_info("image 0x%llx-0x%llx", (unsigned long long)boot->self_base,
             (unsigned long long)boot->self_end - 1);
    print_hypervisor(&boot->hv);
    if (boot->hv.kind == PVH_HV_XEN)
        print_xen(&boot->hv);
    if (boot->loader != PVH_LOADER_FDT)
        print_start_flags(boot->start_flags);
    pvh_info("cmdline \"%pE\"", boot->cmdline);
    print_modules(boot);
    print_memmap(boot);
    pvh_info("ram %llu", (unsigned long long)pvh_boot_ram_total(boot));
    if (boot->loader == PVH_LOADER_FDT)
        pvh_info("fdt 0x%llx", (unsigned long long)boot->fdt);
    else
        pvh_info("rsdp 0x%llx", (unsigned long long)boot->rsdp);

    if (has_word(boot->cmdline, "hello.crash=null")) {
        pvh_info("hello: reading through NULL, as asked");
        (void)*(volatile const int *)0;
    }
    run_cpus(boot);
    pvh_info("hello done");
}

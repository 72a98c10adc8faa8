/*
 * Running the other CPUs on x86 (common/cpu/cpu_arch.h's hooks): INIT and
 * two start-up IPIs through the local APIC, the real-mode start-up code
 * of ap_start.asm in a page below 1 MiB, and a halted wait woken by an
 * IPI. Under Xen a vCPU is started with VCPUOP_initialise instead
 * (arch/x86/xen_vcpu.c: straight into 64-bit code, no real mode); where
 * Xen refuses that, INIT-SIPI through its emulated local APIC serves.
 *
 * Only programs that call the CPU API link this file: start.c and
 * idt.c reach it through weak references, so the firmware has none of it.
 */
#include <pvhboot/console.h>
#include <pvhboot/cpu.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/lapic.h"
#include "arch/x86/x86.h"
#include "common/cpu/cpu_arch.h"
#include "common/cpu/low_page.h"
#include "common/lib/string.h"
#include "common/boot/timing.h"

#define NR_GATES 256
#define GDT_ENTRIES (X86_SEL_TSS / 8 + 2)
/* Start-up delays (Intel SDM vol. 3, 9.4.4.1): after INIT, and after
 * each start-up IPI. A hypervisor handles them at once: there Linux waits
 * 10 us; so do we. */
#define INIT_DELAY_US 10000u
#define SIPI_DELAY_US 200u
#define VIRTUAL_DELAY_US 10u
#define BDA_EBDA_SEGMENT 0x40eu

/* One per CPU, read by ap_start.asm before it has a stack. */
struct x86_ap_slot {
    uint64_t hwid;
    uint64_t stack_top;
    uint32_t cpu;
    volatile uint32_t armed;
};
_Static_assert(sizeof(struct x86_ap_slot) == X86_AP_SLOT_SIZE, "slot size");
_Static_assert(__builtin_offsetof(struct x86_ap_slot, hwid) == X86_AP_SLOT_HWID, "slot hwid");
_Static_assert(__builtin_offsetof(struct x86_ap_slot, stack_top) == X86_AP_SLOT_STACK, "slot stack");
_Static_assert(__builtin_offsetof(struct x86_ap_slot, cpu) == X86_AP_SLOT_CPU, "slot cpu");
_Static_assert(__builtin_offsetof(struct x86_ap_slot, armed) == X86_AP_SLOT_ARMED, "slot armed");
_Static_assert(X86_AP_SLOTS == PVH_CPUS_MAX, "one slot per CPU");
struct x86_ap_slot x86_ap_slots[X86_AP_SLOTS];

/* ap_start.asm's pieces: the code copied below 1 MiB, and the offsets in
 * it that are written here. */
extern const uint8_t x86_ap_start16[], x86_ap_start16_end[];
extern const uint32_t x86_ap_offsets[2];
enum { OFF_PARAMS, OFF_START32 }; /* x86_ap_offsets: where they lie in the copy */
/* The parameters at the end of the start-up code (ap_start.asm's layout). */
struct ap_params {
    uint16_t gdt_limit;
    uint32_t gdt_base;
    uint32_t start32;   /* far jump to 32-bit code: the copy's ap_start32 */
    uint16_t code32;
    uint32_t cr3;
    uint32_t efer;      /* bits to set in EFER's low half */
    uint32_t cr0;
    uint32_t entry64;   /* far jump to 64-bit code: x86_ap_entry64 */
    uint16_t code64;
} __attribute__((packed));
_Static_assert(sizeof(struct ap_params) == 30, "ap_params size");
_Static_assert(__builtin_offsetof(struct ap_params, start32) == 6, "ap_jump32");
_Static_assert(__builtin_offsetof(struct ap_params, cr3) == 12, "ap_cr3");
_Static_assert(__builtin_offsetof(struct ap_params, efer) == 16, "ap_efer");
_Static_assert(__builtin_offsetof(struct ap_params, cr0) == 20, "ap_cr0");
_Static_assert(__builtin_offsetof(struct ap_params, entry64) == 24, "ap_jump64");
extern const char x86_ap_entry64[], x86_wake_isr[], x86_spurious_isr[];
extern const struct x86_descriptor_pointer x86_gdt_descriptor;

/* Every CPU's own GDT (for its own TSS), TSS and double-fault stack. */
static uint64_t ap_gdt[PVH_CPUS_MAX][GDT_ENTRIES] __attribute__((aligned(16)));
static struct x86_tss64 ap_tss[PVH_CPUS_MAX] __attribute__((aligned(16)));
static uint8_t ap_ist[PVH_CPUS_MAX][X86_IST_STACK_SIZE]
    __attribute__((aligned(16), section(".noinit.ap_ist")));
static struct pvh_cpu_area *ap_area[PVH_CPUS_MAX];
/* Has the CPU set its local APIC up for wake-ups? (pvh_arch_cpu_wait) */
static bool ap_lapic_ready[PVH_CPUS_MAX];
/* One IDT for every CPU: the exception gates, the wake-up vector and
 * the spurious vector. Cleared when the first CPU is started, not with
 * .bss: programs that start none do not pay for its 4 KiB. */
static struct x86_idt_gate shared_idt[NR_GATES]
    __attribute__((aligned(16), section(".noinit.shared_idt")));

/* Set-up done once, at the first start that needs it; its result kept. */
struct once {
    bool done;
    int rc;
    struct pvh_error err;
};

static struct pvh_cpu_area boot_area;
static uint64_t start_page;     /* the page below 1 MiB claimed at boot; 0: none */
static volatile int boot_lock;  /* one start at a time */
static struct once prepared, start_code_written;
static bool vcpu_op_refused;    /* said so once */

/* --- at boot (start.c, through a weak reference) ------------------------ */

static uint64_t ebda_start(const struct pvh_boot_store *st)
{
    const uint8_t *bda;

    /* Xen guests have no BIOS: page 0 is plain RAM. */
    if (st->boot.hv.kind == PVH_HV_XEN)
        return 0;
    bda = x86_phys.map(&x86_phys, BDA_EBDA_SEGMENT, 2);
    return bda ? (uint64_t)(bda[0] | bda[1] << 8) << 4 : 0;
}

void x86_smp_boot_setup(struct pvh_boot_store *st);
void x86_smp_boot_setup(struct pvh_boot_store *st)
{
    struct pvh_range avoid[PVH_MODULES_MAX];
    unsigned i;

    boot_area = (struct pvh_cpu_area){ .cpu = 0, .hwid = st->cpus[0].hwid };
    x86_wrmsr(X86_MSR_GS_BASE, (uintptr_t)&boot_area);
    if (st->nr_cpus < 2)
        return;
    for (i = 0; i < st->boot.nr_modules; i++)
        avoid[i] = (struct pvh_range){ st->modules[i].base,
                                       st->modules[i].base + st->modules[i].size };
    start_page = pvh_low_page_alloc(&st->map, ebda_start(st), avoid, st->boot.nr_modules,
                                    PVH_REGION_PVHBOOT);
}

/* --- the hooks ------------------------------------------------------------ */

struct pvh_cpu_area *pvh_arch_cpu_area(void)
{
    return (struct pvh_cpu_area *)(uintptr_t)x86_rdmsr(X86_MSR_GS_BASE);
}

uint64_t pvh_arch_cpu_hwid(void)
{
    return x86_apic_id();
}

/* The TSC's rate where the CPU or the hypervisor states it. */
static uint64_t tsc_hz(void)
{
    const struct pvh_boot *boot = pvh_boot_current;
    uint32_t r[4], base = boot ? boot->hv.cpuid_base : 0;

    if (boot && boot->hv.kind == PVH_HV_XEN) {
        x86_cpuid(base + 3, 0, r); /* Xen's time leaf: ECX the guest's TSC in kHz */
        if (r[2])
            return (uint64_t)r[2] * 1000;
    }
    if (base) {
        x86_cpuid(base, 0, r);
        if (r[0] >= X86_CPUID_HV_BASE + 0x10) {
            x86_cpuid(X86_CPUID_HV_BASE + 0x10, 0, r); /* EAX: the TSC in kHz */
            if (r[0])
                return (uint64_t)r[0] * 1000;
        }
    }
    x86_cpuid(0, 0, r);
    if (r[0] >= 0x15) {
        uint32_t max = r[0];

        x86_cpuid(0x15, 0, r); /* TSC = crystal (ECX, Hz) * EBX / EAX */
        if (r[0] && r[1] && r[2])
            return (uint64_t)r[2] * r[1] / r[0];
        if (max >= 0x16) {
            x86_cpuid(0x16, 0, r); /* EAX: base frequency in MHz */
            if (r[0] & 0xffff)
                return (uint64_t)(r[0] & 0xffff) * 1000000;
        }
    }
    return 0;
}

uint64_t pvh_arch_counter_hz(void)
{
    static uint64_t hz, known;

    if (!__atomic_load_n(&known, __ATOMIC_ACQUIRE)) {
        hz = tsc_hz();
        __atomic_store_n(&known, 1, __ATOMIC_RELEASE);
    }
    return hz;
}

static void delay_us(unsigned us)
{
    uint64_t ticks = pvh_cpu_counter_ticks(us), start = pvh_timestamp();

    while (pvh_timestamp() - start < ticks)
        x86_pause();
}

static void load_idt(void)
{
    struct x86_descriptor_pointer p = { sizeof(shared_idt) - 1, (uintptr_t)shared_idt };

    __asm__ volatile("lidt %0" : : "m"(p));
}

/* The copy below 1 MiB, with the boot CPU's tables and the EFER and CR0
 * every started CPU gets. */
static void copy_start_code(void)
{
    uint8_t *page = (uint8_t *)(uintptr_t)start_page;
    struct ap_params p = {
        .gdt_limit = x86_gdt_descriptor.limit,
        .gdt_base = (uint32_t)x86_gdt_descriptor.base,
        .start32 = (uint32_t)start_page + x86_ap_offsets[OFF_START32],
        .code32 = X86_SEL_CODE32,
        .cr3 = (uint32_t)x86_read_cr3(),
        .efer = x86_ap_efer(),
        .cr0 = X86_CR0_AP,
        .entry64 = (uint32_t)(uintptr_t)x86_ap_entry64,
        .code64 = X86_SEL_CODE64,
    };

    memcpy(page, x86_ap_start16, (size_t)(x86_ap_start16_end - x86_ap_start16));
    memcpy(page + x86_ap_offsets[OFF_PARAMS], &p, sizeof(p));
}

/* What INIT-SIPI needs once: the start-up code in its page below 1 MiB,
 * then the page read-only and executable (paging.c mapped it read-write
 * and no-execute, as all RAM): the new CPU runs it through the same page
 * tables, and nothing may change it after. */
static int write_start_code(struct pvh_error *err)
{
    if (!start_page)
        return pvh_fail(err, PVH_ENOMEM, "no free RAM page below 640 KiB for the start-up code");
    /* The start-up code reaches them with 32-bit addresses. */
    if (x86_read_cr3() >> 32 || (uintptr_t)x86_ap_entry64 >> 32 || x86_gdt_descriptor.base >> 32)
        return pvh_fail(err, PVH_ERANGE, "page tables at 0x%llx: above 4 GiB",
                        (unsigned long long)x86_read_cr3());
    copy_start_code();
    x86_paging_seal_code(start_page);
    return PVH_OK;
}

/* What the first start needs once, however it starts the CPU: the local
 * APIC (for the wake-up IPIs) and the shared IDT (the calling CPU moves
 * to it too). */
static int prepare(struct pvh_error *err)
{
    const struct x86_idt_gate *exceptions = x86_exception_gates();
    unsigned v;

    if (x86_lapic_init(err))
        return err->code;
    memset(shared_idt, 0, sizeof(shared_idt));
    for (v = 0; v < X86_EXCEPTION_VECTORS; v++)
        shared_idt[v] = exceptions[v];
    shared_idt[X86_VECTOR_WAKE] = x86_idt_gate((uintptr_t)x86_wake_isr, 0);
    shared_idt[X86_VECTOR_SPURIOUS] = x86_idt_gate((uintptr_t)x86_spurious_isr, 0);
    load_idt();
    return PVH_OK;
}

static int once(struct once *o, int (*fn)(struct pvh_error *), struct pvh_error *err)
{
    if (!o->done) {
        o->rc = fn(&o->err);
        o->done = true;
    }
    if (o->rc)
        *err = o->err;
    return o->rc;
}

static void lock(void)
{
    while (__atomic_exchange_n(&boot_lock, 1, __ATOMIC_ACQUIRE))
        x86_pause();
}

static void unlock(void)
{
    __atomic_store_n(&boot_lock, 0, __ATOMIC_RELEASE);
}

/* INIT, then two start-up IPIs naming the start-up page. */
static int init_sipi_sipi(uint32_t apic_id, struct pvh_error *err)
{
    bool virt = x86_cpu.hypervisor;
    uint32_t sipi = LAPIC_ICR_STARTUP | (uint32_t)(start_page >> 12);

    if (x86_lapic_send(apic_id, LAPIC_ICR_INIT, err))
        return err->code;
    delay_us(virt ? VIRTUAL_DELAY_US : INIT_DELAY_US);
    for (int i = 0; i < 2; i++) {
        if (x86_lapic_send(apic_id, sipi, err))
            return err->code;
        delay_us(virt ? VIRTUAL_DELAY_US : SIPI_DELAY_US);
    }
    return PVH_OK;
}

/*
 * Under Xen: VCPUOP_initialise and VCPUOP_up for the vCPU. Xen numbers
 * its vCPUs as the ACPI processor UIDs of the MADT it builds (and gives
 * vCPU i the APIC ID 2i). Where Xen refuses (a guest type it does not
 * offer the call to, a vCPU that ran), INIT-SIPI starts the CPU: said
 * once.
 */
static bool try_vcpu_op(unsigned cpu, const struct pvh_cpu *desc, uintptr_t stack_top)
{
    const struct pvh_boot *boot = pvh_boot_current;
    long rc;

    if (!boot || boot->hv.kind != PVH_HV_XEN)
        return false;
    rc = x86_xen_vcpu_start(desc->acpi_id, stack_top, cpu);
    if (rc && !vcpu_op_refused) {
        vcpu_op_refused = true;
        pvh_info("note: Xen refused VCPUOP_initialise/up for vCPU %u (error %ld): starting it "
                 "with INIT-SIPI", desc->acpi_id, rc);
    }
    return !rc;
}

static int boot_locked(unsigned cpu, const struct pvh_cpu *desc, uintptr_t stack_top,
                       const char **how, struct pvh_error *err)
{
    struct x86_ap_slot *slot = &x86_ap_slots[cpu];
    int rc = once(&prepared, prepare, err);

    if (rc)
        return rc;
    if (try_vcpu_op(cpu, desc, stack_top)) {
        *how = "xen-vcpu-op";
        return PVH_OK;
    }
    *how = "init-sipi";
    rc = once(&start_code_written, write_start_code, err);
    if (rc)
        return rc;
    slot->hwid = desc->hwid;
    slot->stack_top = stack_top;
    slot->cpu = cpu;
    __atomic_store_n(&slot->armed, 1, __ATOMIC_RELEASE);
    return init_sipi_sipi((uint32_t)desc->hwid, err);
}

int pvh_arch_cpu_boot(unsigned cpu, const struct pvh_cpu *desc, uintptr_t stack_top,
                      struct pvh_cpu_area *area, const char **how, struct pvh_error *err)
{
    int rc;

    if (cpu == 0 || cpu >= PVH_CPUS_MAX || desc->hwid > 0xffffffffu)
        return pvh_fail(err, PVH_EINVAL, "no such CPU");
    lock();
    ap_area[cpu] = area;
    rc = boot_locked(cpu, desc, stack_top, how, err);
    unlock();
    return rc;
}

/* Halt until *word == want. Interrupts are off while the word is read,
 * and `sti; hlt` opens them only once the CPU halts (STI takes effect
 * after the next instruction), so a wake-up that comes after the check
 * ends the halt instead of being lost.
 *
 * The local APIC is needed from the first wait on, for the wake-up IPI:
 * a new CPU sets it up here, after its first function ran rather than
 * before (under a hypervisor each APIC access is a trap). It is ready
 * before the word is first read with interrupts off, so a wake-up sent
 * after that read reaches it; one sent before finds the word changed. */
void pvh_arch_cpu_wait(volatile int *word, int want)
{
    unsigned cpu = pvh_arch_cpu_area()->cpu;

    if (!ap_lapic_ready[cpu]) {
        x86_lapic_init_here();
        ap_lapic_ready[cpu] = true;
    }
    for (;;) {
        __asm__ volatile("cli" ::: "memory");
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == want)
            return;
        __asm__ volatile("sti; hlt" ::: "memory");
    }
}

void pvh_arch_cpu_wake(unsigned cpu, const struct pvh_cpu *desc)
{
    struct pvh_error err;

    (void)cpu;
    (void)x86_lapic_send((uint32_t)desc->hwid, LAPIC_ICR_FIXED | X86_VECTOR_WAKE, &err);
}

/* --- on the new CPU (from ap_start.asm) --------------------------------- */

void x86_ap_main(unsigned cpu);
__attribute__((noreturn)) void x86_ap_main(unsigned cpu)
{
    struct x86_descriptor_pointer gdt = { sizeof(ap_gdt[cpu]) - 1, (uintptr_t)ap_gdt[cpu] };

    /* Its own GDT, as the boot CPU's but for the TSS: a TSS in use is
     * marked busy in its descriptor and cannot be loaded twice. */
    memcpy(ap_gdt[cpu], x86_gdt, X86_SEL_TSS);
    __asm__ volatile("lgdt %0" : : "m"(gdt) : "memory");
    x86_tss_install(ap_gdt[cpu], &ap_tss[cpu], (uintptr_t)(ap_ist[cpu] + X86_IST_STACK_SIZE));
    load_idt();
    x86_wrmsr(X86_MSR_GS_BASE, (uintptr_t)ap_area[cpu]);
    pvh_cpu_secondary_main(cpu);
}

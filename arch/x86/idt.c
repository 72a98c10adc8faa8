/*
 * Exceptions: a 64-bit IDT for vectors 0-31 whose handlers report
 * what happened and stop. A double fault runs on its own stack (IST 1)
 * so a stack overflow into the guard page is reported too instead of
 * ending in a triple fault. Vectors above 31 are left out of the IDT:
 * one arriving raises #GP with the vector in the error code, which is
 * reported like any other. A program that runs other CPUs moves every
 * CPU to a larger IDT with these same gates and the wake-up vector
 * (arch/x86/smp.c); the report then names the CPU that faulted.
 */
#include <stdint.h>

#include <pvhboot/console.h>
#include <pvhboot/cpu.h>
#include <pvhboot/power.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/boot/arch_hooks.h"
#include "common/lib/string.h"

#define NR_VECTORS X86_EXCEPTION_VECTORS

/* The frame isr.asm builds: registers, then vector and error, then the CPU's. */
struct x86_exception_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

extern const uint8_t x86_isr_stubs[NR_VECTORS * X86_ISR_STUB_SIZE]; /* isr.asm */

static struct x86_idt_gate idt[NR_VECTORS] __attribute__((aligned(16)));
static struct x86_tss64 tss __attribute__((aligned(16)));
static uint8_t ist_stack[X86_IST_STACK_SIZE] __attribute__((aligned(16), section(".noinit.ist")));

/* The names of vectors 0-31 one after another, each ended by a NUL (the
 * last by the string's own); an empty one is a reserved vector. */
static const char exception_names[] =
    "divide error\0debug\0NMI\0breakpoint\0overflow\0bound range exceeded\0"
    "invalid opcode\0device not available\0double fault\0coprocessor segment overrun\0"
    "invalid TSS\0segment not present\0stack fault\0general protection\0page fault\0"
    "\0x87 floating point\0alignment check\0machine check\0SIMD floating point\0"
    "virtualization\0control protection\0\0\0\0\0\0\0hypervisor injection\0"
    "VMM communication\0security\0";

static const char *exception_name(uint64_t vector)
{
    const char *s = exception_names;

    if (vector >= NR_VECTORS)
        return "unknown";
    for (; vector; vector--)
        s += strlen(s) + 1;
    return *s ? s : "reserved";
}

#define TSS_AVAILABLE_64 0x89 /* P, DPL 0, available 64-bit TSS */

void x86_tss_install(uint64_t *gdt, struct x86_tss64 *t, uint64_t ist_top)
{
    uint64_t base = (uint64_t)(uintptr_t)t;
    uint64_t limit = sizeof(*t) - 1;
    unsigned slot = X86_SEL_TSS / 8;

    t->ist[X86_IST_DOUBLE_FAULT - 1] = ist_top;
    t->iomap_base = sizeof(*t); /* no I/O permission bitmap */
    gdt[slot] = (limit & 0xffff) | (base & 0xffffff) << 16 | (uint64_t)TSS_AVAILABLE_64 << 40 |
                ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[slot + 1] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"((uint16_t)X86_SEL_TSS) : "memory");
}

const struct x86_idt_gate *x86_exception_gates(void)
{
    return idt;
}

void x86_idt_init(void)
{
    struct x86_descriptor_pointer p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
    const uint8_t *stub = x86_isr_stubs;

    for (struct x86_idt_gate *g = idt; g < idt + NR_VECTORS; g++, stub += X86_ISR_STUB_SIZE)
        *g = x86_idt_gate((uintptr_t)stub, 0);
    idt[X86_VECTOR_DOUBLE_FAULT].ist = X86_IST_DOUBLE_FAULT;
    x86_tss_install(x86_gdt, &tss, (uint64_t)(uintptr_t)(ist_stack + sizeof(ist_stack)));
    __asm__ volatile("lidt %0" : : "m"(p));
}

/*
 * Which CPU faulted: only programs that run other CPUs link the per-CPU
 * area (arch/x86/smp.c); for the others the weak reference is NULL and
 * every fault is the boot CPU's.
 */
extern struct pvh_cpu_area *pvh_arch_cpu_area(void) __attribute__((weak));

static unsigned faulting_cpu(void)
{
    struct pvh_cpu_area *area = pvh_arch_cpu_area ? pvh_arch_cpu_area() : NULL;

    return area ? area->cpu : 0;
}

void x86_exception(const struct x86_exception_frame *f);

__attribute__((noreturn)) void x86_exception(const struct x86_exception_frame *f)
{
    static int nesting;
    const char *name = exception_name(f->vector);
    unsigned cpu = faulting_cpu();
    char who[16] = "";

    /* A fault while reporting a fault (or while another CPU reports
     * one): stop without another word. */
    if (__atomic_fetch_add(&nesting, 1, __ATOMIC_SEQ_CST))
        pvh_arch_stop_failure();
    /* The boot CPU's report keeps the words it had before there were others. */
    if (cpu)
        pvh_snprintf(who, sizeof(who), "cpu %u: ", cpu);
    pvh_panic("%sexception %s (vector %llu) error 0x%llx rip 0x%llx cr2 0x%llx", who, name,
              (unsigned long long)f->vector, (unsigned long long)f->error,
              (unsigned long long)f->rip, (unsigned long long)x86_read_cr2());
}

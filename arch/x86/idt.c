/*
 * Exceptions: a 64-bit IDT for vectors 0-31 whose handlers report
 * what happened and stop. A double fault runs on its own stack (IST 1)
 * so a stack overflow into the guard page is reported too instead of
 * ending in a triple fault. Vectors above 31 are left out of the IDT:
 * one arriving raises #GP with the vector in the error code, which is
 * reported like any other.
 */
#include <stdint.h>

#include <pvhboot/console.h>
#include <pvhboot/power.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/arch_hooks.h"
#include "common/string.h"

#define NR_VECTORS 32
#define VECTOR_DOUBLE_FAULT 8
#define IST_DOUBLE_FAULT 1
#define IDT_INTERRUPT_GATE 0x8e /* P, DPL 0, 64-bit interrupt gate */
#define TSS_AVAILABLE_64 0x89   /* P, DPL 0, available 64-bit TSS */

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate size");

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "TSS size");
_Static_assert(__builtin_offsetof(struct tss64, ist) == 36, "TSS IST offset");

struct descriptor_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/* The frame isr.asm builds: registers, then vector and error, then the CPU's. */
struct x86_exception_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

extern const uint64_t x86_isr_table[NR_VECTORS];

static struct idt_gate idt[NR_VECTORS] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t ist_stack[X86_IST_STACK_SIZE] __attribute__((aligned(16), section(".noinit.ist")));

static const char *const exception_names[NR_VECTORS] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded",
    "invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
    "invalid TSS", "segment not present", "stack fault", "general protection", "page fault",
    "reserved", "x87 floating point", "alignment check", "machine check",
    "SIMD floating point", "virtualization", "control protection", "reserved", "reserved",
    "reserved", "reserved", "reserved", "reserved", "hypervisor injection",
    "VMM communication", "security", "reserved",
};

static void install_tss(void)
{
    uint64_t base = (uint64_t)(uintptr_t)&tss;
    uint64_t limit = sizeof(tss) - 1;
    unsigned slot = X86_SEL_TSS / 8;

    tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(uintptr_t)(ist_stack + sizeof(ist_stack));
    tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */
    x86_gdt[slot] = (limit & 0xffff) | (base & 0xffffff) << 16 |
                    (uint64_t)TSS_AVAILABLE_64 << 40 | ((limit >> 16) & 0xf) << 48 |
                    ((base >> 24) & 0xff) << 56;
    x86_gdt[slot + 1] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"((uint16_t)X86_SEL_TSS));
}

void x86_idt_init(void)
{
    struct descriptor_pointer p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
    unsigned v;

    for (v = 0; v < NR_VECTORS; v++) {
        uint64_t h = x86_isr_table[v];

        idt[v] = (struct idt_gate){
            .offset_low = (uint16_t)h,
            .selector = X86_SEL_CODE64,
            .ist = v == VECTOR_DOUBLE_FAULT ? IST_DOUBLE_FAULT : 0,
            .type_attr = IDT_INTERRUPT_GATE,
            .offset_mid = (uint16_t)(h >> 16),
            .offset_high = (uint32_t)(h >> 32),
        };
    }
    install_tss();
    __asm__ volatile("lidt %0" : : "m"(p));
}

void x86_exception(const struct x86_exception_frame *f);

__attribute__((noreturn)) void x86_exception(const struct x86_exception_frame *f)
{
    static int nesting;
    const char *name = f->vector < NR_VECTORS ? exception_names[f->vector] : "unknown";

    /* A fault while reporting a fault: stop without another word. */
    if (nesting++)
        pvh_arch_stop_failure();
    pvh_panic("exception %s (vector %llu) error 0x%llx rip 0x%llx cr2 0x%llx", name,
              (unsigned long long)f->vector, (unsigned long long)f->error,
              (unsigned long long)f->rip, (unsigned long long)x86_read_cr2());
}

/*
 * Reporting an exception: pvhboot expects none, so each one is fatal.
 * One line with the exception class (by name and number), ESR, ELR and
 * FAR, then the failure stop. On a secondary CPU the line names it
 * ("cpu N: exception ..."); the stop is the same from any CPU.
 */
#include <pvhboot/power.h>

#include "arch/arm64/arch.h"

/* Vector slots (vectors.S): groups of four (sync, IRQ, FIQ, SError). */
#define VECTOR_KIND(v) ((v) & 3)
#define VECTOR_SYNC 0

/* smp.c, in programs that start CPUs: which CPU this is (weak: the
 * firmware runs on the boot CPU alone and links none of it). */
extern unsigned arm64_smp_cpu_number(void) __attribute__((weak));

static const char *class_name(unsigned ec)
{
    switch (ec) {
    case 0x00: return "unknown instruction";
    case 0x01: return "wfi/wfe trap";
    case 0x07: return "fp/simd access";
    case 0x09: return "pointer authentication trap";
    case 0x0e: return "illegal execution state";
    case 0x15: return "svc";
    case 0x16: return "hvc";
    case 0x17: return "smc";
    case 0x18: return "system register access";
    case 0x19: return "sve access";
    case 0x20: return "instruction abort from a lower level";
    case 0x21: return "instruction abort";
    case 0x22: return "pc alignment";
    case 0x24: return "data abort from a lower level";
    case 0x25: return "data abort";
    case 0x26: return "sp alignment";
    case 0x2f: return "serror";
    case 0x30: case 0x31: return "breakpoint";
    case 0x32: case 0x33: return "software step";
    case 0x34: case 0x35: return "watchpoint";
    case 0x3c: return "brk";
    default:   return "other";
    }
}

void arm64_exception(uint64_t vector, const struct arm64_frame *f)
{
    static const char *const async[] = { "sync", "irq", "fiq", "serror" };
    unsigned ec = (unsigned)(f->esr >> ESR_EC_SHIFT & ESR_EC_MASK);
    unsigned cpu = arm64_smp_cpu_number ? arm64_smp_cpu_number() : 0;
    char who[16] = "";

    if (cpu)
        pvh_snprintf(who, sizeof(who), "cpu %u: ", cpu);
    if (VECTOR_KIND(vector) != VECTOR_SYNC)
        pvh_panic("%sexception %s (vector %llu) esr 0x%llx elr 0x%llx far 0x%llx", who,
                  async[VECTOR_KIND(vector)], (unsigned long long)vector,
                  (unsigned long long)f->esr, (unsigned long long)f->elr,
                  (unsigned long long)f->far);
    pvh_panic("%sexception %s (class 0x%02x) esr 0x%llx elr 0x%llx far 0x%llx", who,
              class_name(ec), ec, (unsigned long long)f->esr, (unsigned long long)f->elr,
              (unsigned long long)f->far);
}

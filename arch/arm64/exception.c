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

/* smp.c, in programs that start CPUs: which CPU this is. Weak: the
 * firmware runs on the boot CPU alone and links none of it, and gets
 * vectors.S's default, which answers 0 (a call, not a test of the
 * address, which GCC would read from a GOT slot). */
extern unsigned arm64_smp_cpu_number(void) __attribute__((weak));

/* The asynchronous kinds' names, among the classes' (which are 6-bit):
 * an IRQ, an FIQ, and an SError named as its class is. */
#define NAME_IRQ 0x41
#define NAME_FIQ 0x42
#define NAME_SERROR 0x2f /* the SError interrupt class */

/* Each class pvhboot names: its number, then its name and a NUL; a
 * number of 0xff ends the list with the name of every other class. One
 * block of bytes (no table of pointers, each of which would cost a
 * relocation). Classes 0x30-0x35 come in pairs (from a lower level, from
 * this one) named alike: looked up with the low bit clear. */
static const char class_names[] =
    "\x00unknown instruction\0" "\x01wfi/wfe trap\0" "\x07" "fp/simd access\0"
    "\x09pointer authentication trap\0" "\x0eillegal execution state\0" "\x15svc\0"
    "\x16hvc\0" "\x17smc\0" "\x18system register access\0" "\x19sve access\0"
    "\x20instruction abort from a lower level\0" "\x21instruction abort\0"
    "\x22pc alignment\0" "\x24" "data abort from a lower level\0" "\x25" "data abort\0"
    "\x26sp alignment\0" "\x2fserror\0" "\x30" "breakpoint\0" "\x32software step\0"
    "\x34watchpoint\0" "\x3c" "brk\0" "\x41irq\0" "\x42" "fiq\0" "\xffother";

static const char *class_name(unsigned ec)
{
    const char *p = class_names;

    if (ec >= 0x30 && ec <= 0x35)
        ec &= ~1u;
    for (; (unsigned char)*p != ec && (unsigned char)*p != 0xff; p++)
        while (*++p) /* to the NUL after its name */
            ;
    return p + 1;
}

void arm64_exception(uint64_t vector, const struct arm64_frame *f)
{
    static const unsigned char async[] = { NAME_IRQ, NAME_FIQ, NAME_SERROR };
    unsigned ec = (unsigned)(f->esr >> ESR_EC_SHIFT & ESR_EC_MASK);
    unsigned cpu = arm64_smp_cpu_number();
    bool sync = VECTOR_KIND(vector) == VECTOR_SYNC;
    char who[16] = "";

    if (cpu)
        pvh_snprintf(who, sizeof(who), "cpu %u: ", cpu);
    /* One line for both: the class of a synchronous exception, the
     * vector slot of an asynchronous one (which has no class). */
    pvh_panic("%sexception %s (%s 0x%02x) esr 0x%llx elr 0x%llx far 0x%llx", who,
              class_name(sync ? ec : async[VECTOR_KIND(vector) - 1]), sync ? "class" : "vector",
              sync ? ec : (unsigned)vector, (unsigned long long)f->esr,
              (unsigned long long)f->elr, (unsigned long long)f->far);
}

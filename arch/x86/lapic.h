/*
 * The local APIC, for starting and waking the other CPUs: xAPIC
 * registers in memory, or x2APIC MSRs when IA32_APIC_BASE says the
 * firmware switched to that mode (then every CPU uses it).
 */
#ifndef PVH_X86_LAPIC_H
#define PVH_X86_LAPIC_H

#include <stdint.h>

#include "common/output/error.h"

/* ICR commands (Intel SDM vol. 3, 11.6.1): delivery mode and level. */
#define LAPIC_ICR_FIXED   0x4000u /* assert | fixed; OR the vector in */
#define LAPIC_ICR_INIT    0x4500u /* assert | INIT */
#define LAPIC_ICR_STARTUP 0x4600u /* assert | start-up; OR the page number in */

/* Find the boot CPU's local APIC (enabling it if the firmware left it
 * off) and map its registers uncached. Once, before the first IPI. */
int x86_lapic_init(struct pvh_error *err);
/* On a started CPU, before it first waits for a wake-up: the boot CPU's
 * mode, and accepting interrupts (software-enabled, spurious vector
 * X86_VECTOR_SPURIOUS). */
void x86_lapic_init_here(void);
/* Send icr to the CPU with APIC ID dest, waiting (bounded) until the
 * local APIC has taken the last one. */
int x86_lapic_send(uint32_t dest, uint32_t icr, struct pvh_error *err);

#endif

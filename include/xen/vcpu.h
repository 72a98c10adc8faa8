/*
 * HYPERVISOR_vcpu_op(cmd, vcpu id, arg) for starting another vCPU of an
 * x86 HVM or PVH guest (Xen public ABI, vcpu.h and hvm/hvm_vcpu.h).
 *
 * VCPUOP_initialise gives a vCPU that never ran its first register state
 * (once: a vCPU that ran, or was initialised, answers -EEXIST);
 * VCPUOP_up then makes it runnable.
 */
#ifndef XEN_VCPU_H
#define XEN_VCPU_H

#include <stdint.h>

#define VCPUOP_initialise 0 /* arg: struct vcpu_hvm_context (HVM and PVH guests) */
#define VCPUOP_up         1 /* arg: NULL */
#define VCPUOP_is_up      3 /* arg: NULL; returns 1 when the vCPU runs */

/* A vCPU entered in 32-bit protected mode: segments given in full. */
struct vcpu_hvm_x86_32 {
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t eip, eflags;
    uint32_t cr0, cr3, cr4;
    uint32_t pad1;       /* 0 */
    uint64_t efer;
    uint32_t cs_base, ds_base, ss_base, es_base, tr_base;
    uint32_t cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
    uint16_t cs_ar, ds_ar, ss_ar, es_ar, tr_ar; /* access rights: descriptor bits 40-55, 48-51 left out */
    uint16_t pad2[3];    /* 0 */
};
_Static_assert(sizeof(struct vcpu_hvm_x86_32) == 120, "vcpu_hvm_x86_32 size");

/*
 * A vCPU entered in 64-bit mode. CR0 must have PG, CR4 PAE and EFER LME
 * (Xen sets LMA), RIP must be canonical. Xen loads the segment caches
 * itself: flat 64-bit code in CS, flat data in DS, ES and SS, a 64-bit
 * TSS in TR, every selector 0. GDTR and IDTR are not set: the guest
 * loads its own before it reloads a selector or takes an exception.
 */
struct vcpu_hvm_x86_64 {
    uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
    uint64_t rip, rflags;
    uint64_t cr0, cr3, cr4, efer;
};
_Static_assert(sizeof(struct vcpu_hvm_x86_64) == 112, "vcpu_hvm_x86_64 size");

#define VCPU_HVM_MODE_32B 0
#define VCPU_HVM_MODE_64B 1

/* VCPUOP_initialise's argument for an HVM or PVH guest: Xen reads all
 * 128 bytes, the larger (32-bit) member's size included. */
struct vcpu_hvm_context {
    uint32_t mode; /* VCPU_HVM_MODE_* */
    uint32_t pad;  /* 0 */
    union {
        struct vcpu_hvm_x86_32 x86_32;
        struct vcpu_hvm_x86_64 x86_64;
    } cpu_regs;
};
_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "vcpu_hvm_context size");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_context, cpu_regs) == 8, "cpu_regs offset");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_32, efer) == 56, "x86_32 efer offset");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_32, cs_ar) == 104, "x86_32 cs_ar offset");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_64, rip) == 64, "x86_64 rip offset");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_64, cr0) == 80, "x86_64 cr0 offset");

#endif

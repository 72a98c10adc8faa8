; A replica's vCPU at the image's PVH entry: the state Firecracker's and
; Cloud Hypervisor's regs.rs give it through KVM_SET_REGS/SREGS.
;
;   %ebx      0x6000 (the start info); every other general register 0,
;             %esp and %ebp included: neither VMM gives a stack
;   EFLAGS    2 (interrupts off, direction flag clear)
;   CR0       PE|ET (Firecracker) or PE (Cloud Hypervisor; TCG, like
;             most CPUs, keeps ET set); CR4 0; EFER 0; paging off
;   GDT       at 0x500, 4 entries (written by vmm_boot.c); %cs 0x08,
;             %ds %es %fs %gs %ss 0x10, TR 0x18
;   IDT       at 0x520, limit 7: one zero descriptor
;   FPU       fninit's state (control word 0x37f, as both VMMs set)
;
; ltr needs an available TSS descriptor and marks it busy: the GDT's
; fourth entry is written as type 9 and ends up type 0xb, the byte both
; VMMs write. The jump to the entry goes through memory, so that no
; register has to hold it.

bits 32

%define SEL_CODE 0x08
%define SEL_DATA 0x10
%define SEL_TSS  0x18
%define BOOT_GDT 0x500
%define BOOT_GDT_LIMIT 31
%define BOOT_IDT 0x520
%define BOOT_IDT_LIMIT 7
%define EFLAGS_RESERVED 2
%define MSR_EFER 0xc0000080

section .text
; void vmm_enter(uint32_t entry, uint32_t ebx, uint32_t cr0) __attribute__((noreturn))
global vmm_enter
vmm_enter:
    cli
    mov eax, [esp + 4]
    mov [entry_target], eax
    mov ebx, [esp + 8]
    mov esi, [esp + 12]         ; CR0, set once the segments are the VMM's
    lgdt [boot_gdtr]
    lidt [boot_idtr]
    mov eax, SEL_DATA
    mov ds, eax
    mov es, eax
    mov fs, eax
    mov gs, eax
    mov ss, eax
    jmp SEL_CODE:.vmm_cs
.vmm_cs:
    mov eax, SEL_TSS
    ltr ax
    fninit
    mov ecx, MSR_EFER
    xor eax, eax
    xor edx, edx
    wrmsr
    mov cr4, eax
    mov cr0, esi
    push EFLAGS_RESERVED
    popfd
    xor eax, eax
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    xor esp, esp
    jmp dword [entry_target]

section .data
align 16
boot_gdtr:
    dw BOOT_GDT_LIMIT
    dd BOOT_GDT
boot_idtr:
    dw BOOT_IDT_LIMIT
    dd BOOT_IDT
entry_target:
    dd 0

section .note.GNU-stack noalloc noexec nowrite progbits

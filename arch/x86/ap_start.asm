; How a secondary CPU gets from its start-up IPI to C (arch/x86/smp.c).
;
; A start-up IPI starts the CPU in 16-bit real mode at vector * 4 KiB
; (%cs = vector << 8, %ip = 0), with paging, interrupts and everything
; else off. The start-up IPI can only name a page below 1 MiB, so the
; first part (x86_ap_start16 .. x86_ap_start16_end) is copied into such
; a page at the first start, and smp.c writes its parameters (the GDT,
; the page tables, EFER, CR0, the two jump targets) into the copy. It
; goes real mode -> 32-bit protected mode -> long mode with the boot
; CPU's page tables (below 4 GiB: the entry built them inside the
; image), and jumps into the image at x86_ap_entry64. Every CPU runs the
; same copy and needs no stack until then: x86_ap_entry64 finds the
; CPU's own stack and number by its APIC ID in x86_ap_slots.
;
; Under Xen a vCPU may instead be started by VCPUOP_initialise
; (arch/x86/xen_vcpu.c) straight at x86_ap_entry_xen, already in 64-bit
; mode on these page tables, with its own stack and number.

%include "x86.inc"
%include "long_mode_segments.inc"

; The copied part is data in the image (never run there).
section .rodata.ap_start progbits alloc noexec nowrite align=16
bits 16
global x86_ap_start16, x86_ap_start16_end, x86_ap_params
x86_ap_start16:
    cli
    cld
    mov ax, cs
    mov ds, ax
    movzx ebx, ax
    shl ebx, 4                  ; %ebx: the page's physical address, for 32-bit code
    o32 lgdt [ap_gdtr - x86_ap_start16] ; pvhboot's GDT (32-bit base: o32)
    mov eax, cr0
    or eax, X86_CR0_PE
    mov cr0, eax
    jmp dword far [ap_jump32 - x86_ap_start16] ; to X86_SEL_CODE32:ap_start32 in the copy

bits 32
ap_start32:
    mov eax, X86_SEL_DATA
    mov ds, eax
    mov es, eax
    mov ss, eax
    mov eax, X86_CR4_BOOT        ; as the boot CPU: PAE, SSE
    mov cr4, eax
    mov eax, [ebx + ap_cr3 - x86_ap_start16]
    mov cr3, eax
    mov ecx, X86_MSR_EFER
    rdmsr
    or eax, [ebx + ap_efer - x86_ap_start16] ; LME, and NXE where the boot CPU has it
    wrmsr
    mov eax, [ebx + ap_cr0 - x86_ap_start16] ; PE, PG, WP: long mode is active from here
    mov cr0, eax
    jmp far [ebx + ap_jump64 - x86_ap_start16] ; X86_SEL_CODE64:x86_ap_entry64

; Written by smp.c in the copy, as one struct ap_params (this layout,
; 30 bytes; smp.c asserts each offset).
align 8
x86_ap_params:
ap_gdtr:   dw 0                 ; +0  limit
           dd 0                 ; +2  base
ap_jump32: dd 0                 ; +6  offset: the copy's ap_start32
           dw 0                 ; +10 selector
ap_cr3:    dd 0                 ; +12
ap_efer:   dd 0                 ; +16 bits to set in EFER's low half
ap_cr0:    dd 0                 ; +20
ap_jump64: dd 0                 ; +24 offset: x86_ap_entry64
           dw 0                 ; +28 selector
x86_ap_start16_end:

; Where the parameters and ap_start32 lie in the copy.
global x86_ap_offsets
align 4
x86_ap_offsets:
    dd x86_ap_params - x86_ap_start16
    dd ap_start32 - x86_ap_start16

section .text
bits 64
extern x86_ap_slots, x86_ap_main
global x86_ap_entry64
x86_ap_entry64:
    LONG_MODE_DATA_SEGMENTS X86_SEL_DATA

    ; Who am I: the APIC ID as x86_apic_id() reads it.
    xor eax, eax
    cpuid
    cmp eax, X86_CPUID_TOPOLOGY
    jb .initial_id
    mov eax, X86_CPUID_TOPOLOGY
    xor ecx, ecx
    cpuid
    test ebx, ebx
    jz .initial_id
    mov r8d, edx                ; the x2APIC ID
    jmp .find
.initial_id:
    mov eax, 1
    cpuid
    shr ebx, 24
    mov r8d, ebx                ; the initial APIC ID

    ; The armed slot with that ID holds this CPU's number and stack.
.find:
    lea rsi, [rel x86_ap_slots]
    mov ecx, X86_AP_SLOTS
.next:
    cmp dword [rsi + X86_AP_SLOT_ARMED], 0
    je .skip
    cmp [rsi + X86_AP_SLOT_HWID], r8
    je .found
.skip:
    add rsi, X86_AP_SLOT_SIZE
    loop .next
.lost:                          ; started, but nobody asked for this CPU: stay off
    cli
    hlt
    jmp .lost
.found:
    mov rsp, [rsi + X86_AP_SLOT_STACK]
    mov edi, [rsi + X86_AP_SLOT_CPU]
    xor ebp, ebp
    call x86_ap_main            ; never returns
    jmp .lost

; A vCPU Xen started with VCPUOP_initialise: 64-bit mode, interrupts
; off, %rsp its stack, %edi its CPU number. Xen loaded flat segment
; caches but every selector is 0 and GDTR and IDTR are whatever reset
; left: no exception may come before x86_ap_main loads the IDT, and CS
; must be reloaded from a GDT of ours (an interrupt return to selector 0
; would fault).
extern x86_gdt_descriptor
global x86_ap_entry_xen
x86_ap_entry_xen:
    lgdt [rel x86_gdt_descriptor]
    lea rax, [rel .flat]
    push X86_SEL_CODE64
    push rax
    o64 retf                    ; to X86_SEL_CODE64:.flat
.flat:
    LONG_MODE_DATA_SEGMENTS X86_SEL_DATA
    xor ebp, ebp
    call x86_ap_main            ; never returns
.lost:
    cli
    hlt
    jmp .lost

; The wake-up IPI: it only ends a `hlt` (pvh_arch_cpu_wait checks the
; state itself). It must be acknowledged, or the local APIC holds back
; every later one.
extern x86_lapic_eoi_mmio
global x86_wake_isr, x86_spurious_isr
x86_wake_isr:
    push rax
    push rcx
    push rdx
    mov rax, [rel x86_lapic_eoi_mmio] ; the xAPIC's EOI register, or 0 in x2APIC mode
    test rax, rax
    jz .x2apic
    mov dword [rax], 0
    jmp .done
.x2apic:
    mov ecx, X86_MSR_X2APIC_EOI
    xor eax, eax
    xor edx, edx
    wrmsr
.done:
    pop rdx
    pop rcx
    pop rax
    iretq

; A spurious interrupt is not acknowledged (Intel SDM vol. 3, 11.9).
x86_spurious_isr:
    iretq

; No executable stack: say so, or the linker assumes one.
section .note.GNU-stack noalloc noexec nowrite progbits

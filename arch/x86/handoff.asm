; Leaving pvhboot for the next kernel. Two ways out of long mode:
;
; x86_handoff_protected32(entry, eax, ebx): flat 32-bit protected mode with
;   paging off, as Multiboot 1/2 and PVH kernels are entered: %cs a 32-bit
;   flat code segment, %ds/%es/%fs/%gs/%ss flat data, CR0 = PE only,
;   CR4 = 0, EFER = 0, interrupts off, %eax and %ebx as given.
;
; x86_handoff_linux64(entry, boot_params): Linux's 64-bit boot protocol:
;   still in long mode, a GDT whose selectors 0x10 and 0x18 (__BOOT_CS,
;   __BOOT_DS) are flat 64-bit code and data, those loaded, %rsi = the
;   zero page, interrupts off. The caller leaves the identity map the
;   kernel needs (see x86_paging_for_handoff).
;
; Both run from pvhboot's image, which is identity-mapped below 4 GiB and
; which the caller made sure no copy overwrites.

%include "x86.inc"
%include "leave_long_mode.inc"

bits 64
section .text

; Linux's boot GDT selectors (boot.rst: "__BOOT_CS(0x10) and __BOOT_DS(0x18)").
LINUX_BOOT_CS equ 0x10
LINUX_BOOT_DS equ 0x18

global x86_handoff_protected32
x86_handoff_protected32:        ; edi = entry, esi = value for eax, edx = value for ebx
    cli
    mov ebp, edx                ; rdmsr below clobbers %edx
    lea rax, [rel .compat]      ; below 4 GiB: the image is
    push X86_SEL_CODE32
    push rax
    retfq                       ; into compatibility mode, still paging
bits 32
.compat:
    LEAVE_LONG_MODE X86_SEL_DATA
    mov eax, esi
    mov ebx, ebp
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor ebp, ebp
    xor esp, esp                ; the protocols leave %esp undefined: make that visible
    jmp edi

bits 64
global x86_handoff_linux64
x86_handoff_linux64:            ; rdi = entry, rsi = boot_params
    cli
    lgdt [rel linux_gdt_descriptor]
    lea rax, [rel .cs]
    push LINUX_BOOT_CS
    push rax
    retfq
.cs:
    mov eax, LINUX_BOOT_DS
    mov ds, eax
    mov es, eax
    mov ss, eax
    xor eax, eax
    mov fs, eax
    mov gs, eax
    xor ebx, ebx
    xor ebp, ebp
    jmp rdi

section .rodata
align 16
linux_gdt:
    dq 0, 0
    dq 0x00af9b000000ffff       ; 0x10: 64-bit code, exec/read, accessed
    dq 0x00cf93000000ffff       ; 0x18: data, read/write, accessed, 4 GiB
linux_gdt_end:
linux_gdt_descriptor:
    dw linux_gdt_end - linux_gdt - 1
    dq linux_gdt

section .note.GNU-stack noalloc noexec nowrite progbits

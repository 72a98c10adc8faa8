; capture: a PVH kernel that dumps, byte for byte, what its loader hands
; over (tests/fuzz/seeds.py turns the dump into fuzz seeds). Entered as
; the PVH ABI says: 32-bit protected mode, paging off, %ebx the start
; info's physical address; %esp undefined, so we set our own.

bits 32

%define XEN_ELFNOTE_PHYS32_ENTRY 18
%define STACK_SIZE 16384

extern capture_main

section .text.head progbits alloc exec nowrite align=16
global start
start:
    cli
    mov esp, stack_top
    push ebx
    call capture_main
.halt:
    hlt
    jmp .halt

section .note.Xen note alloc noexec nowrite align=4
    dd 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd start

section .bss nobits alloc noexec write align=16
    resb STACK_SIZE
stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits

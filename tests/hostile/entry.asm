; The hostile PVH loader's entry, and its way into the image it loads.
;
; QEMU's PVH loader enters here (XEN_ELFNOTE_PHYS32_ENTRY) in 32-bit
; protected mode, paging off, %ebx = QEMU's start info. We load our own
; GDT (QEMU's lives in option-ROM memory a case may fill), take our own
; stack and call hostile_main(start info).
;
; hostile_enter(entry, start_info) leaves the way the PVH ABI allows and
; no kinder: %ebx the start info, every other general register garbage
; (%esp included), the direction flag set, %fs/%gs null, an IDT that
; points nowhere. Only what the ABI promises is right: protected mode,
; paging off, interrupts off, flat %cs/%ds/%es/%ss.

bits 32

%define XEN_ELFNOTE_PHYS32_ENTRY 18
%define STACK_SIZE 65536
%define SEL_CODE 0x08
%define SEL_DATA 0x10
%define GARBAGE 0xbad0bad0

extern hostile_main

section .note.Xen note alloc noexec nowrite align=4
    dd 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd start

section .text.head progbits alloc exec nowrite align=16
global start
start:
    cli
    cld
    lgdt [gdt_descriptor]
    mov eax, SEL_DATA
    mov ds, eax
    mov es, eax
    mov ss, eax
    mov fs, eax
    mov gs, eax
    jmp SEL_CODE:.flat
.flat:
    mov esp, stack_top
    push ebx
    call hostile_main
.halt:
    cli
    hlt
    jmp .halt

; void hostile_enter(uint32_t entry, uint32_t start_info) __attribute__((noreturn))
global hostile_enter
hostile_enter:
    mov ecx, [esp + 4]          ; entry: jumped through below
    mov ebx, [esp + 8]          ; the start info, the one register the ABI defines
    lidt [bogus_idt]            ; an exception before the guest's own IDT cannot be handled
    xor eax, eax
    mov fs, eax
    mov gs, eax
    mov eax, GARBAGE
    mov edx, eax
    mov esi, eax
    mov edi, eax
    mov ebp, eax
    mov esp, eax
    std
    jmp ecx

section .rodata
align 16
gdt:
    dq 0
    dq 0x00cf9b000000ffff       ; flat 32-bit code, accessed
    dq 0x00cf93000000ffff       ; flat 32-bit data, accessed
gdt_end:
gdt_descriptor:
    dw gdt_end - gdt - 1
    dd gdt
bogus_idt:
    dw 0
    dd GARBAGE

section .bss nobits alloc noexec write align=16
    resb STACK_SIZE
stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits

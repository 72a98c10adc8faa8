; bootdump: a test kernel that prints the boot information it was handed.
; One source, three entries, chosen at build time:
;   -DVARIANT_MB1  a Multiboot 1 header with the a.out kludge (built as a
;                  flat binary: no ELF for the loader to read)
;   -DVARIANT_MB2  a Multiboot 2 header (loaded as ELF), with an entry tag
;   -DVARIANT_PVH  a XEN_ELFNOTE_PHYS32_ENTRY note
; Entered in 32-bit protected mode, paging off, by whoever boots it; %eax
; and %ebx are passed to bootdump_main(magic, info).

bits 32

%define MB1_MAGIC 0x1badb002
%define MB1_FLAGS 0x00010003        ; page-aligned modules, memory info, a.out kludge
%define MB2_MAGIC 0xe85250d6
%define XEN_ELFNOTE_PHYS32_ENTRY 18
%define STACK_SIZE 16384

extern bootdump_main
extern __image_start, __data_end, __image_end

section .text.head progbits alloc exec nowrite align=8
%ifdef VARIANT_MB1
mb1_header:
    dd MB1_MAGIC
    dd MB1_FLAGS
    dd -(MB1_MAGIC + MB1_FLAGS)
    dd mb1_header                   ; header_addr
    dd __image_start                ; load_addr
    dd __data_end                   ; load_end_addr
    dd __image_end                  ; bss_end_addr
    dd start                        ; entry_addr
%endif
%ifdef VARIANT_MB2
align 8
mb2_header:
    dd MB2_MAGIC
    dd 0                            ; architecture: i386
    dd mb2_header_end - mb2_header
    dd -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
    align 8
    dw 1, 0                         ; information request, required
    dd 8 + 4 * 3
    dd 1, 3, 6                      ; cmdline, modules, memory map
    align 8
    dw 3, 0                         ; entry address
    dd 12
    dd start
    align 8
    dw 0, 0                         ; end
    dd 8
mb2_header_end:
%endif

global start
start:
    cli
    mov esp, stack_top
    push ebx
    push eax
    call bootdump_main
.halt:
    hlt
    jmp .halt

%ifdef VARIANT_PVH
section .note.Xen note alloc noexec nowrite align=4
    dd 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd start
%endif

section .bss nobits alloc noexec write align=16
    resb STACK_SIZE
stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits

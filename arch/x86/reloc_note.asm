; XEN_ELFNOTE_PHYS32_RELOC: the image runs wherever a loader puts it in
; this window (the entry applies the relocation lists tools/x86-relocs.py
; wrote; docs/loaders.md). Linked only into images built with those lists
; (arch/x86/build.mk's link_movable): an image without them keeps its
; link address and says nothing.

%include "x86.inc"
%include "elfnote.inc"

section .note.Xen note alloc noexec nowrite align=4
    dd 4                        ; name size: "Xen" and its NUL
    dd 12                       ; value size: three 32-bit words
    dd XEN_ELFNOTE_PHYS32_RELOC
    db "Xen", 0
    dd X86_RELOC_ALIGN          ; the first byte's alignment
    dd X86_RELOC_MIN            ; the lowest first byte
    dd X86_RELOC_MAX            ; the highest last byte

section .note.GNU-stack noalloc noexec nowrite progbits

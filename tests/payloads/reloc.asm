; reloc: a tiny position-independent 32-bit PVH kernel, for the
; XEN_ELFNOTE_PHYS32_RELOC tests (tests/boot/test_x86_firmware_reloc.py).
; Linked at 1 MiB, where pvhboot.elf itself runs. It finds the address it
; runs at, checks the start info's magic, prints
;   reloc: entry 0x<hex> start-info-magic ok
; on COM1 and ends QEMU through isa-debug-exit with RELOC_EXIT_OK.
; Variants (nasm -D): RELOC_NONE leaves note 19 out; RELOC_MIN/RELOC_MAX
; set its window (default 0x1000000-0x3fffffff, alignment 2 MiB).

%define COM1 0x3f8
%define DEBUG_EXIT 0xf4
%define RELOC_EXIT_OK 0x31      ; QEMU's status: (0x31 << 1) | 1 = 99
%define RELOC_EXIT_BAD 0x32     ; 101
%define START_MAGIC 0x336ec578
%ifndef RELOC_MIN
%define RELOC_MIN 0x1000000
%endif
%ifndef RELOC_MAX
%define RELOC_MAX 0x3fffffff
%endif

bits 32
section .text progbits alloc exec write align=16
global _start
_start:
    ; PVH gives no stack. The one call that tells us where we run borrows
    ; the start info's first word as its stack slot (%esp = %ebx + 4),
    ; keeping the magic it held in %eax and putting it back.
    cld
    mov eax, [ebx]
    lea esp, [ebx + 4]
    call .here
.here:
    pop ebp
    mov [ebx], eax
    sub ebp, .here - _start             ; %ebp: where _start runs
    lea esp, [ebp + stack_top - _start]
    cmp eax, START_MAGIC
    jne .bad
    lea esi, [ebp + msg_entry - _start]
    call puts
    mov edx, ebp
    call puthex
    lea esi, [ebp + msg_ok - _start]
    call puts
    mov al, RELOC_EXIT_OK
    jmp .exit
.bad:
    lea esi, [ebp + msg_bad - _start]
    call puts
    mov al, RELOC_EXIT_BAD
.exit:
    out DEBUG_EXIT, al
.halt:
    cli
    hlt
    jmp .halt

; %esi: a NUL-terminated string, to COM1.
puts:
    mov dx, COM1
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    ret

; %edx as eight hex digits, to COM1.
puthex:
    mov ecx, 8
.digit:
    rol edx, 4
    mov eax, edx
    and eax, 0xf
    add al, '0'
    cmp al, '9'
    jbe .put
    add al, 'a' - '9' - 1
.put:
    push edx
    mov dx, COM1
    out dx, al
    pop edx
    loop .digit
    ret

msg_entry: db "reloc: entry 0x", 0
msg_ok:    db " start-info-magic ok", 10, 0
msg_bad:   db "reloc: bad start-info magic", 10, 0

align 16
stack: times 256 db 0
stack_top:

section .note progbits alloc noexec nowrite align=4
    dd 4, 4, 18                         ; XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd _start
%ifndef RELOC_NONE
    dd 4, 12, 19                        ; XEN_ELFNOTE_PHYS32_RELOC: align, min, max
    db "Xen", 0
    dd 0x200000, RELOC_MIN, RELOC_MAX
%endif

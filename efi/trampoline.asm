; pvhboot.efi's way into the kernel, after ExitBootServices.
;
; efi/handoff.c copies the bytes from pvh_efi_trampoline to
; pvh_efi_trampoline_end into a page below 4 GiB (pvhboot.efi itself
; may have been loaded anywhere) and calls the copy there, in 64-bit
; mode on the firmware's identity map, interrupts off:
;   rdi = the hand-off arguments, below 4 GiB (struct pvh_efi_handoff_args)
;
; It loads its own GDT (the firmware's may lie above 4 GiB and need not
; have a flat 32-bit code segment) and a null IDT (the firmware's lies in
; boot-services memory the moves may overwrite), drops to 32-bit
; protected mode with paging off, loads TR with a 32-bit TSS of base 0
; and limit 0x67 (the PVH ABI's; the firmware's TR is null or its own
; 64-bit TSS), moves the staged kernel runs into place, and enters the
; kernel as the PVH ABI says: CR0 = PE, CR4 = 0, EFER.LME clear, a flat
; 32-bit %cs, flat %ds/%es/%fs/%gs/%ss, interrupts off, %ebx = the start
; info. The same state pvhboot.elf's trampoline (firmware/x86/
; trampoline.asm) leaves. The moves wait until paging is off because their destinations
; were boot-services memory, which may hold the firmware's page tables
; and the stack this code was called on.
;
; Position-independent: the only memory references are RIP-relative ones
; inside the copy, or addresses computed at run time.

%include "x86.inc"
%include "leave_long_mode.inc"

EFI_CR4_PCIDE equ 0x00020000    ; must be clear before paging is turned off
EFI_SEL_CODE32 equ 0x08         ; the selectors of the GDT below
EFI_SEL_DATA equ 0x10
EFI_SEL_TSS equ 0x18

; struct pvh_efi_handoff_args (efi/handoff.c checks these offsets).
ARGS_ENTRY equ 0
ARGS_START_INFO equ 4
ARGS_NR_MOVES equ 8
ARGS_MOVES equ 16
MOVE_DST equ 0
MOVE_SRC equ 4
MOVE_SIZE equ 8
MOVE_STRIDE equ 16

bits 64
section .text

global pvh_efi_trampoline
global pvh_efi_trampoline_end
pvh_efi_trampoline:
    cli
    lea rax, [rel gdt]
    mov [rel gdtr_base], rax    ; the GDT lies in this copy
    lgdt [rel gdtr]
    lidt [rel null_idtr]
    mov rax, cr4
    and rax, ~EFI_CR4_PCIDE
    mov cr4, rax
    mov ebp, edi                ; the arguments: below 4 GiB, so 32 bits hold them
    lea rax, [rel compat]
    push EFI_SEL_CODE32
    push rax
    retfq                       ; into compatibility mode, paging still on

bits 32
compat:
    LEAVE_LONG_MODE EFI_SEL_DATA
    mov eax, EFI_SEL_TSS
    ltr ax                      ; marks the descriptor busy: it lies in this copy

    ; Move the staged runs: sizes are whole pages, nothing overlaps.
    cld
    mov edx, [ebp + ARGS_NR_MOVES]
    lea ebx, [ebp + ARGS_MOVES]
move:
    test edx, edx
    jz enter
    mov edi, [ebx + MOVE_DST]
    mov esi, [ebx + MOVE_SRC]
    mov ecx, [ebx + MOVE_SIZE]
    shr ecx, 2
    rep movsd
    add ebx, MOVE_STRIDE
    dec edx
    jmp move

enter:
    mov edi, [ebp + ARGS_ENTRY]
    mov ebx, [ebp + ARGS_START_INFO]
    xor eax, eax
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor ebp, ebp
    xor esp, esp                ; the PVH ABI leaves %esp undefined: make that visible
    jmp edi

align 8
gdt:
    dq 0
    dq 0x00cf9b000000ffff       ; 0x08: 32-bit code, exec/read, accessed, 4 GiB
    dq 0x00cf93000000ffff       ; 0x10: data, read/write, accessed, 4 GiB
    dq 0x0000890000000067       ; 0x18: 32-bit TSS, available, base 0, limit 0x67
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
gdtr_base:
    dq 0
null_idtr:
    dw 0
    dq 0
pvh_efi_trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits

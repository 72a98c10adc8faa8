; The last code pvhboot.elf runs: a copy of it in memory no payload
; segment goes to (firmware/x86/enter.c allocates it below 4 GiB,
; clear of every destination, and copies the bytes from x86_trampoline to
; x86_trampoline_end there). From there it:
;   1. loads its own GDT and a null IDT (pvhboot's tables live in memory
;      the payload may overwrite), drops to 32-bit protected mode with
;      paging off (pvhboot's page tables may be overwritten too) and loads
;      TR with a 32-bit TSS of base 0 and limit 0x67, as the PVH ABI says;
;   2. runs the late copies: payload bytes whose place is pvhboot's own
;      image, stack or page tables (filesz bytes, then zeroes to memsz);
;   3. enters the payload:
;      - TRAMP_MODE_PROTECTED32 (PVH, Multiboot 1 and 2): flat 32-bit %cs,
;        flat %ds/%es/%fs/%gs/%ss, CR0 = PE, CR4 = 0, EFER.LME clear,
;        %eax and %ebx as given, %esp 0 (the protocols leave it undefined);
;      - TRAMP_MODE_LINUX32 (Linux's 32-bit boot protocol): the same, but
;        %cs = 0x10 (__BOOT_CS, made 32-bit code for it), %esi the zero
;        page, %ebx, %ebp and %edi zero;
;      - TRAMP_MODE_LINUX64 (Linux's 64-bit boot protocol): long mode again
;        on the identity map of the first 4 GiB that C built in this area,
;        %cs = 0x10 (__BOOT_CS) 64-bit code, %ds/%es/%ss = 0x18 (__BOOT_DS),
;        %rsi the zero page, %rsp the top of a small stack in this area.
;
; Entered in 64-bit mode on pvhboot's page tables, interrupts off, with
;   rdi = the arguments (struct x86_tramp_args, below 4 GiB).
; Position-independent: memory is reached RIP-relative inside the copy or
; through the arguments. After step 1 nothing touches a stack: the stack
; pvhboot ran on may be a late copy's destination.

%include "x86.inc"
%include "long_mode_segments.inc"
%include "leave_long_mode.inc"

TRAMP_SEL_CODE32 equ 0x08
TRAMP_SEL_CODE64 equ 0x10       ; Linux's __BOOT_CS
TRAMP_SEL_DATA equ 0x18         ; Linux's __BOOT_DS
TRAMP_SEL_TSS equ 0x20

TRAMP_MODE_LINUX64 equ 1
TRAMP_MODE_LINUX32 equ 2
GDT_CODE32 equ 0x00cf9b000000ffff ; 32-bit code, exec/read, accessed, 4 GiB

; struct x86_tramp_args (firmware/x86/enter.c checks these offsets).
ARGS_MODE equ 0
ARGS_ENTRY equ 4
ARGS_EAX equ 8
ARGS_EBX equ 12                 ; %rsi for Linux
ARGS_CR3 equ 16
ARGS_EFER equ 20                ; EFER bits to set with LME (NXE where pvhboot had it)
ARGS_STACK equ 24
ARGS_FAR64 equ 28               ; m16:32 far pointer to long64 in the copy
ARGS_NR_COPIES equ 36
ARGS_COPIES equ 40
COPY_DST equ 0
COPY_SRC equ 4
COPY_FILESZ equ 8
COPY_MEMSZ equ 12
COPY_STRIDE equ 16

bits 64
section .text

global x86_trampoline
global x86_trampoline_end
x86_trampoline:
    cli
    lea rax, [rel gdt]
    mov [rel gdtr_base], rax    ; the GDT lies in this copy
    ; Linux's 32-bit boot protocol wants __BOOT_CS (0x10) to be 32-bit
    ; code: that mode needs no 64-bit selector, so 0x10 changes.
    cmp dword [rdi + ARGS_MODE], TRAMP_MODE_LINUX32
    jne .gdt_ready
    mov rax, GDT_CODE32
    mov [rel gdt + TRAMP_SEL_CODE64], rax
.gdt_ready:
    lgdt [rel gdtr]
    lidt [rel null_idtr]
    mov ebp, edi                ; the arguments: below 4 GiB
    lea rax, [rel compat]
    push TRAMP_SEL_CODE32
    push rax
    retfq                       ; into compatibility mode, paging still on

bits 32
compat:
    LEAVE_LONG_MODE TRAMP_SEL_DATA
    mov eax, TRAMP_SEL_TSS
    ltr ax                      ; marks the descriptor busy: it lies in this copy

    ; The late copies. No copy overlaps another's source: the payload was
    ; moved clear of every destination before any was written.
    cld
    mov edx, [ebp + ARGS_NR_COPIES]
    lea ebx, [ebp + ARGS_COPIES]
.copy:
    test edx, edx
    jz .enter
    mov edi, [ebx + COPY_DST]
    mov esi, [ebx + COPY_SRC]
    mov ecx, [ebx + COPY_FILESZ]
    cmp edi, esi
    jne .move
    add edi, ecx                ; already in place: only the zeroes
    jmp .zero
.move:
    shr ecx, 2                  ; dwords first: "rep movsb" is slow under emulation
    rep movsd
    mov ecx, [ebx + COPY_FILESZ]
    and ecx, 3
    rep movsb
.zero:
    mov ecx, [ebx + COPY_MEMSZ]
    sub ecx, [ebx + COPY_FILESZ]
    mov esi, ecx
    shr ecx, 2
    xor eax, eax
    rep stosd
    mov ecx, esi
    and ecx, 3
    rep stosb
    add ebx, COPY_STRIDE
    dec edx
    jmp .copy

.enter:
    cmp dword [ebp + ARGS_MODE], TRAMP_MODE_LINUX64
    je .linux64
    cmp dword [ebp + ARGS_MODE], TRAMP_MODE_LINUX32
    je .linux32
    mov edi, [ebp + ARGS_ENTRY]
    mov eax, [ebp + ARGS_EAX]
    mov ebx, [ebp + ARGS_EBX]
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor ebp, ebp
    xor esp, esp                ; the protocols leave %esp undefined: make that visible
    jmp edi

.linux32:                       ; startup_32: %cs __BOOT_CS, %ds/%es/%ss __BOOT_DS (loaded above)
    mov esi, [ebp + ARGS_EBX]   ; the zero page
    mov eax, ebp
    xor ebx, ebx                ; the protocol wants %ebp, %edi and %ebx zero
    xor ecx, ecx
    xor edx, edx
    xor edi, edi
    xor ebp, ebp
    jmp far [eax + ARGS_FAR64]  ; {entry, 0x10}

.linux64:                       ; long mode again, on this area's identity map
    mov eax, X86_CR4_PAE
    mov cr4, eax
    mov eax, [ebp + ARGS_CR3]
    mov cr3, eax
    mov ecx, X86_MSR_EFER
    rdmsr
    or eax, X86_EFER_LME
    or eax, [ebp + ARGS_EFER]
    wrmsr
    mov eax, X86_CR0_PE | X86_CR0_PG
    mov cr0, eax
    jmp far [ebp + ARGS_FAR64]  ; no stack for a far return: see above

bits 64
global x86_trampoline_long64
x86_trampoline_long64:
    LONG_MODE_DATA_SEGMENTS TRAMP_SEL_DATA
    mov ebp, ebp                ; the upper halves are undefined after the mode switch
    mov edi, [rbp + ARGS_ENTRY]
    mov esi, [rbp + ARGS_EBX]
    mov esp, [rbp + ARGS_STACK]
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor ebp, ebp
    jmp rdi

align 8
gdt:
    dq 0
    dq 0x00cf9b000000ffff       ; 0x08: 32-bit code, exec/read, accessed, 4 GiB
    dq 0x00af9b000000ffff       ; 0x10: 64-bit code, exec/read, accessed
    dq 0x00cf93000000ffff       ; 0x18: data, read/write, accessed, 4 GiB
    dq 0x0000890000000067       ; 0x20: 32-bit TSS, available, base 0, limit 0x67
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
gdtr_base:
    dq 0
null_idtr:
    dw 0
    dq 0
x86_trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits

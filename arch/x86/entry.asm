; The PVH entry point: from the loader's 32-bit protected mode to C in
; long mode.
;
; How pvhboot is entered. A PVH loader (Xen, QEMU's -kernel, Firecracker,
; Cloud Hypervisor, pvhboot.elf itself) loads our PT_LOAD segments at their
; physical addresses, zero-fills their bss, and jumps to the address in the
; XEN_ELFNOTE_PHYS32_ENTRY note with the machine in this state:
;   - 32-bit protected mode, paging off, interrupts off;
;   - %cs a flat 32-bit code segment, %ds/%es/%ss flat 32-bit data
;     segments (base 0, limit 4 GiB); the selector values are unspecified;
;   - %ebx the physical address of struct hvm_start_info;
;   - CR4 and EFER hold nothing we may rely on; GDTR, IDTR and TR may
;     point at the loader's memory; %esp and every other register are
;     undefined.
; A loader that honours the image's XEN_ELFNOTE_PHYS32_RELOC note (linked
; in by arch/x86/build.mk's link_movable, with the relocation lists) may
; have put every segment elsewhere, moved by one offset, at a 1 MiB
; boundary: the entry finds that offset itself (phase 0) and, only when it
; is not 0, adds it to every absolute address in the image first. The code
; up to there is position-independent; everything after runs as if linked
; where it runs.
; What C needs before it can run: our own GDT and a stack, long mode
; with an identity map that covers the image (the 2 MiB page that holds
; it: the linker script keeps it within 1 MiB, the note at a 1 MiB
; boundary), and %edi holding the start info address for x86_start().
; The rest is C's: zeroing .bss, the page tables proper
; (arch/x86/paging.c), and mapping the start info and the loader's data as
; it reads them.

%include "x86.inc"
%include "long_mode_segments.inc"
%include "elfnote.inc"

bits 32

section .note.Xen note alloc noexec nowrite align=4
; The note a PVH loader looks for. Its 4-byte value is our 32-bit entry.
    dd 4                        ; name size: "Xen" and its NUL
    dd 4                        ; value size
    dd XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd pvh_start32

section .text.entry progbits alloc exec nowrite align=16
global pvh_start32
pvh_start32:
    cli
    cld
    mov ebp, ebx                ; keep the start info address: cpuid clobbers %ebx
    rdtsc                       ; pvhboot.timing counts from here (in .data: C zeroes .bss)

    ; Phase 0: where are we? %esp is undefined, so a call borrows the start
    ; info's first 4 bytes (RAM the loader wrote) as its stack and puts
    ; them back. If they are not RAM, the pushed address does not come
    ; back (the mark is not found there): assume the link address.
    mov ecx, [ebx]
    lea esp, [ebx + 4]
    call .where
.where:
    pop esi
    mov [ebx], ecx
    sub esi, .where             ; the load offset: 0 at the link address
    cmp dword [esi + entry_mark], X86_ENTRY_MARK
    je .offset_known
    xor esi, esi
.offset_known:
    mov [esi + x86_entry_tsc], eax
    mov [esi + x86_entry_tsc + 4], edx
    test esi, esi
    jnz relocate                ; moved: patch the image, then come back
.relocated:

    ; Phase 1: our own GDT and flat segments; the loader's may live in
    ; memory we are about to overwrite.
    lgdt [gdt_descriptor]
    mov eax, X86_SEL_DATA
    mov ds, eax
    mov es, eax
    mov ss, eax
    mov fs, eax
    mov gs, eax
    jmp X86_SEL_CODE32:.flat
.flat:

    ; Phase 2: does the CPU have long mode (and NX)?
    mov eax, X86_CPUID_EXT_BASE
    cpuid
    cmp eax, X86_CPUID_EXT_FEATURES
    jb no_long_mode
    mov eax, X86_CPUID_EXT_FEATURES
    cpuid
    test edx, X86_CPUID_EXT_EDX_LM
    jz no_long_mode
    mov edi, edx                ; remember the NX bit for EFER below

    ; Phase 3: the first 2 MiB, which hold the image and its stack, as one
    ; large page: one entry in each of the three tables, no loop. The
    ; tables sit in .noinit and the rest of each is whatever the loader
    ; left there: nothing walks it before x86_paging_init(), the first C
    ; after .bss, clears it (CR4 is written whole below, so no stale
    ; global translation can outlive that), and clearing 12 KiB here
    ; would cost ten times this whole entry.
    ; The PDPT's entry for the image's GiB, the PD's for its 2 MiB
    ; (addresses already moved: at the link address, the first of each).
    mov dword [x86_pml4], x86_pdpt + X86_PTE_P + X86_PTE_RW
    mov dword [x86_pml4 + 4], 0
    mov eax, pvh_start32
    mov ecx, eax
    shr ecx, 30
    mov dword [x86_pdpt + ecx * 8], x86_pd + X86_PTE_P + X86_PTE_RW
    mov dword [x86_pdpt + ecx * 8 + 4], 0
    mov ecx, eax
    shr ecx, 21
    and ecx, X86_PTES_PER_TABLE - 1
    and eax, ~(X86_LARGE_PAGE_SIZE - 1)
    or eax, X86_PTE_P + X86_PTE_RW + X86_PTE_PS
    mov [x86_pd + ecx * 8], eax
    mov dword [x86_pd + ecx * 8 + 4], 0

    ; Phase 4: long mode. PAE and SSE (and nothing else the loader may
    ; have set: no global pages, no SMEP/SMAP), the tables, EFER.LME (and
    ; NXE), paging; CR0 without EM and TS, which would make SSE fault.
    mov eax, X86_CR4_BOOT
    mov cr4, eax
    mov eax, x86_pml4
    mov cr3, eax
    mov ecx, X86_MSR_EFER
    rdmsr
    or eax, X86_EFER_LME
    test edi, X86_CPUID_EXT_EDX_NX
    jz .no_nx
    or eax, X86_EFER_NXE
.no_nx:
    wrmsr
    mov eax, cr0
    and eax, ~(X86_CR0_EM | X86_CR0_TS)
    or eax, X86_CR0_PG | X86_CR0_WP | X86_CR0_MP
    mov cr0, eax
    jmp X86_SEL_CODE64:start64

; The image runs %esi bytes from its link address: add that to every
; absolute address in it, as the lists at x86_relocs say (their format:
; tools/x86-relocs.py). Runs once, before any of them is used; an
; instruction that already ran may be patched too, none runs again.
; Uses %eax, %ebx, %ecx, %edx and %edi; %esi and %ebp stay.
RELOC_RUN equ 0xe0              ; 0xe0 + n - 1: n more fields, each a field further
RELOC_LONG equ 0xff             ; a step as the next 32-bit word
%macro PATCH4 0
    add [edi], esi
%endmacro
%macro PATCH8 0
    add [edi], esi
    adc [edi + 4], edx
%endmacro
%macro WALK 2                   ; one list: %1 its field size, %2 the patch
%%next:
    movzx ecx, byte [ebx]
    inc ebx
    jecxz %%end                 ; 0 ends the list
    cmp cl, RELOC_RUN
    jb %%one                    ; a step of 1 to 0xdf
    sub ecx, RELOC_RUN - 1      ; a run of 1 to 31 fields, or RELOC_LONG's 32
    cmp cl, RELOC_LONG - RELOC_RUN + 1
    jne %%field
    mov ecx, [ebx]
    add ebx, 4
%%one:                          ; one field, ecx bytes on: a field size
    lea edi, [edi + ecx - %1]   ; back, for the loop's add
    xor ecx, ecx
    inc ecx
%%field:
    add edi, %1
    %2
    loop %%field
    jmp %%next
%%end:
%endmacro
extern x86_relocs
relocate:
    lea ebx, [esi + x86_relocs] ; (both read before the walk patches them)
    lea eax, [esi + pvh_start32] ; the lists count from the entry
    mov edi, eax
    WALK 4, PATCH4
    mov edi, eax
    mov edx, esi
    sar edx, 31                 ; the offset's upper half
    WALK 8, PATCH8
    jmp pvh_start32.relocated

; Without long mode there is no C to report the error: say it from here.
no_long_mode:
    mov esi, msg_no_long_mode
.next:
    lodsb
    test al, al
    jz .stop
    mov dx, X86_DEBUGCON_PORT
    out dx, al
    mov dx, X86_COM1_PORT
    out dx, al
    jmp .next
.stop:
    mov dx, X86_DEBUG_EXIT_PORT
    mov eax, X86_DEBUG_EXIT_FAILURE
    out dx, eax
.halt:
    cli
    hlt
    jmp .halt

bits 64
start64:
    LONG_MODE_DATA_SEGMENTS X86_SEL_DATA
    mov rsp, x86_stack_top
    mov edi, ebp                ; x86_start(start info address)
    extern x86_start
    call x86_start
.halt:
    cli
    hlt
    jmp .halt

entry_mark: dd X86_ENTRY_MARK ; what phase 0 reads back

; Two empty lists: all an image linked without tools/x86-relocs.py's has
; (the linker script puts this after them, so x86_relocs points here).
section .pvhboot_relocs_end progbits alloc noexec write align=1
    db 0, 0

section .rodata
msg_no_long_mode:
    db "pvhboot: error: CPU without long mode: CPUID 0x80000001 EDX bit 29 clear", 10, 0

section .data
; The GDT: flat segments for 64-bit and 32-bit code (the latter for
; hand-offs that leave long mode), and the TSS that C fills in. Every
; descriptor is marked accessed so the CPU never needs to write it.
GDT_CODE64 equ 0x00af9b000000ffff ; P, DPL 0, code exec/read accessed, L=1
GDT_DATA   equ 0x00cf93000000ffff ; P, DPL 0, data read/write accessed, 4 GiB
GDT_CODE32 equ 0x00cf9b000000ffff ; P, DPL 0, code exec/read accessed, D=1, 4 GiB
align 16
global x86_gdt
x86_gdt:
    dq 0
    dq GDT_CODE64
    dq GDT_DATA
    dq GDT_CODE32
    dq 0, 0                     ; X86_SEL_TSS: written by x86_idt_init()
x86_gdt_end:
global x86_gdt_descriptor
x86_gdt_descriptor:
gdt_descriptor:
    dw x86_gdt_end - x86_gdt - 1
    dq x86_gdt

global x86_entry_tsc
align 8
x86_entry_tsc: dq 0

section .noinit.tables nobits alloc noexec write align=4096
; The fixed page-table pages: 4. Not zeroed by anyone: the entry writes
; the entries it needs, x86_paging_init() clears the rest.
global x86_pml4, x86_pdpt, x86_pd, x86_pt0
x86_pml4: resb X86_PAGE_SIZE    ; the PDPT of the first 512 GiB; C adds the others
x86_pdpt: resb X86_PAGE_SIZE    ; the first GiB's PD; C adds the others
x86_pd:   resb X86_PAGE_SIZE    ; the first GiB: PT0, then what C maps
x86_pt0:  resb X86_PAGE_SIZE    ; the first 2 MiB in 4 KiB pages (C)

section .noinit.stack nobits alloc noexec write align=4096
; The stack, with a guard page below it that C unmaps: an overflow
; faults (and is reported from the IST stack) instead of corrupting.
global x86_stack_guard, x86_stack_top
x86_stack_guard: resb X86_PAGE_SIZE
    resb X86_STACK_SIZE
x86_stack_top:


; No executable stack: say so, or the linker assumes one.
section .note.GNU-stack noalloc noexec nowrite progbits

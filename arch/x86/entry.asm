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
; What C needs before it can run: our own GDT and a stack, long mode
; with an identity map that covers the image, the start info and the
; loader's data (the first 4 GiB: PVH loaders place them there), and
; %edi holding the start info address for x86_start().

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
    rdtsc                       ; pvhboot.timing counts from here (in .data: .bss is zeroed below)
    mov [x86_entry_tsc], eax
    mov [x86_entry_tsc + 4], edx

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

    ; Phase 2: zero .bss (page tables, small state). The loader should
    ; have done it; we do not rely on that. The start info is not read
    ; here: C rejects one that lies inside our image before reading it.
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    shr ecx, 2                  ; the linker script keeps .bss 16-byte sized
    xor eax, eax
    rep stosd
    mov esp, x86_stack_top

    ; Phase 3: does the CPU have long mode (and NX)?
    mov eax, X86_CPUID_EXT_BASE
    cpuid
    cmp eax, X86_CPUID_EXT_FEATURES
    jb no_long_mode
    mov eax, X86_CPUID_EXT_FEATURES
    cpuid
    test edx, X86_CPUID_EXT_EDX_LM
    jz no_long_mode
    mov esi, edx                ; remember the NX bit for EFER below

    ; Phase 4: identity-map the first 4 GiB. One PML4 entry, four PDPT
    ; entries, 2048 PD entries of 2 MiB pages; the first 2 MiB through a
    ; page table instead, so that page 0 can stay unmapped (NULL faults)
    ; and C can give the image's pages their own rights.
    mov dword [x86_pml4], x86_pdpt + X86_PTE_P + X86_PTE_RW

    mov edi, x86_pdpt
    mov eax, x86_pd + X86_PTE_P + X86_PTE_RW
    mov ecx, X86_EARLY_MAP_GIB
.pdpt:
    mov [edi], eax
    add eax, X86_PAGE_SIZE
    add edi, 8
    loop .pdpt

    ; Data pages are no-execute from the start where the CPU has NX (C
    ; gives the image's own pages their rights, through PT0).
    xor edx, edx
    test esi, X86_CPUID_EXT_EDX_NX
    jz .pd_start
    mov edx, X86_PTE_NX_HIGH
.pd_start:
    mov edi, x86_pd
    mov eax, X86_PTE_P + X86_PTE_RW + X86_PTE_PS
    mov ecx, X86_EARLY_MAP_GIB * X86_PTES_PER_TABLE / 4
.pd:                            ; four entries a turn: this loop is most of the entry's work
    mov [edi], eax
    mov [edi + 4], edx
    add eax, X86_LARGE_PAGE_SIZE
    mov [edi + 8], eax
    mov [edi + 12], edx
    add eax, X86_LARGE_PAGE_SIZE
    mov [edi + 16], eax
    mov [edi + 20], edx
    add eax, X86_LARGE_PAGE_SIZE
    mov [edi + 24], eax
    mov [edi + 28], edx
    add eax, X86_LARGE_PAGE_SIZE
    add edi, 32
    loop .pd
    mov dword [x86_pd], x86_pt0 + X86_PTE_P + X86_PTE_RW
    mov dword [x86_pd + 4], 0   ; a table entry: NX here would cover the image too

    mov edi, x86_pt0
    mov dword [edi], 0          ; entry 0: page 0 not present
    mov dword [edi + 4], 0
    add edi, 8
    mov eax, X86_PAGE_SIZE + X86_PTE_P + X86_PTE_RW
    mov ecx, X86_PTES_PER_TABLE - 1
.pt:
    mov [edi], eax
    mov dword [edi + 4], 0
    add eax, X86_PAGE_SIZE
    add edi, 8
    loop .pt

    ; Phase 5: long mode. PAE, the tables, EFER.LME (and NXE), paging.
    mov eax, cr4
    or eax, X86_CR4_PAE
    mov cr4, eax
    mov eax, x86_pml4
    mov cr3, eax
    mov ecx, X86_MSR_EFER
    rdmsr
    or eax, X86_EFER_LME
    test esi, X86_CPUID_EXT_EDX_NX
    jz .no_nx
    or eax, X86_EFER_NXE
.no_nx:
    wrmsr
    mov eax, cr0
    or eax, X86_CR0_PG | X86_CR0_WP
    mov cr0, eax
    jmp X86_SEL_CODE64:start64

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

section .bss nobits alloc noexec write align=4096
; The early page tables: 7 pages. The PML4 and PDPT, of which the entry
; writes a few entries, are zeroed with .bss above; the PDs and PT0 have
; every entry written, so they sit in .noinit, where nothing is zeroed.
global x86_pml4, x86_pdpt, x86_pd, x86_pt0
x86_pml4: resb X86_PAGE_SIZE    ; one entry: the PDPT
x86_pdpt: resb X86_PAGE_SIZE    ; four entries, one per GiB; C adds those above 4 GiB

section .noinit.tables nobits alloc noexec write align=4096
x86_pd:   resb X86_EARLY_MAP_GIB * X86_PAGE_SIZE ; 2048 entries of 2 MiB
x86_pt0:  resb X86_PAGE_SIZE    ; the first 2 MiB in 4 KiB pages

section .noinit.stack nobits alloc noexec write align=4096
; The stack, with a guard page below it that C unmaps: an overflow
; faults (and is reported from the IST stack) instead of corrupting.
global x86_stack_guard, x86_stack_top
x86_stack_guard: resb X86_PAGE_SIZE
    resb X86_STACK_SIZE
x86_stack_top:

extern __bss_start, __bss_end

; No executable stack: say so, or the linker assumes one.
section .note.GNU-stack noalloc noexec nowrite progbits

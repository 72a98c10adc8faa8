; Page-table entries written in bulk, two per 16-byte SSE2 store.
;
; Mapping a guest's memory is one long run of entries v, v + step,
; v + 2 step, ... (2 MiB pages: 512 per GiB) and a page cleared for each
; new table: the largest part of what pvhboot spends before pvh_main()
; (arch/x86/paging.c). A general-purpose register writes one entry and
; needs one add for the next; an XMM register holds two entries, and one
; paddq moves both on.
;
; SSE2 is part of x86-64 itself, but its instructions fault unless
; CR4.OSFXSR is set and CR0.EM clear: the entry (entry.asm) sets them on
; the boot CPU before C, ap_start.asm on the others. Only integer
; instructions are used (no MXCSR state, no floating-point exception can
; arise); the XMM registers are caller-saved in the System V ABI and the
; C code (-mgeneral-regs-only) keeps nothing in them.

bits 64
section .text

; Entries per round of the fill loop: 16 of 8 bytes, 128 bytes.
FILL_ROUND equ 16
; Bytes cleared per round of the zeroing loop.
ZERO_ROUND equ 256

; void x86_fill_entries(uint64_t *e, uint64_t n, uint64_t v, uint64_t step)
;   e[i] = v + i * step for i < n. e is 8-byte aligned, as entries are.
global x86_fill_entries
x86_fill_entries:
    test rsi, rsi
    jz .done
    test edi, 8                 ; 16-byte aligned stores: one entry first if not
    jz .aligned
    mov [rdi], rdx
    add rdi, 8
    add rdx, rcx
    dec rsi
.aligned:
    ; xmm0 = [v, v + step], xmm1 = [2 step, 2 step]
    lea rax, [rdx + rcx]
    movq xmm0, rdx
    movq xmm2, rax
    punpcklqdq xmm0, xmm2
    lea rax, [rcx + rcx]
    movq xmm1, rax
    punpcklqdq xmm1, xmm1
    sub rsi, FILL_ROUND         ; borrow: fewer than a round left
    jb .rounds_done
.round:
%assign i 0
%rep FILL_ROUND / 2
    movdqa [rdi + i], xmm0
    paddq xmm0, xmm1
%assign i i + 16
%endrep
    add rdi, FILL_ROUND * 8
    sub rsi, FILL_ROUND
    jae .round
.rounds_done:
    add rsi, FILL_ROUND         ; what is left: 0 to 15 entries
.pairs:
    cmp rsi, 2
    jb .last
    movdqa [rdi], xmm0
    paddq xmm0, xmm1
    add rdi, 16
    sub rsi, 2
    jmp .pairs
.last:
    test rsi, rsi
    jz .done
    movq [rdi], xmm0            ; the low entry: the next value
.done:
    ret

; void x86_zero_entries(uint64_t *e, uint64_t n)
;   e[i] = 0 for i < n. e is 8-byte aligned.
global x86_zero_entries
x86_zero_entries:
    test rsi, rsi
    jz .done
    pxor xmm0, xmm0
    test edi, 8
    jz .aligned
    movq [rdi], xmm0
    add rdi, 8
    dec rsi
.aligned:
    sub rsi, ZERO_ROUND / 8
    jb .rounds_done
.round:
%assign i 0
%rep ZERO_ROUND / 16
    movdqa [rdi + i], xmm0
%assign i i + 16
%endrep
    add rdi, ZERO_ROUND
    sub rsi, ZERO_ROUND / 8
    jae .round
.rounds_done:
    add rsi, ZERO_ROUND / 8     ; 0 to 31 entries left
.pairs:
    cmp rsi, 2
    jb .last
    movdqa [rdi], xmm0
    add rdi, 16
    sub rsi, 2
    jmp .pairs
.last:
    test rsi, rsi
    jz .done
    movq [rdi], xmm0
.done:
    ret

; No executable stack wanted (for the host links of the unit tests).
section .note.GNU-stack noalloc noexec nowrite progbits

; Looking for a kernel header's magic number, four or eight positions to
; an SSE2 compare.
;
; Telling the payload's format means looking for a Multiboot 1 header at
; every 4-byte offset of its first 8 KiB and a Multiboot 2 header at
; every 8-byte offset of its first 32 KiB, before an ELF can be taken for
; PVH (QEMU's order): 6,144 positions for a Linux vmlinux, which has
; neither header. One pcmpeqd compares four 32-bit words at once; for
; the 8-byte positions, shufps first gathers the even words of two
; 16-byte chunks into one register. firmware/multiboot.c's find_magic()
; calls this for the whole blocks and checks the block it reports, and
; what is left after the last whole block, itself.
;
; SSE is on (entry.asm sets CR4.OSFXSR); only integer compares are used.

bits 64
section .text

SCAN_BLOCK equ 256              ; bytes a round looks at (PVH_SCAN_BLOCK in multiboot.c)
CHUNK equ 16                    ; bytes in an XMM register

; The end of a round: to .done if xmm0 holds a match (rax is the
; block's index), else on to the next block while there is one.
%macro NEXT_BLOCK 1
    pmovmskb edx, xmm0
    test edx, edx
    jnz .done
    add rdi, SCAN_BLOCK
    inc rax
    cmp rax, rsi
    jb %1
%endmacro

; uint64_t x86_scan_le32(const uint8_t *p, uint64_t nblocks, uint32_t magic,
;                        unsigned step)
;   p: 16-byte aligned; nblocks blocks of SCAN_BLOCK bytes from p.
;   Returns the index of the first block that holds magic as a 32-bit
;   little-endian word at an offset from p that is a multiple of step
;   (4, or 8: any other step is taken as 8), or nblocks if none does.
global x86_scan_le32
x86_scan_le32:
    movd xmm7, edx
    pshufd xmm7, xmm7, 0        ; magic in all four words
    xor eax, eax                ; the block index
    test rsi, rsi
    jz .done
    cmp ecx, 4
    jne .every8

.every4:                        ; each 32-bit word of the block
    movdqa xmm0, [rdi]
    pcmpeqd xmm0, xmm7
%assign i CHUNK
%rep SCAN_BLOCK / CHUNK - 1
    movdqa xmm1, [rdi + i]
    pcmpeqd xmm1, xmm7
    por xmm0, xmm1
%assign i i + CHUNK
%endrep
    NEXT_BLOCK .every4
    ret

.every8:                        ; the even 32-bit words: offsets 0, 8, 16, ...
    movdqa xmm0, [rdi]
    shufps xmm0, [rdi + CHUNK], 0x88 ; words 0 and 2 of each chunk
    pcmpeqd xmm0, xmm7
%assign i 2 * CHUNK
%rep SCAN_BLOCK / (2 * CHUNK) - 1
    movdqa xmm1, [rdi + i]
    shufps xmm1, [rdi + i + CHUNK], 0x88
    pcmpeqd xmm1, xmm7
    por xmm0, xmm1
%assign i i + 2 * CHUNK
%endrep
    NEXT_BLOCK .every8
.done:
    ret

; No executable stack wanted (for the host links of the unit tests).
section .note.GNU-stack noalloc noexec nowrite progbits

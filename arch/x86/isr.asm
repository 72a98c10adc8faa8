; Exception entry stubs for vectors 0-31. Each pushes a uniform frame
; (a zero where the CPU pushes no error code, then the vector number),
; saves the general registers and calls x86_exception() in C, which
; reports and stops: none of these returns.

%include "x86.inc"

bits 64
section .text
extern x86_exception

; Vectors for which the CPU pushes an error code.
%define HAS_ERROR(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || (v) == 13 || \
                      (v) == 14 || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%assign vec 0
%rep 32
isr_ %+ vec:
%if !HAS_ERROR(vec)
    push 0
%endif
    push vec
    jmp isr_common
%assign vec vec + 1
%endrep

isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp                ; struct x86_exception_frame *
    and rsp, -16                ; the C ABI wants an aligned stack
    cld
    call x86_exception
.halt:
    cli
    hlt
    jmp .halt

section .rodata
global x86_isr_table
align 8
x86_isr_table:
%assign vec 0
%rep 32
    dq isr_ %+ vec
%assign vec vec + 1
%endrep

; No executable stack: say so, or the linker assumes one.
section .note.GNU-stack noalloc noexec nowrite progbits

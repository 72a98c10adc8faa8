; Exception entry stubs for vectors 0-31. Each builds a uniform frame
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

; One stub per vector, X86_ISR_STUB_SIZE bytes each (push imm8, jmp rel8),
; so vector v's is at x86_isr_stubs + v * X86_ISR_STUB_SIZE: the IDT needs
; no table of addresses. Every short jump reaches: the stubs are followed
; by no_error (within 127 bytes of stub 0's jump), then isr_common (the
; first vector with an error code is 8).
global x86_isr_stubs
x86_isr_stubs:
%assign vec 0
%rep 32
    push byte vec
%if HAS_ERROR(vec)
    jmp short isr_common
%else
    jmp short no_error
%endif
    ; A stub of another size fails the build (a negative count).
    times -((($ - x86_isr_stubs) != (vec + 1) * X86_ISR_STUB_SIZE)) db 0
%assign vec vec + 1
%endrep

; No error code from the CPU: a zero in its place, below the vector.
no_error:
    push qword [rsp]            ; the vector again, one slot lower
    and qword [rsp + 8], 0      ; and a zero where it was

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

; No executable stack: say so, or the linker assumes one.
section .note.GNU-stack noalloc noexec nowrite progbits

/* A bounded writer for the boot information structures the x86 hand-offs
 * build (zero page, Multiboot information, PVH start info): a first pass
 * with base NULL only counts, the second writes. */
#ifndef PVH_FIRMWARE_X86_WRITER_H
#define PVH_FIRMWARE_X86_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct x86_writer {
    uint8_t *base;
    uint64_t pa;   /* the physical address of base */
    size_t used;
};
void x86_put(struct x86_writer *w, const void *data, size_t len);
void x86_put_u32(struct x86_writer *w, uint32_t v);
void x86_put_u64(struct x86_writer *w, uint64_t v);
void x86_put_zero(struct x86_writer *w, size_t len);
void x86_align(struct x86_writer *w, size_t align);
/* The physical address of the next byte written. */
uint64_t x86_here(const struct x86_writer *w);

#endif

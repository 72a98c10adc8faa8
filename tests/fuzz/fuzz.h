/*
 * What the libFuzzer targets in tests/fuzz/ share:
 *   - FUZZ_CHECK: an invariant of a parser's output; a broken one aborts,
 *     which libFuzzer reports as a crash and saves the input;
 *   - a reader that takes little-endian fields off the front of the input
 *     (missing bytes read as zero, so every input is usable);
 *   - simulated physical memory built from the input (exactly sized heap
 *     segments: ASan reports a read one byte past a segment);
 *   - a sparse image: a large, mostly zero file with a few pieces of the
 *     input placed at their offsets, ending just before a guard page, for
 *     parsers that read a kernel image of megabytes by offset.
 */
#ifndef PVH_TESTS_FUZZ_FUZZ_H
#define PVH_TESTS_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/boot/boot_store.h"

/* ---- invariants ------------------------------------------------------- */

__attribute__((noreturn, format(printf, 4, 5)))
void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...);

#define FUZZ_CHECK(cond, ...)                                       \
    do {                                                            \
        if (!(cond))                                                \
            fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);      \
    } while (0)

/* Is s NUL-terminated within the n bytes at s? */
bool fuzz_terminated(const char *s, size_t n);

/* A map is well formed (what struct pvh_boot promises): no empty or
 * wrapping region, sorted, non-overlapping, RAM page-aligned, and no two
 * touching neighbours of one type and flags left unmerged. */
void fuzz_check_memmap(const struct pvh_region *r, unsigned n, const char *what);
/* The region holding byte pa, or NULL. */
const struct pvh_region *fuzz_memmap_find(const struct pvh_region *r, unsigned n, uint64_t pa);

/* ---- the input as fields ----------------------------------------------- */

struct fuzz_in {
    const uint8_t *p;
    size_t left;
};

uint8_t fuzz_u8(struct fuzz_in *in);
uint16_t fuzz_u16(struct fuzz_in *in);
uint32_t fuzz_u32(struct fuzz_in *in);
uint64_t fuzz_u64(struct fuzz_in *in);
/* Up to n bytes; *got says how many there were. */
const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got);

/* ---- simulated physical memory ------------------------------------------- */

#define FUZZ_MEM_SEGMENTS 16

struct fuzz_mem {
    struct pvh_phys phys; /* first member: map() casts its argument back */
    struct {
        uint64_t pa;
        uint8_t *buf;
        size_t len;
    } seg[FUZZ_MEM_SEGMENTS];
    unsigned nr;
};

/* Up to max segments (at most FUZZ_MEM_SEGMENTS) from the input: each is
 * u64 pa, u16 len, u16 zeros, then len bytes (fewer if the input ends
 * first) followed in memory by that many zero bytes (so a page of mostly
 * zeros costs little in a seed); empty ones, and ones overlapping an
 * earlier one, are dropped. */
void fuzz_mem_from_input(struct fuzz_mem *m, struct fuzz_in *in, unsigned max);
/* The bytes at [pa, pa + len) if one segment holds them all, else NULL. */
const uint8_t *fuzz_mem_at(const struct fuzz_mem *m, uint64_t pa, uint64_t len);
void fuzz_mem_free(struct fuzz_mem *m);

/* ---- sparse images ----------------------------------------------------------- */

/* The largest image: Debian's vmlinux (a PVH payload) is 65 MB. */
#define FUZZ_IMAGE_MAX (96u << 20)

/*
 * An image of u32 total length, zero but for pieces from the input:
 * each u32 offset, u16 len, then the bytes (clipped to the image). The
 * image's last byte sits just before an inaccessible page. Valid until
 * the next fuzz_image_from_input(); *len is its length (at most
 * FUZZ_IMAGE_MAX; a larger total is cut down to it).
 */
const uint8_t *fuzz_image_from_input(struct fuzz_in *in, uint64_t *len);

#endif

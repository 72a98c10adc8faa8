/*
 * A small, bounds-checked reader (and sequential writer) of flattened
 * device trees (the Devicetree Specification's DTB format, versions 16
 * and 17).
 *
 * Every byte of a blob is untrusted. The reader is given the number of
 * bytes it may read and never reads outside them. The inline walk
 * (pvh_fdt_walk_fast) reads tokens and lengths as aligned 32-bit words
 * when the structure block lies 4-byte aligned in memory (the
 * specification aligns every token to 4 bytes); pvh_fdt_walk_next, which
 * it falls back on, reads byte by byte. No read is ever unaligned, so the
 * reader also works on Device memory (arm64's early map, or the MMU off). Each
 * malformed input is refused with an error ("<what>: <value>"), never
 * with a read out of bounds:
 *   - bad magic, a version below 16, last_comp_version above 17 or
 *     above the version;
 *   - totalsize smaller than the header or larger than the buffer;
 *   - a block (reservation map, structure, strings) outside totalsize,
 *     or a structure block not 4-byte aligned;
 *   - a reservation map without its terminating entry inside totalsize;
 *   - a token or property header running past the structure block;
 *   - a node name without its NUL inside the structure block;
 *   - a property name offset outside the strings block, or its name
 *     without a NUL inside that block;
 *   - a property value longer than what is left of the structure block;
 *   - nesting deeper than PVH_FDT_MAX_DEPTH;
 *   - an unknown token, END_NODE with no node open, a property outside
 *     any node or after a subnode of its node, a root node with a name,
 *     a second root node, anything but FDT_END after the root node (a
 *     NOP included), or no FDT_END token where the tree ends.
 */
#ifndef PVH_COMMON_FDT_H
#define PVH_COMMON_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/output/error.h"

/* From the Devicetree Specification, chapter 5 (libfdt's fdt.h has the
 * same values: a host test may include both). */
#ifndef FDT_MAGIC
#define FDT_MAGIC          0xd00dfeed
#define FDT_BEGIN_NODE     0x1
#define FDT_END_NODE       0x2
#define FDT_PROP           0x3
#define FDT_NOP            0x4
#define FDT_END            0x9
#endif
#define FDT_HEADER_SIZE    40u  /* version 17 header: ten big-endian 32-bit words */
#define FDT_V16_HEADER_SIZE 36u /* version 16 lacks size_dt_struct */
#define FDT_RSV_ENTRY_SIZE 16u  /* address, size: big-endian 64-bit each */

/* Deepest node pvhboot accepts (the root is at depth 1). */
#define PVH_FDT_MAX_DEPTH 32u
/* Most reservation-map entries pvhboot accepts. */
#define PVH_FDT_MAX_RSV 64u

static inline uint32_t pvh_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t pvh_be64(const uint8_t *p)
{
    return (uint64_t)pvh_be32(p) << 32 | pvh_be32(p + 4);
}

static inline void pvh_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* An opened, header-checked blob. */
struct pvh_fdt {
    const uint8_t *blob;
    uint32_t totalsize;
    uint32_t off_struct, size_struct;
    uint32_t off_strings, size_strings;
    uint32_t off_rsvmap;
    uint32_t version;
    uint32_t nr_rsv; /* entries of the reservation map, without its terminator */
    bool words;           /* the structure block is 4-byte aligned in memory (walk_fast) */
    bool strings_end_nul; /* the strings block ends with a NUL: every name in it ends inside it */
};

/* Check the header of the blob at buf (len readable bytes) and open it. */
int pvh_fdt_open(struct pvh_fdt *fdt, const void *buf, size_t len, struct pvh_error *err);

/* The bytes the open blob uses: to the end of the last of its header,
 * reservation map, structure and strings blocks. What follows, up to
 * totalsize, is free space (QEMU pads its trees to 1 MiB). */
uint32_t pvh_fdt_used_size(const struct pvh_fdt *fdt);

/* Reservation-map entry i (< fdt->nr_rsv). */
void pvh_fdt_rsv(const struct pvh_fdt *fdt, uint32_t i, uint64_t *base, uint64_t *size);

/* One step of a walk through the structure block. */
enum pvh_fdt_kind {
    PVH_FDT_NODE,     /* FDT_BEGIN_NODE: name, depth of the new node */
    PVH_FDT_END_NODE, /* FDT_END_NODE: depth of the node that ends */
    PVH_FDT_PROP,     /* FDT_PROP: name, value, len; depth of its node */
    PVH_FDT_DONE,     /* FDT_END: the walk is over */
};

struct pvh_fdt_token {
    enum pvh_fdt_kind kind;
    const char *name;     /* NUL-terminated inside the blob (node or property name) */
    const uint8_t *value; /* property value: len bytes inside the structure block */
    uint32_t len;
    uint32_t name_len;    /* a node's: the bytes of its name before the NUL (else 0) */
    unsigned depth;       /* 1 for the root node and its properties */
    uint32_t offset;      /* of the token in the structure block */
};

struct pvh_fdt_walk {
    const struct pvh_fdt *fdt;
    uint32_t next;        /* offset of the next token in the structure block */
    unsigned depth;
    bool seen_root;
    uint64_t after_subnode; /* bit d: a child of the node at depth d was seen */
};
_Static_assert(PVH_FDT_MAX_DEPTH < 64, "after_subnode holds a bit per depth");

/* Start a walk at the beginning of the structure block. */
void pvh_fdt_walk_start(struct pvh_fdt_walk *w, const struct pvh_fdt *fdt);
/* Start a walk at a token offset returned earlier (a node's first
 * property), with that node's depth; only for re-reading a node. */
void pvh_fdt_walk_at(struct pvh_fdt_walk *w, const struct pvh_fdt *fdt, uint32_t offset,
                     unsigned depth);
/* The next token (FDT_NOP skipped); DONE repeats once reached. */
int pvh_fdt_walk_next(struct pvh_fdt_walk *w, struct pvh_fdt_token *tok, struct pvh_error *err);

/* The big-endian word at p, which must be 4-byte aligned (may_alias:
 * the blob's bytes are of no declared type). */
typedef uint32_t __attribute__((may_alias)) pvh_fdt_word;

static inline __attribute__((always_inline)) uint32_t pvh_fdt_aligned_be32(const uint8_t *p)
{
    uint32_t v = *(const pvh_fdt_word *)(const void *)p;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return __builtin_bswap32(v);
#else
    return v;
#endif
}

/*
 * pvh_fdt_walk_next, inline for what a well-formed tree is made of: a
 * property, a node below the root, the end of a node, in a blob read
 * as words whose strings block ends with a NUL. It checks what
 * pvh_fdt_walk_next checks and gives the same token and state; for
 * anything else (the root, FDT_NOP, FDT_END, every error) it calls
 * pvh_fdt_walk_next, which reads the token afresh (the walk is not
 * changed until a token is accepted).
 */
static inline __attribute__((always_inline)) int
pvh_fdt_walk_fast(struct pvh_fdt_walk *w, struct pvh_fdt_token *tok, struct pvh_error *err)
{
    const struct pvh_fdt *fdt = w->fdt;
    const uint8_t *s = fdt->blob + fdt->off_struct;
    uint64_t off = w->next, size = fdt->size_struct, i;
    unsigned depth = w->depth;

    if (!fdt->words || off + 4 > size)
        return pvh_fdt_walk_next(w, tok, err);
    switch (pvh_fdt_aligned_be32(s + off)) {
    case FDT_PROP:
        if (depth && !((w->after_subnode >> depth) & 1) && off + 12 <= size &&
            fdt->strings_end_nul) {
            uint32_t len = pvh_fdt_aligned_be32(s + off + 4);
            uint32_t nameoff = pvh_fdt_aligned_be32(s + off + 8);

            if (len <= size - (off + 12) && nameoff < fdt->size_strings) {
                tok->kind = PVH_FDT_PROP;
                tok->name = (const char *)(fdt->blob + fdt->off_strings + nameoff);
                tok->value = s + off + 12;
                tok->len = len;
                tok->name_len = 0;
                tok->depth = depth;
                tok->offset = (uint32_t)off;
                w->next = (uint32_t)((off + 12 + len + 3) & ~(uint64_t)3);
                return 0;
            }
        }
        break;
    case FDT_BEGIN_NODE:
        if (!depth || depth >= PVH_FDT_MAX_DEPTH)
            break;
        /* The name: the first zero byte of whole words of the block. */
        for (i = off + 4; i + 4 <= size; i += 4) {
            uint32_t v = *(const pvh_fdt_word *)(const void *)(s + i);
            uint32_t zero = (v - 0x01010101u) & ~v & 0x80808080u;

            if (zero) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                uint64_t name_len = i - (off + 4) + (unsigned)__builtin_ctz(zero) / 8;
#else
                uint64_t name_len = i - (off + 4) + (unsigned)__builtin_clz(zero) / 8;
#endif

                w->after_subnode = (w->after_subnode | 1ull << depth) & ~(1ull << (depth + 1));
                w->depth = depth + 1;
                tok->kind = PVH_FDT_NODE;
                tok->name = (const char *)(s + off + 4);
                tok->value = NULL;
                tok->len = 0;
                tok->name_len = (uint32_t)name_len;
                tok->depth = depth + 1;
                tok->offset = (uint32_t)off;
                w->next = (uint32_t)((off + 4 + name_len + 1 + 3) & ~(uint64_t)3);
                return 0;
            }
        }
        break;
    case FDT_END_NODE:
        if (!depth)
            break;
        tok->kind = PVH_FDT_END_NODE;
        tok->name = NULL;
        tok->value = NULL;
        tok->len = 0;
        tok->name_len = 0;
        tok->depth = depth;
        tok->offset = (uint32_t)off;
        w->depth = depth - 1;
        w->next = (uint32_t)(off + 4);
        return 0;
    default:
        break;
    }
    return pvh_fdt_walk_next(w, tok, err);
}

/* Walk the whole tree once, checking every rule above. */
int pvh_fdt_check(const struct pvh_fdt *fdt, struct pvh_error *err);

/* Is name exactly want? Reads each only up to its NUL (a name in a blob
 * may be shorter than want). */
static inline __attribute__((always_inline)) bool pvh_fdt_name_is(const char *name,
                                                                  const char *want)
{
    while (*want && *name == *want) {
        name++;
        want++;
    }
    return *name == *want;
}

/* pvh_fdt_name_is out of line (fdt.c), for readers off the walk's hot
 * path: one call a name, and one copy of the loop in an image. */
bool pvh_fdt_name_equal(const char *name, const char *want);

/* Property values. */
/* The index of the first NUL in p[0..n), or n if there is none (whole
 * words read where p allows, never a byte past p + n). */
uint32_t pvh_fdt_nul_index(const uint8_t *p, uint32_t n);
/* Is s one of the NUL-separated strings of the value (a "compatible" list)? */
bool pvh_fdt_strlist_has(const uint8_t *value, uint32_t len, const char *s);
/* Is the value a NUL-terminated string (with nothing after the NUL)? */
bool pvh_fdt_is_string(const uint8_t *value, uint32_t len);
/* Read a number of cells (1 or 2) at value; false for other counts. */
bool pvh_fdt_cells(const uint8_t *value, unsigned cells, uint64_t *out);

/*
 * The writer: builds a blob front to back in a caller's buffer.
 * Structure tokens go upwards from the header, property names into a
 * strings table kept at the buffer's end and moved into place by
 * finish. Names already in the table are shared.
 */
#define PVH_FDT_WRITER_INDEX 64u /* names found through an index; more are searched for */

struct pvh_fdt_writer {
    uint8_t *buf;
    size_t size;
    uint32_t struct_end;   /* next free byte of the structure block */
    uint32_t strings_len;  /* bytes of strings, stored at buf[size - strings_len ...] */
    uint32_t off_struct;
    unsigned depth;
    int error;             /* the first error; later calls do nothing */
    /* Names in the strings table, by a hash of their bytes: distance
     * from the buffer's end (0: free) and length with the NUL. */
    uint32_t index_dist[PVH_FDT_WRITER_INDEX];
    uint32_t index_len[PVH_FDT_WRITER_INDEX];
    bool index_partial;    /* a name is not in the index: search the table */
};

/* Begin a blob; rsv[0..n) becomes its reservation map. */
int pvh_fdt_writer_init(struct pvh_fdt_writer *w, void *buf, size_t size,
                        const uint64_t (*rsv)[2], unsigned n, struct pvh_error *err);
int pvh_fdt_begin_node(struct pvh_fdt_writer *w, const char *name, struct pvh_error *err);
int pvh_fdt_property(struct pvh_fdt_writer *w, const char *name, const void *value, uint32_t len,
                     struct pvh_error *err);
int pvh_fdt_end_node(struct pvh_fdt_writer *w, struct pvh_error *err);
/* Close the blob; *total is its totalsize. */
int pvh_fdt_finish(struct pvh_fdt_writer *w, uint32_t *total, struct pvh_error *err);

/*
 * A copy of src with /chosen edited: bootargs set to bootargs (removed
 * when NULL), linux,initrd-start/end set (as 64-bit values) when
 * initrd_end > initrd_start and removed otherwise, and every
 * "multiboot,module" child of /chosen dropped (their data now belongs
 * to the kernel). /chosen is created when missing. Written into dst
 * (size bytes); *total is the new blob's size.
 */
struct pvh_fdt_chosen {
    const char *bootargs;
    uint64_t initrd_start, initrd_end;
};
int pvh_fdt_rewrite_chosen(const struct pvh_fdt *src, const struct pvh_fdt_chosen *chosen,
                           void *dst, size_t size, uint32_t *total, struct pvh_error *err);
/* The same written token by token with the writer above: what
 * pvh_fdt_rewrite_chosen falls back on (and what its tests compare). */
int pvh_fdt_rewrite_chosen_tokens(const struct pvh_fdt *src, const struct pvh_fdt_chosen *chosen,
                                  void *dst, size_t size, uint32_t *total,
                                  struct pvh_error *err);

#endif

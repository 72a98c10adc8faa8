/*
 * Reading a flattened device tree: the header, the reservation map and
 * a token-by-token walk of the structure block. Each read is preceded
 * by the check that it lies inside the block it belongs to; offsets are
 * computed in 64 bits so that no sum of 32-bit fields can wrap.
 */
#include "common/fdt/fdt.h"

#include "common/lib/string.h"

/* Header fields (byte offsets). */
#define HDR_MAGIC           0
#define HDR_TOTALSIZE       4
#define HDR_OFF_DT_STRUCT   8
#define HDR_OFF_DT_STRINGS  12
#define HDR_OFF_MEM_RSVMAP  16
#define HDR_VERSION         20
#define HDR_LAST_COMP       24
#define HDR_SIZE_DT_STRINGS 32
#define HDR_SIZE_DT_STRUCT  36

#define FDT_FIRST_VERSION 16u
#define FDT_LAST_VERSION  17u

static uint64_t align4(uint64_t v)
{
    return (v + 3) & ~(uint64_t)3;
}

/* Is [off, off + size) inside [lo, total)? */
static bool block_inside(uint64_t off, uint64_t size, uint64_t lo, uint64_t total)
{
    return off >= lo && off <= total && size <= total - off;
}

static int read_rsvmap(struct pvh_fdt *fdt, struct pvh_error *err)
{
    uint64_t off = fdt->off_rsvmap;
    uint32_t n = 0;

    for (;;) {
        const uint8_t *e = fdt->blob + off;

        if (off + FDT_RSV_ENTRY_SIZE > fdt->totalsize)
            return pvh_fail(err, PVH_EINVAL,
                            "fdt: memory reservation map has no terminator before totalsize: 0x%x",
                            fdt->totalsize);
        if (!pvh_be64(e) && !pvh_be64(e + 8))
            break;
        if (++n > PVH_FDT_MAX_RSV)
            return pvh_fail(err, PVH_E2BIG, "fdt: memory reservation map: more than %u entries",
                            PVH_FDT_MAX_RSV);
        off += FDT_RSV_ENTRY_SIZE;
    }
    fdt->nr_rsv = n;
    return PVH_OK;
}

static int check_blocks(struct pvh_fdt *fdt, uint32_t hdr_size, struct pvh_error *err)
{
    unsigned i;

    if (!block_inside(fdt->off_rsvmap, 0, hdr_size, fdt->totalsize))
        return pvh_fail(err, PVH_ERANGE, "fdt: memory reservation map offset outside the blob: 0x%x",
                        fdt->off_rsvmap);
    /* The structure block (which must be 4-byte aligned), then the strings. */
    for (i = 0; i < 2; i++) {
        uint32_t off = i ? fdt->off_strings : fdt->off_struct;
        uint32_t size = i ? fdt->size_strings : fdt->size_struct;

        if (!block_inside(off, size, hdr_size, fdt->totalsize))
            return pvh_fail(err, PVH_ERANGE, "fdt: %s block outside the blob: offset 0x%x size 0x%x",
                            i ? "strings" : "structure", off, size);
        if (!i && off % 4)
            return pvh_fail(err, PVH_EINVAL, "fdt: structure block not 4-byte aligned: 0x%x", off);
    }
    return PVH_OK;
}

int pvh_fdt_open(struct pvh_fdt *fdt, const void *buf, size_t len, struct pvh_error *err)
{
    const uint8_t *h = buf;
    uint32_t magic, version, last_comp, hdr_size;

    *fdt = (struct pvh_fdt){ 0 };
    if (len < FDT_V16_HEADER_SIZE)
        return pvh_fail(err, PVH_EINVAL, "fdt: %zu bytes, smaller than a header", len);
    magic = pvh_be32(h + HDR_MAGIC);
    if (magic != FDT_MAGIC)
        return pvh_fail(err, PVH_EINVAL, "fdt magic: 0x%x, expected 0x%x", magic, FDT_MAGIC);
    version = pvh_be32(h + HDR_VERSION);
    last_comp = pvh_be32(h + HDR_LAST_COMP);
    if (version < FDT_FIRST_VERSION)
        return pvh_fail(err, PVH_EINVAL, "fdt version: %u, at least %u supported", version,
                        FDT_FIRST_VERSION);
    if (last_comp > FDT_LAST_VERSION)
        return pvh_fail(err, PVH_EINVAL, "fdt last compatible version: %u, at most %u supported",
                        last_comp, FDT_LAST_VERSION);
    /* A blob is compatible back to some version, never forward to a later one. */
    if (last_comp > version)
        return pvh_fail(err, PVH_EINVAL, "fdt last compatible version: %u, above its version %u",
                        last_comp, version);
    hdr_size = version >= 17 ? FDT_HEADER_SIZE : FDT_V16_HEADER_SIZE;
    fdt->blob = h;
    fdt->version = version;
    fdt->totalsize = pvh_be32(h + HDR_TOTALSIZE);
    if (fdt->totalsize < hdr_size || fdt->totalsize > len)
        return pvh_fail(err, PVH_ERANGE, "fdt totalsize: 0x%x, the buffer holds 0x%zx",
                        fdt->totalsize, len);
    fdt->off_struct = pvh_be32(h + HDR_OFF_DT_STRUCT);
    fdt->off_strings = pvh_be32(h + HDR_OFF_DT_STRINGS);
    fdt->off_rsvmap = pvh_be32(h + HDR_OFF_MEM_RSVMAP);
    fdt->size_strings = pvh_be32(h + HDR_SIZE_DT_STRINGS);
    /* Version 16 has no structure size: the block runs to the end. */
    if (version >= 17)
        fdt->size_struct = pvh_be32(h + HDR_SIZE_DT_STRUCT);
    else
        fdt->size_struct = fdt->off_struct <= fdt->totalsize ? fdt->totalsize - fdt->off_struct : 0;
    if (check_blocks(fdt, hdr_size, err))
        return err->code;
    fdt->words = !((uintptr_t)(fdt->blob + fdt->off_struct) % 4);
    fdt->strings_end_nul = fdt->size_strings &&
                           !fdt->blob[(uint64_t)fdt->off_strings + fdt->size_strings - 1];
    return read_rsvmap(fdt, err);
}

uint32_t pvh_fdt_used_size(const struct pvh_fdt *fdt)
{
    uint64_t used = (uint64_t)fdt->off_rsvmap + ((uint64_t)fdt->nr_rsv + 1) * FDT_RSV_ENTRY_SIZE;

    if ((uint64_t)fdt->off_struct + fdt->size_struct > used)
        used = (uint64_t)fdt->off_struct + fdt->size_struct;
    if ((uint64_t)fdt->off_strings + fdt->size_strings > used)
        used = (uint64_t)fdt->off_strings + fdt->size_strings;
    return used < fdt->totalsize ? (uint32_t)used : fdt->totalsize;
}

void pvh_fdt_rsv(const struct pvh_fdt *fdt, uint32_t i, uint64_t *base, uint64_t *size)
{
    const uint8_t *e = fdt->blob + fdt->off_rsvmap + (uint64_t)i * FDT_RSV_ENTRY_SIZE;

    *base = pvh_be64(e);
    *size = pvh_be64(e + 8);
}

/* --- the structure block ------------------------------------------------ */

void pvh_fdt_walk_start(struct pvh_fdt_walk *w, const struct pvh_fdt *fdt)
{
    *w = (struct pvh_fdt_walk){ .fdt = fdt };
}

void pvh_fdt_walk_at(struct pvh_fdt_walk *w, const struct pvh_fdt *fdt, uint32_t offset,
                     unsigned depth)
{
    *w = (struct pvh_fdt_walk){ .fdt = fdt, .next = offset, .seen_root = true,
                                .depth = depth <= PVH_FDT_MAX_DEPTH ? depth : PVH_FDT_MAX_DEPTH };
}

/* The walk's errors of one shape: "fdt: <what> at 0x<offset>". */
static __attribute__((noinline)) int bad_at(struct pvh_error *err, const char *what, uint64_t off)
{
    return pvh_fail(err, PVH_EINVAL, "fdt: %s at 0x%llx", what, (unsigned long long)off);
}

/* The structure block's big-endian word at off, read byte by byte. */
static uint32_t struct_word(const struct pvh_fdt *fdt, uint64_t off)
{
    return pvh_be32(fdt->blob + fdt->off_struct + off);
}

static int walk_node(struct pvh_fdt_walk *w, uint64_t off, struct pvh_fdt_token *tok,
                     struct pvh_error *err)
{
    const struct pvh_fdt *fdt = w->fdt;
    const uint8_t *name = fdt->blob + fdt->off_struct + off + 4;
    uint32_t left = (uint32_t)(fdt->size_struct - (off + 4));
    uint32_t name_len = pvh_fdt_nul_index(name, left);

    if (name_len == left)
        return bad_at(err, "node name not terminated in the structure block", off);
    if (w->depth == 0 && w->seen_root)
        return bad_at(err, "a second root node", off);
    /* The root is "/" with an empty name (the spec; libfdt refuses others). */
    if (w->depth == 0 && name_len)
        return bad_at(err, "the root node has a name", off);
    if (w->depth >= PVH_FDT_MAX_DEPTH) {
        /* bad_at's line ("fdt: nodes nested deeper than 32 at 0x..."),
         * with the code of a bound. */
        _Static_assert(PVH_FDT_MAX_DEPTH == 32, "the line names the depth");
        bad_at(err, "nodes nested deeper than 32", off);
        return err->code = PVH_E2BIG;
    }
    if (w->depth)
        w->after_subnode |= 1ull << w->depth;
    w->depth++;
    w->after_subnode &= ~(1ull << w->depth);
    w->seen_root = true;
    tok->kind = PVH_FDT_NODE;
    tok->name = (const char *)name;
    tok->name_len = name_len;
    tok->depth = w->depth;
    w->next = (uint32_t)align4(off + 4 + (uint64_t)name_len + 1);
    return PVH_OK;
}

static int walk_prop(struct pvh_fdt_walk *w, uint64_t off, struct pvh_fdt_token *tok,
                     struct pvh_error *err)
{
    const struct pvh_fdt *fdt = w->fdt;
    uint32_t len, nameoff, left;

    if (w->depth == 0)
        return bad_at(err, "property outside any node", off);
    if (w->after_subnode & (1ull << w->depth))
        return bad_at(err, "property after a subnode", off);
    if (off + 12 > fdt->size_struct)
        return bad_at(err, "property header runs past the structure block", off);
    len = struct_word(fdt, off + 4);
    nameoff = struct_word(fdt, off + 8);
    if (len > fdt->size_struct - (off + 12))
        return pvh_fail(err, PVH_EINVAL,
                        "fdt: property at 0x%llx: value of %u bytes runs past the structure block",
                        (unsigned long long)off, len);
    if (nameoff >= fdt->size_strings)
        return pvh_fail(err, PVH_ERANGE,
                        "fdt: property at 0x%llx: name offset outside the strings block: 0x%x",
                        (unsigned long long)off, nameoff);
    tok->name = (const char *)(fdt->blob + fdt->off_strings + nameoff);
    /* A block that ends with a NUL terminates every name that starts in it. */
    left = fdt->size_strings - nameoff;
    if (!fdt->strings_end_nul && pvh_fdt_nul_index((const uint8_t *)tok->name, left) == left)
        return pvh_fail(err, PVH_EINVAL,
                        "fdt: property name at strings offset 0x%x not terminated in the strings block",
                        nameoff);
    tok->kind = PVH_FDT_PROP;
    tok->value = fdt->blob + fdt->off_struct + off + 12;
    tok->len = len;
    tok->depth = w->depth;
    w->next = (uint32_t)align4(off + 12 + len);
    return PVH_OK;
}

int pvh_fdt_walk_next(struct pvh_fdt_walk *w, struct pvh_fdt_token *tok, struct pvh_error *err)
{
    const struct pvh_fdt *fdt = w->fdt;

    *tok = (struct pvh_fdt_token){ .kind = PVH_FDT_DONE };
    for (;;) {
        uint64_t off = w->next;
        uint32_t tag;

        tok->offset = (uint32_t)off;
        if (off + 4 > fdt->size_struct)
            return bad_at(err, "structure block ends without FDT_END", off);
        tag = struct_word(fdt, off);
        switch (tag) {
        case FDT_PROP:
            return walk_prop(w, off, tok, err);
        case FDT_BEGIN_NODE:
            return walk_node(w, off, tok, err);
        case FDT_END_NODE:
            if (w->depth == 0)
                return bad_at(err, "FDT_END_NODE with no node open", off);
            tok->kind = PVH_FDT_END_NODE;
            tok->depth = w->depth--;
            w->next = (uint32_t)(off + 4);
            return PVH_OK;
        case FDT_NOP:
            /* The root node is followed by FDT_END alone (the spec's
             * grammar; libfdt refuses a NOP there too). */
            if (!w->depth && w->seen_root)
                return bad_at(err, "FDT_NOP after the root node", off);
            w->next = (uint32_t)(off + 4);
            continue;
        case FDT_END:
            if (w->depth)
                return pvh_fail(err, PVH_EINVAL, "fdt: FDT_END at 0x%llx inside a node at depth %u",
                                (unsigned long long)off, w->depth);
            if (!w->seen_root)
                return bad_at(err, "no root node before FDT_END", off);
            return PVH_OK;
        default:
            return pvh_fail(err, PVH_EINVAL, "fdt: unknown token 0x%x at 0x%llx", tag,
                            (unsigned long long)off);
        }
    }
}

int pvh_fdt_check(const struct pvh_fdt *fdt, struct pvh_error *err)
{
    struct pvh_fdt_walk w;
    struct pvh_fdt_token tok;

    pvh_fdt_walk_start(&w, fdt);
    do {
        if (pvh_fdt_walk_next(&w, &tok, err))
            return err->code;
    } while (tok.kind != PVH_FDT_DONE);
    return PVH_OK;
}

/* --- property values ---------------------------------------------------- */

uint32_t pvh_fdt_nul_index(const uint8_t *p, uint32_t n)
{
    uint32_t i = 0;

    for (; i < n && ((uintptr_t)(p + i) % 4); i++)
        if (!p[i])
            return i;
    for (; n - i >= 4; i += 4) {
        uint32_t v = *(const pvh_fdt_word *)(const void *)(p + i);
        uint32_t zero = (v - 0x01010101u) & ~v & 0x80808080u;

        /* The lowest flagged byte is the first NUL: a byte below it is
         * not zero and borrows nothing. */
        if (zero)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (unsigned)__builtin_ctz(zero) / 8;
#else
            return i + (unsigned)__builtin_clz(zero) / 8;
#endif
    }
    for (; i < n; i++)
        if (!p[i])
            return i;
    return n;
}

bool pvh_fdt_strlist_has(const uint8_t *value, uint32_t len, const char *s)
{
    size_t want = strlen(s);
    uint32_t at = 0;

    while (at < len) {
        uint32_t end = at + pvh_fdt_nul_index(value + at, len - at);

        if (end == len)
            return false; /* the last string has no NUL: not a string list */
        if (end - at == want && !memcmp(value + at, s, want))
            return true;
        at = end + 1;
    }
    return false;
}

bool pvh_fdt_is_string(const uint8_t *value, uint32_t len)
{
    uint32_t i;

    if (!len || value[len - 1])
        return false;
    for (i = 0; i + 1 < len; i++)
        if (!value[i])
            return false;
    return true;
}

bool pvh_fdt_cells(const uint8_t *value, unsigned cells, uint64_t *out)
{
    if (cells == 1)
        *out = pvh_be32(value);
    else if (cells == 2)
        *out = pvh_be64(value);
    else
        return false;
    return true;
}

bool pvh_fdt_name_equal(const char *name, const char *want)
{
    return pvh_fdt_name_is(name, want);
}

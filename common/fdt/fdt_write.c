/*
 * Writing a flattened device tree front to back, and the one edit
 * pvhboot makes before handing a tree to a kernel: a new /chosen.
 *
 * The structure block grows upwards from the header and reservation
 * map; property names are kept at the end of the buffer, growing down,
 * until finish() moves them behind the structure block. While names
 * move, a property's name offset holds its distance from the buffer's
 * end, and finish() turns it into an offset into the strings block.
 */
#include "common/fdt/fdt.h"

#include "common/lib/compiler.h"
#include "common/lib/string.h"

#define INLINE static inline __attribute__((always_inline))

/* A big-endian word: one store where p is 4-byte aligned. Inline for the
 * bulk copy's name offsets, one per property; elsewhere (the token-by-
 * token writer, the few words of the copy's own) pvh_put_be32's call. */
INLINE void put_be32(uint8_t *p, uint32_t v)
{
    if ((uintptr_t)p % 4) {
        pvh_put_be32(p, v);
        return;
    }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    *(pvh_fdt_word *)(void *)p = __builtin_bswap32(v);
#else
    *(pvh_fdt_word *)(void *)p = v;
#endif
}

static void put_be64(uint8_t *p, uint64_t v)
{
    pvh_put_be32(p, (uint32_t)(v >> 32));
    pvh_put_be32(p + 4, (uint32_t)v);
}

static int writer_fail(struct pvh_fdt_writer *w, struct pvh_error *err, const char *what)
{
    if (!w->error)
        w->error = pvh_fail(err, PVH_ENOMEM, "fdt writer: no room for %s in 0x%zx bytes", what,
                            w->size);
    return w->error;
}

/* Room for n more bytes between the structure block and the strings? */
static bool room(const struct pvh_fdt_writer *w, uint64_t n)
{
    return (uint64_t)w->struct_end + n + w->strings_len <= w->size;
}

int pvh_fdt_writer_init(struct pvh_fdt_writer *w, void *buf, size_t size,
                        const uint64_t (*rsv)[2], unsigned n, struct pvh_error *err)
{
    /* n + 1 in 64 bits: n = UINT_MAX must not wrap to an empty map. */
    uint64_t need = FDT_HEADER_SIZE + ((uint64_t)n + 1) * FDT_RSV_ENTRY_SIZE;
    unsigned i;

    w->buf = buf;
    w->size = size;
    w->struct_end = w->strings_len = w->off_struct = 0;
    w->depth = 0;
    w->error = 0;
    w->index_partial = false;
    for (i = 0; i < PVH_FDT_WRITER_INDEX; i++)
        w->index_dist[i] = 0;
    if (w->size > UINT32_MAX) /* offsets in a blob are 32-bit */
        w->size = UINT32_MAX;
    if (need > w->size)
        return writer_fail(w, err, "the header");
    memset(w->buf, 0, (size_t)need);
    for (i = 0; i < n; i++) {
        uint8_t *e = w->buf + FDT_HEADER_SIZE + (size_t)i * FDT_RSV_ENTRY_SIZE;

        put_be64(e, rsv[i][0]);
        put_be64(e + 8, rsv[i][1]);
    }
    w->off_struct = (uint32_t)need;
    w->struct_end = (uint32_t)need;
    return PVH_OK;
}

static int put_token(struct pvh_fdt_writer *w, uint32_t token, struct pvh_error *err)
{
    if (w->error)
        return w->error;
    if (!room(w, 4))
        return writer_fail(w, err, "a token");
    pvh_put_be32(w->buf + w->struct_end, token);
    w->struct_end += 4;
    return PVH_OK;
}

/* Append len bytes and zero padding to the next 4-byte boundary. */
static int put_padded(struct pvh_fdt_writer *w, const void *data, uint32_t len,
                      struct pvh_error *err)
{
    uint64_t padded = ((uint64_t)len + 3) & ~(uint64_t)3;
    uint8_t *at = w->buf + w->struct_end;

    if (!room(w, padded))
        return writer_fail(w, err, "a name or value");
    memset(at + len, 0, (size_t)(padded - len));
    if (len) /* an empty property may come with no value pointer */
        memcpy(at, data, len);
    w->struct_end += (uint32_t)padded;
    return PVH_OK;
}

/* A node whose name is len bytes before its NUL. */
static int begin_node(struct pvh_fdt_writer *w, const char *name, uint32_t len,
                      struct pvh_error *err)
{
    if (put_token(w, FDT_BEGIN_NODE, err) || put_padded(w, name, len + 1, err))
        return w->error;
    w->depth++;
    return PVH_OK;
}

int pvh_fdt_begin_node(struct pvh_fdt_writer *w, const char *name, struct pvh_error *err)
{
    return begin_node(w, name, (uint32_t)strlen(name), err);
}

int pvh_fdt_end_node(struct pvh_fdt_writer *w, struct pvh_error *err)
{
    if (!w->error && !w->depth)
        w->error = pvh_fail(err, PVH_EINVAL, "fdt writer: end of a node that was not begun");
    if (put_token(w, FDT_END_NODE, err))
        return w->error;
    w->depth--;
    return PVH_OK;
}

static uint32_t name_hash(const char *name, size_t len)
{
    const uint8_t *n = (const uint8_t *)name;

    /* len counts the NUL: n[len - 1] is 0, n[0] the NUL of "". */
    return (uint32_t)len * 0x9e3779b1u ^ n[0] * 0x85ebca6bu ^ n[len / 2] * 0xc2b2ae35u ^
           n[len > 1 ? len - 2 : 0] * 0x27d4eb2fu;
}

/* The distance from the buffer's end of name in the strings table,
 * adding it when absent. */
static int string_at(struct pvh_fdt_writer *w, const char *name, uint32_t *dist,
                     struct pvh_error *err)
{
    size_t len = strlen(name) + 1;
    uint32_t h = name_hash(name, len), at = 0, i, slot = PVH_FDT_WRITER_INDEX;

    /* The index first: the slots from the hash's on, to a free one. */
    for (i = 0; i < PVH_FDT_WRITER_INDEX; i++) {
        uint32_t s = (h + i) % PVH_FDT_WRITER_INDEX, d = w->index_dist[s];

        if (!d) {
            slot = s;
            break;
        }
        if (w->index_len[s] == len && !memcmp(w->buf + w->size - d, name, len)) {
            *dist = d;
            return PVH_OK;
        }
    }
    /* Strings sit at buf[size - strings_len, size), each with its NUL;
     * a name the index could not take is found only by a search. */
    while (w->index_partial && at < w->strings_len) {
        const char *s = (const char *)w->buf + w->size - w->strings_len + at;
        size_t l = strlen(s) + 1;

        if (l == len && !memcmp(s, name, len)) {
            *dist = w->strings_len - at;
            return PVH_OK;
        }
        at += (uint32_t)l;
    }
    if (!room(w, len))
        return writer_fail(w, err, "a property name");
    /* New names go in front of the table, which keeps older distances. */
    w->strings_len += (uint32_t)len;
    memcpy(w->buf + w->size - w->strings_len, name, len);
    *dist = w->strings_len;
    if (slot < PVH_FDT_WRITER_INDEX) {
        w->index_dist[slot] = *dist;
        w->index_len[slot] = (uint32_t)len;
    } else {
        w->index_partial = true;
    }
    return PVH_OK;
}

/* A property whose name is in the strings table already, at dist. */
static int put_property(struct pvh_fdt_writer *w, uint32_t dist, const void *value, uint32_t len,
                        struct pvh_error *err)
{
    if (put_token(w, FDT_PROP, err))
        return w->error;
    if (!room(w, 8))
        return writer_fail(w, err, "a property");
    pvh_put_be32(w->buf + w->struct_end, len);
    pvh_put_be32(w->buf + w->struct_end + 4, dist);
    w->struct_end += 8;
    return put_padded(w, value, len, err);
}

int pvh_fdt_property(struct pvh_fdt_writer *w, const char *name, const void *value, uint32_t len,
                     struct pvh_error *err)
{
    uint32_t dist = 0;

    if (w->error)
        return w->error;
    if (!w->depth)
        return w->error = pvh_fail(err, PVH_EINVAL, "fdt writer: property %s outside a node", name);
    if (string_at(w, name, &dist, err))
        return w->error;
    return put_property(w, dist, value, len, err);
}

/* Turn every property's distance-from-end into a strings-block offset.
 * Walks only what this writer wrote. */
static void fix_name_offsets(struct pvh_fdt_writer *w)
{
    uint32_t off = w->off_struct;

    while (off < w->struct_end) {
        uint32_t tag = pvh_be32(w->buf + off);

        if (tag == FDT_BEGIN_NODE) {
            off += 4;
            off += (pvh_fdt_nul_index(w->buf + off, w->struct_end - off) + 1 + 3) & ~3u;
        } else if (tag == FDT_PROP) {
            uint32_t len = pvh_be32(w->buf + off + 4);
            uint32_t dist = pvh_be32(w->buf + off + 8);

            pvh_put_be32(w->buf + off + 8, w->strings_len - dist);
            off += 12 + ((len + 3) & ~3u);
        } else {
            off += 4;
        }
    }
}

/* The header of a blob whose structure block starts at off_struct and
 * whose strings block (strings_len bytes) at off_strings, just after it;
 * the blob's total size back. Once a tree: one copy, byte stores. */
static uint32_t put_header(uint8_t *h, uint32_t off_struct, uint32_t off_strings,
                           uint32_t strings_len)
{
    const uint32_t v[10] = {
        FDT_MAGIC,
        off_strings + strings_len,  /* totalsize */
        off_struct,                 /* off_dt_struct */
        off_strings,                /* off_dt_strings */
        FDT_HEADER_SIZE,            /* off_mem_rsvmap */
        17,                         /* version */
        16,                         /* last_comp_version */
        0,                          /* boot_cpuid_phys */
        strings_len,                /* size_dt_strings */
        off_strings - off_struct,   /* size_dt_struct */
    };
    unsigned i;

    for (i = 0; i < 10; i++, h += 4)
        pvh_put_be32(h, v[i]);
    return v[1];
}

int pvh_fdt_finish(struct pvh_fdt_writer *w, uint32_t *total, struct pvh_error *err)
{
    if (!w->error && w->depth)
        w->error = pvh_fail(err, PVH_EINVAL, "fdt writer: %u nodes left open", w->depth);
    if (put_token(w, FDT_END, err))
        return w->error;
    fix_name_offsets(w);
    memmove(w->buf + w->struct_end, w->buf + w->size - w->strings_len, w->strings_len);
    *total = put_header(w->buf, w->off_struct, w->struct_end, w->strings_len);
    return PVH_OK;
}

/* --- a new /chosen -------------------------------------------------------- */

/*
 * One walk of the source decides what the copy holds: every token, but
 * in /chosen (a depth-2 node named "chosen") bootargs, the initrd
 * properties and every "multiboot,module" child left out, the new
 * properties given to the first /chosen, and a /chosen added at the end
 * of the root when there is none. Two ways to write that down:
 *   - the writer's (pvh_fdt_begin_node and the rest), token by token:
 *     pvh_fdt_rewrite_chosen_tokens;
 *   - the source's structure block copied as it is, in runs between
 *     what changes, with each property's name offset set to where its
 *     name is in a new strings block (names in the order first used,
 *     each once, as the writer's): the same tokens, the same size. Used
 *     where both blobs are 4-byte aligned and the names fit its table;
 *     anything else (no room, an error in the source) is done over the
 *     first way, which says what went wrong as it always did.
 */

#define NAMES_MAX 4096u   /* bytes of names the copy's table holds */
#define NAMES_INDEX 128u  /* names it holds (a power of 2) */
#define NAME_MEMO 64u     /* source names remembered by address */
#define PATCHES 64u       /* name offsets set at a time */

struct names {
    char bytes[NAMES_MAX];           /* first: 4-byte aligned, copied a word at a time */
    uint32_t len;
    uint32_t index[NAMES_INDEX];     /* 1 + offset of a name, by hash; 0: free */
    uint32_t index_len[NAMES_INDEX]; /* its length with the NUL */
    const char *memo_name[NAME_MEMO]; /* a source name's address, and the offset */
    uint32_t memo_off[NAME_MEMO];     /* of the same bytes in the new table */
};

struct rewrite {
    struct pvh_fdt_walk walk;
    const struct pvh_fdt_chosen *chosen;
    unsigned chosen_depth;  /* depth of /chosen while inside it, else 0 */
    bool chosen_written;    /* our properties are in */
    unsigned skip_depth;    /* inside a dropped module node at this depth, else 0 */
    struct pvh_fdt_writer out;
    /* The copy: the source's structure block s, its bytes [copied,
     * pending) to go to the output at `at` next, then the name offsets
     * of its properties set (patch_at: from `at`, where they go). */
    bool runs;
    const uint8_t *s;
    uint32_t copied, pending;
    uint64_t at;
    struct names *names;
    unsigned nr_patches;
    uint32_t patch_at[PATCHES], patch_off[PATCHES];
};

/* The copy's own way does not go on: the writer's does it all again. */
#define REDO 1

/* Whole words (n is a multiple of 4, both ends 4-byte aligned): 16 or
 * 32 bytes a step, in 8-byte loads where both ends allow. */
static void copy_words(uint8_t *dst, const uint8_t *src, uint32_t n)
{
    typedef uint64_t __attribute__((may_alias)) dword;

    if (!(((uintptr_t)dst | (uintptr_t)src) % 8)) {
        for (; n >= 16; n -= 16, dst += 16, src += 16) {
            uint64_t a = *(const dword *)(const void *)src;
            uint64_t b = *(const dword *)(const void *)(src + 8);

            *(dword *)(void *)dst = a;
            *(dword *)(void *)(dst + 8) = b;
        }
    }
#define WORD(p, i) (((pvh_fdt_word *)(void *)(p))[i])
#define CWORD(p, i) (((const pvh_fdt_word *)(const void *)(p))[i])
    for (; n >= 32; n -= 32, dst += 32, src += 32) {
        uint32_t a = CWORD(src, 0), b = CWORD(src, 1), c = CWORD(src, 2), d = CWORD(src, 3);
        uint32_t e = CWORD(src, 4), f = CWORD(src, 5), g = CWORD(src, 6), h = CWORD(src, 7);

        WORD(dst, 0) = a;
        WORD(dst, 1) = b;
        WORD(dst, 2) = c;
        WORD(dst, 3) = d;
        WORD(dst, 4) = e;
        WORD(dst, 5) = f;
        WORD(dst, 6) = g;
        WORD(dst, 7) = h;
    }
#undef WORD
#undef CWORD
    for (; n; n -= 4, dst += 4, src += 4)
        *(pvh_fdt_word *)(void *)dst = *(const pvh_fdt_word *)(const void *)src;
}

/* The offset of name in the copy's strings table, adding it when absent;
 * false when the table is full. The name is copied behind the table as
 * it is measured, and kept there if it is new. */
static bool name_offset(struct names *t, const char *name, uint32_t *off)
{
    unsigned m = (unsigned)(((uintptr_t)name * 0x9e3779b97f4a7c15ull) >> 58);
    char *tail = t->bytes + t->len;
    uint32_t len = 0, h, i;

    if (t->memo_name[m] == name) {
        *off = t->memo_off[m];
        return true;
    }
    do {
        if (len == NAMES_MAX - t->len)
            return false;
        tail[len] = name[len];
    } while (name[len++]);
    h = name_hash(tail, len);
    for (i = 0; i < NAMES_INDEX; i++) {
        uint32_t slot = (h + i) % NAMES_INDEX, at = t->index[slot];

        if (!at) {
            t->index[slot] = t->len + 1;
            t->index_len[slot] = len;
            *off = t->len;
            t->len += len;
            break;
        }
        if (t->index_len[slot] == len && !memcmp(t->bytes + at - 1, tail, len)) {
            *off = at - 1;
            break;
        }
    }
    if (i == NAMES_INDEX)
        return false;
    t->memo_name[m] = name;
    t->memo_off[m] = *off;
    return true;
}

/* Copy the pending run, and set its name offsets; room is kept for
 * FDT_END. */
static bool flush(struct rewrite *r)
{
    uint32_t n = r->pending - r->copied;
    uint8_t *at = r->out.buf + r->at;
    unsigned i;

    if (r->at + n + 4 > r->out.size)
        return false;
    copy_words(at, r->s + r->copied, n);
    for (i = 0; i < r->nr_patches; i++)
        put_be32(at + r->patch_at[i], r->patch_off[i]);
    r->nr_patches = 0;
    r->at += n;
    r->copied = r->pending;
    return true;
}

/* A property of our own, into the copy. */
static bool run_property(struct rewrite *r, const char *name, const void *value, uint32_t len)
{
    uint64_t padded = ((uint64_t)len + 3) & ~(uint64_t)3;
    uint8_t *at = r->out.buf + r->at;
    uint32_t off;

    if (r->at + 12 + padded + 4 > r->out.size || !name_offset(r->names, name, &off))
        return false;
    pvh_put_be32(at, FDT_PROP);
    pvh_put_be32(at + 4, len);
    pvh_put_be32(at + 8, off);
    if (padded != len)
        *(pvh_fdt_word *)(void *)(at + 12 + padded - 4) = 0;
    memcpy(at + 12, value, len);
    r->at += 12 + padded;
    return true;
}

/* A token of the source, as it is. */
static inline __attribute__((always_inline)) int out_token(struct rewrite *r,
                                                           const struct pvh_fdt_token *tok,
                                                           struct pvh_error *err)
{
    struct pvh_fdt_writer *w = &r->out;

    if (!r->runs) {
        if (tok->kind == PVH_FDT_NODE)
            return begin_node(w, tok->name, tok->name_len, err);
        if (tok->kind == PVH_FDT_END_NODE)
            return pvh_fdt_end_node(w, err);
        return pvh_fdt_property(w, tok->name, tok->value, tok->len, err);
    }
    /* Something left out (or FDT_NOP) before it, or no room for more
     * name offsets: the run so far goes. */
    if (tok->offset != r->pending || r->nr_patches == PATCHES) {
        if (!flush(r))
            return REDO;
        r->copied = r->pending = tok->offset;
    }
    if (tok->kind == PVH_FDT_PROP) {
        if (!name_offset(r->names, tok->name, &r->patch_off[r->nr_patches]))
            return REDO;
        r->patch_at[r->nr_patches++] = tok->offset - r->copied + 8;
    }
    r->pending = r->walk.next;
    return PVH_OK;
}

/* One of our properties, in the copy's way or the writer's: REDO when
 * the copy cannot take it, the writer's error when it fails. */
static int chosen_prop(struct rewrite *r, const char *name, const void *value, uint32_t len,
                       struct pvh_error *err)
{
    if (r->runs)
        return run_property(r, name, value, len) ? PVH_OK : REDO;
    return pvh_fdt_property(&r->out, name, value, len, err);
}

static int put_chosen_props(struct rewrite *r, struct pvh_error *err)
{
    const struct pvh_fdt_chosen *c = r->chosen;
    uint8_t cell[2][8];
    int rc = PVH_OK;

    put_be64(cell[0], c->initrd_start);
    put_be64(cell[1], c->initrd_end);
    if (r->runs && !flush(r))
        return REDO;
    if (c->bootargs)
        rc = chosen_prop(r, "bootargs", c->bootargs, (uint32_t)strlen(c->bootargs) + 1, err);
    if (!rc && c->initrd_end > c->initrd_start &&
        !(rc = chosen_prop(r, "linux,initrd-start", cell[0], 8, err)))
        rc = chosen_prop(r, "linux,initrd-end", cell[1], 8, err);
    return rc;
}

/* No /chosen in the source: one at the end of the root. */
static int new_chosen(struct rewrite *r, struct pvh_error *err)
{
    struct pvh_fdt_writer *w = &r->out;
    uint8_t *at;

    if (!r->runs) {
        if (pvh_fdt_begin_node(w, "chosen", err) || put_chosen_props(r, err) ||
            pvh_fdt_end_node(w, err))
            return w->error;
        return PVH_OK;
    }
    if (!flush(r) || r->at + 12 + 4 > w->size)
        return REDO;
    at = w->buf + r->at;
    pvh_put_be32(at, FDT_BEGIN_NODE);
    memcpy(at + 4, "chosen\0", 8); /* the name, its NUL and padding */
    r->at += 12;
    if (put_chosen_props(r, err) || r->at + 4 + 4 > w->size)
        return REDO;
    pvh_put_be32(w->buf + r->at, FDT_END_NODE);
    r->at += 4;
    return PVH_OK;
}

static bool replaced(const char *name)
{
    return pvh_fdt_name_equal(name, "bootargs") || pvh_fdt_name_equal(name, "linux,initrd-start") ||
           pvh_fdt_name_equal(name, "linux,initrd-end");
}

/* Is the node whose BEGIN_NODE token was just read a multiboot module?
 * Looks ahead at its properties with a second walk. */
static int is_module_node(const struct pvh_fdt_walk *at, bool *module, struct pvh_error *err)
{
    struct pvh_fdt_walk w;
    struct pvh_fdt_token tok;

    *module = false;
    pvh_fdt_walk_at(&w, at->fdt, at->next, at->depth);
    for (;;) {
        if (pvh_fdt_walk_next(&w, &tok, err))
            return err->code;
        if (tok.kind != PVH_FDT_PROP)
            return PVH_OK;
        if (pvh_fdt_name_equal(tok.name, "compatible") &&
            pvh_fdt_strlist_has(tok.value, tok.len, "multiboot,module"))
            *module = true;
    }
}

static int rewrite_node(struct rewrite *r, const struct pvh_fdt_token *tok, struct pvh_error *err)
{
    bool module;
    int rc;

    if (r->chosen_depth && tok->depth == r->chosen_depth + 1) {
        if (!r->chosen_written && (rc = put_chosen_props(r, err)))
            return rc;
        r->chosen_written = true;
        if (is_module_node(&r->walk, &module, err))
            return err->code;
        if (module) {
            r->skip_depth = tok->depth;
            return PVH_OK;
        }
    }
    if (tok->depth == 2 && pvh_fdt_name_equal(tok->name, "chosen"))
        r->chosen_depth = 2;
    return out_token(r, tok, err);
}

static int rewrite_end(struct rewrite *r, const struct pvh_fdt_token *tok, struct pvh_error *err)
{
    int rc;

    if (tok->depth == r->chosen_depth) {
        if (!r->chosen_written && (rc = put_chosen_props(r, err)))
            return rc;
        r->chosen_written = true;
        r->chosen_depth = 0;
    }
    if (tok->depth == 1 && !r->chosen_written) {
        if ((rc = new_chosen(r, err)))
            return rc;
        r->chosen_written = true;
    }
    return out_token(r, tok, err);
}

/* The copy's end: FDT_END, the strings, the header (as pvh_fdt_finish). */
static int finish_runs(struct rewrite *r, uint32_t *total)
{
    struct pvh_fdt_writer *w = &r->out;
    uint32_t words = (r->names->len + 3) / 4, i;
    uint64_t strings;

    if (!flush(r))
        return REDO;
    pvh_put_be32(w->buf + r->at, FDT_END);
    strings = r->at + 4;
    if (strings + 4ull * words > w->size)
        return REDO;
    /* The names a word at a time (both ends 4-byte aligned), the last
     * word's bytes past them included: they lie beyond totalsize. */
    for (i = 0; i < words; i++)
        ((pvh_fdt_word *)(void *)(w->buf + strings))[i] =
            ((const pvh_fdt_word *)(const void *)r->names->bytes)[i];
    *total = put_header(w->buf, w->off_struct, (uint32_t)strings, r->names->len);
    return PVH_OK;
}

static int rewrite(struct rewrite *r, const struct pvh_fdt *src,
                   const struct pvh_fdt_chosen *chosen, void *dst, size_t size, uint32_t *total,
                   struct pvh_error *err)
{
    uint64_t rsv[PVH_FDT_MAX_RSV][2];
    struct pvh_fdt_token tok;
    uint32_t i;

    r->chosen = chosen;
    r->chosen_depth = r->skip_depth = 0;
    r->chosen_written = false;
    for (i = 0; i < src->nr_rsv; i++)
        pvh_fdt_rsv(src, i, &rsv[i][0], &rsv[i][1]);
    if (pvh_fdt_writer_init(&r->out, dst, size, (const uint64_t(*)[2])rsv, src->nr_rsv, err))
        return err->code;
    if (r->runs) {
        r->s = src->blob + src->off_struct;
        r->copied = r->pending = 0;
        r->nr_patches = 0;
        r->at = r->out.struct_end;
        r->names->len = 0;
        for (i = 0; i < NAMES_INDEX; i++)
            r->names->index[i] = 0;
        for (i = 0; i < NAME_MEMO; i++)
            r->names->memo_name[i] = NULL;
    }
    pvh_fdt_walk_start(&r->walk, src);
    for (;;) {
        int rc = PVH_OK;

        if (pvh_fdt_walk_fast(&r->walk, &tok, err))
            return err->code;
        if (tok.kind == PVH_FDT_DONE)
            return r->runs ? finish_runs(r, total) : pvh_fdt_finish(&r->out, total, err);
        if (r->skip_depth) {
            if (tok.kind == PVH_FDT_END_NODE && tok.depth == r->skip_depth)
                r->skip_depth = 0;
            continue;
        }
        if (tok.kind == PVH_FDT_NODE)
            rc = rewrite_node(r, &tok, err);
        else if (tok.kind == PVH_FDT_END_NODE)
            rc = rewrite_end(r, &tok, err);
        else if (!(r->chosen_depth && tok.depth == r->chosen_depth && replaced(tok.name)))
            rc = out_token(r, &tok, err);
        if (rc)
            return rc;
    }
}

int pvh_fdt_rewrite_chosen_tokens(const struct pvh_fdt *src, const struct pvh_fdt_chosen *chosen,
                                  void *dst, size_t size, uint32_t *total, struct pvh_error *err)
{
    static struct rewrite r; /* large (the writer's index): not on a small stack */

    r.runs = false;
    return rewrite(&r, src, chosen, dst, size, total, err);
}

int pvh_fdt_rewrite_chosen(const struct pvh_fdt *src, const struct pvh_fdt_chosen *chosen,
                           void *dst, size_t size, uint32_t *total, struct pvh_error *err)
{
    static struct rewrite r;
    static struct names names PVH_NOINIT;

    r.runs = src->words && !((uintptr_t)dst % 4) && size <= UINT32_MAX;
    r.names = &names;
    if (r.runs && !rewrite(&r, src, chosen, dst, size, total, err))
        return PVH_OK;
    return pvh_fdt_rewrite_chosen_tokens(src, chosen, dst, size, total, err);
}

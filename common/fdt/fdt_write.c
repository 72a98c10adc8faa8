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

#include "common/lib/string.h"

#define put_be32 pvh_put_be32

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
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

    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->size = size;
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
    put_be32(w->buf + w->struct_end, token);
    w->struct_end += 4;
    return PVH_OK;
}

/* Append len bytes and zero padding to the next 4-byte boundary. */
static int put_padded(struct pvh_fdt_writer *w, const void *data, uint32_t len,
                      struct pvh_error *err)
{
    uint64_t padded = ((uint64_t)len + 3) & ~(uint64_t)3;

    if (!room(w, padded))
        return writer_fail(w, err, "a name or value");
    if (len) /* an empty property may come with no value pointer */
        memcpy(w->buf + w->struct_end, data, len);
    memset(w->buf + w->struct_end + len, 0, (size_t)(padded - len));
    w->struct_end += (uint32_t)padded;
    return PVH_OK;
}

int pvh_fdt_begin_node(struct pvh_fdt_writer *w, const char *name, struct pvh_error *err)
{
    if (put_token(w, FDT_BEGIN_NODE, err) || put_padded(w, name, (uint32_t)strlen(name) + 1, err))
        return w->error;
    w->depth++;
    return PVH_OK;
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

/* The distance from the buffer's end of name in the strings table,
 * adding it when absent. */
static int string_at(struct pvh_fdt_writer *w, const char *name, uint32_t *dist,
                     struct pvh_error *err)
{
    size_t len = strlen(name) + 1;
    uint32_t at = 0;

    /* Strings sit at buf[size - strings_len, size), each with its NUL. */
    while (at < w->strings_len) {
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
    return PVH_OK;
}

int pvh_fdt_property(struct pvh_fdt_writer *w, const char *name, const void *value, uint32_t len,
                     struct pvh_error *err)
{
    uint8_t hdr[8];
    uint32_t dist = 0;

    if (w->error)
        return w->error;
    if (!w->depth)
        return w->error = pvh_fail(err, PVH_EINVAL, "fdt writer: property %s outside a node", name);
    if (string_at(w, name, &dist, err))
        return w->error;
    put_be32(hdr, len);
    put_be32(hdr + 4, dist);
    if (put_token(w, FDT_PROP, err))
        return w->error;
    if (!room(w, 8))
        return writer_fail(w, err, "a property");
    memcpy(w->buf + w->struct_end, hdr, 8);
    w->struct_end += 8;
    return put_padded(w, value, len, err);
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
            off += ((uint32_t)strlen((const char *)w->buf + off) + 1 + 3) & ~3u;
        } else if (tag == FDT_PROP) {
            uint32_t len = pvh_be32(w->buf + off + 4);
            uint32_t dist = pvh_be32(w->buf + off + 8);

            put_be32(w->buf + off + 8, w->strings_len - dist);
            off += 12 + ((len + 3) & ~3u);
        } else {
            off += 4;
        }
    }
}

int pvh_fdt_finish(struct pvh_fdt_writer *w, uint32_t *total, struct pvh_error *err)
{
    uint8_t *h = w->buf;
    uint32_t size_struct;

    if (!w->error && w->depth)
        w->error = pvh_fail(err, PVH_EINVAL, "fdt writer: %u nodes left open", w->depth);
    if (put_token(w, FDT_END, err))
        return w->error;
    fix_name_offsets(w);
    size_struct = w->struct_end - w->off_struct;
    memmove(w->buf + w->struct_end, w->buf + w->size - w->strings_len, w->strings_len);
    put_be32(h + 0, FDT_MAGIC);
    put_be32(h + 4, w->struct_end + w->strings_len);          /* totalsize */
    put_be32(h + 8, w->off_struct);                           /* off_dt_struct */
    put_be32(h + 12, w->struct_end);                          /* off_dt_strings */
    put_be32(h + 16, FDT_HEADER_SIZE);                        /* off_mem_rsvmap */
    put_be32(h + 20, 17);                                     /* version */
    put_be32(h + 24, 16);                                     /* last_comp_version */
    put_be32(h + 28, 0);                                      /* boot_cpuid_phys */
    put_be32(h + 32, w->strings_len);                         /* size_dt_strings */
    put_be32(h + 36, size_struct);                            /* size_dt_struct */
    *total = w->struct_end + w->strings_len;
    return PVH_OK;
}

/* --- a new /chosen -------------------------------------------------------- */

static int put_chosen_props(struct pvh_fdt_writer *w, const struct pvh_fdt_chosen *c,
                            struct pvh_error *err)
{
    uint8_t cell[8];

    if (c->bootargs &&
        pvh_fdt_property(w, "bootargs", c->bootargs, (uint32_t)strlen(c->bootargs) + 1, err))
        return w->error;
    if (c->initrd_end > c->initrd_start) {
        put_be64(cell, c->initrd_start);
        if (pvh_fdt_property(w, "linux,initrd-start", cell, 8, err))
            return w->error;
        put_be64(cell, c->initrd_end);
        if (pvh_fdt_property(w, "linux,initrd-end", cell, 8, err))
            return w->error;
    }
    return PVH_OK;
}

static bool replaced(const char *name)
{
    return pvh_fdt_name_is(name, "bootargs") || pvh_fdt_name_is(name, "linux,initrd-start") ||
           pvh_fdt_name_is(name, "linux,initrd-end");
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
        if (pvh_fdt_name_is(tok.name, "compatible") &&
            pvh_fdt_strlist_has(tok.value, tok.len, "multiboot,module"))
            *module = true;
    }
}

struct rewrite {
    struct pvh_fdt_walk walk;
    struct pvh_fdt_writer out;
    const struct pvh_fdt_chosen *chosen;
    unsigned chosen_depth;  /* depth of /chosen while inside it, else 0 */
    bool chosen_written;    /* our properties are in */
    unsigned skip_depth;    /* inside a dropped module node at this depth, else 0 */
};

static int rewrite_node(struct rewrite *r, const struct pvh_fdt_token *tok, struct pvh_error *err)
{
    bool module;

    if (r->chosen_depth && tok->depth == r->chosen_depth + 1) {
        if (!r->chosen_written && put_chosen_props(&r->out, r->chosen, err))
            return r->out.error;
        r->chosen_written = true;
        if (is_module_node(&r->walk, &module, err))
            return err->code;
        if (module) {
            r->skip_depth = tok->depth;
            return PVH_OK;
        }
    }
    if (tok->depth == 2 && pvh_fdt_name_is(tok->name, "chosen"))
        r->chosen_depth = 2;
    return pvh_fdt_begin_node(&r->out, tok->name, err);
}

static int rewrite_end(struct rewrite *r, const struct pvh_fdt_token *tok, struct pvh_error *err)
{
    if (tok->depth == r->chosen_depth) {
        if (!r->chosen_written && put_chosen_props(&r->out, r->chosen, err))
            return r->out.error;
        r->chosen_written = true;
        r->chosen_depth = 0;
    }
    if (tok->depth == 1 && !r->chosen_written) {
        /* No /chosen in the source: add one at the end of the root. */
        if (pvh_fdt_begin_node(&r->out, "chosen", err) ||
            put_chosen_props(&r->out, r->chosen, err) || pvh_fdt_end_node(&r->out, err))
            return r->out.error;
        r->chosen_written = true;
    }
    return pvh_fdt_end_node(&r->out, err);
}

int pvh_fdt_rewrite_chosen(const struct pvh_fdt *src, const struct pvh_fdt_chosen *chosen,
                           void *dst, size_t size, uint32_t *total, struct pvh_error *err)
{
    static struct rewrite r; /* large (the walk's depth flags): not on a small stack */
    uint64_t rsv[PVH_FDT_MAX_RSV][2];
    struct pvh_fdt_token tok;
    uint32_t i;

    memset(&r, 0, sizeof(r));
    r.chosen = chosen;
    for (i = 0; i < src->nr_rsv; i++)
        pvh_fdt_rsv(src, i, &rsv[i][0], &rsv[i][1]);
    if (pvh_fdt_writer_init(&r.out, dst, size, (const uint64_t(*)[2])rsv, src->nr_rsv, err))
        return err->code;
    pvh_fdt_walk_start(&r.walk, src);
    for (;;) {
        int rc = PVH_OK;

        if (pvh_fdt_walk_next(&r.walk, &tok, err))
            return err->code;
        if (tok.kind == PVH_FDT_DONE)
            return pvh_fdt_finish(&r.out, total, err);
        if (r.skip_depth) {
            if (tok.kind == PVH_FDT_END_NODE && tok.depth == r.skip_depth)
                r.skip_depth = 0;
            continue;
        }
        if (tok.kind == PVH_FDT_NODE)
            rc = rewrite_node(&r, &tok, err);
        else if (tok.kind == PVH_FDT_END_NODE)
            rc = rewrite_end(&r, &tok, err);
        else if (!(r.chosen_depth && tok.depth == r.chosen_depth && replaced(tok.name)))
            rc = pvh_fdt_property(&r.out, tok.name, tok.value, tok.len, err);
        if (rc)
            return rc;
    }
}

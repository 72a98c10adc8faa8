/*
 * The DSDT walk of dsdt_mmio.h. Encodings from the ACPI specification
 * (6.5): 20.2 (AML grammar: DeviceOp 0x5b 0x82, NameOp 0x08, PkgLength,
 * NameString, data objects) and 6.4 (resource descriptors: Memory32Fixed
 * is large item 0x86 with 9 bytes of data, End Tag small item 0x79).
 */
#include "firmware/disk/dsdt_mmio.h"

#include <stdbool.h>

#include "common/lib/bytes.h"
#include "common/lib/string.h"

#define SDT_HEADER_SIZE 36u
#define AML_EXT_OP      0x5b
#define AML_DEVICE_OP   0x82
#define AML_NAME_OP     0x08
#define AML_ZERO_OP     0x00
#define AML_ONE_OP      0x01
#define AML_ONES_OP     0xff
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_BUFFER_OP   0x11
#define AML_PACKAGE_OP  0x12
#define AML_ROOT_CHAR   '\\'
#define AML_PARENT_CHAR '^'
#define AML_DUAL_NAME   0x2e
#define AML_MULTI_NAME  0x2f
#define AML_NULL_NAME   0x00
#define RES_LARGE       0x80
#define RES_END_TAG     0x79
#define RES_MEMORY32_FIXED 0x86
#define RES_MEMORY32_FIXED_LEN 9u

/* A bounded cursor over the table. */
struct cur {
    const uint8_t *p, *end;
};

/* PkgLength (20.2.4): the length it encodes counts its own bytes; the
 * package's end, or NULL when it does not fit. */
static const uint8_t *pkg_end(struct cur *c)
{
    const uint8_t *start = c->p;
    unsigned extra, i;
    uint32_t len;

    if (c->p >= c->end)
        return NULL;
    extra = *c->p >> 6;
    len = extra ? (*c->p & 0x0f) : (*c->p & 0x3f);
    if ((uint64_t)(c->end - c->p) < 1 + extra)
        return NULL;
    for (i = 0; i < extra; i++)
        len |= (uint32_t)c->p[1 + i] << (4 + 8 * i);
    c->p += 1 + extra;
    if (len < 1 + extra || len > (uint64_t)(c->end - start))
        return NULL;
    return start + len;
}

/* Skip a NameString (20.2.2). */
static bool skip_name(struct cur *c)
{
    unsigned segs = 1;

    while (c->p < c->end && (*c->p == AML_ROOT_CHAR || *c->p == AML_PARENT_CHAR))
        c->p++;
    if (c->p >= c->end)
        return false;
    if (*c->p == AML_NULL_NAME) {
        c->p++;
        return true;
    }
    if (*c->p == AML_DUAL_NAME) {
        segs = 2;
        c->p++;
    } else if (*c->p == AML_MULTI_NAME) {
        if (c->end - c->p < 2)
            return false;
        segs = c->p[1];
        c->p += 2;
    }
    if ((uint64_t)(c->end - c->p) < 4ull * segs)
        return false;
    c->p += (size_t)4 * segs;
    return true;
}

/* What a Name() in a device body gave: a string or a buffer (bytes), or
 * something else this walk passes over. */
struct object {
    const uint8_t *bytes;
    uint32_t len;
    bool string, buffer;
};

/* Skip an integer constant (20.2.3: ZeroOp, OneOp, OnesOp, or a prefix
 * and 1, 2, 4 or 8 bytes); false if c is at none. */
static bool integer(struct cur *c)
{
    static const uint8_t size[] = {
        [AML_ZERO_OP] = 1, [AML_ONE_OP] = 1, [AML_BYTE_PREFIX] = 2, [AML_WORD_PREFIX] = 3,
        [AML_DWORD_PREFIX] = 5, [AML_QWORD_PREFIX] = 9,
    };
    unsigned n;

    if (c->p >= c->end)
        return false;
    n = *c->p == AML_ONES_OP ? 1 : *c->p < sizeof(size) ? size[*c->p] : 0;
    if (!n || (uint64_t)(c->end - c->p) < n)
        return false;
    c->p += n;
    return true;
}

/* Skip one data object (20.2.3), noting strings and buffers; false on
 * anything this walk does not know. */
static bool data_object(struct cur *c, struct object *o)
{
    const uint8_t *end, *nul;
    struct cur size;

    *o = (struct object){ 0 };
    if (integer(c))
        return true;
    if (c->p >= c->end)
        return false;
    switch (*c->p++) {
    case AML_STRING_PREFIX:
        nul = memchr(c->p, 0, (size_t)(c->end - c->p));
        if (!nul)
            return false;
        *o = (struct object){ .bytes = c->p, .len = (uint32_t)(nul - c->p), .string = true };
        c->p = nul + 1;
        return true;
    case AML_BUFFER_OP:
        /* PkgLength, the buffer's size (an integer), then its bytes. */
        end = pkg_end(c);
        size = (struct cur){ c->p, end };
        if (!end || !integer(&size))
            return false;
        *o = (struct object){ .bytes = size.p, .len = (uint32_t)(end - size.p), .buffer = true };
        c->p = end;
        return true;
    case AML_PACKAGE_OP:
        end = pkg_end(c);
        if (!end)
            return false;
        c->p = end;
        return true;
    default:
        return false;
    }
}

/* The first Memory32Fixed descriptor of a resource template. */
static bool memory32_fixed(const struct object *crs, uint64_t *base, uint64_t *size)
{
    const uint8_t *p = crs->bytes, *end = crs->bytes + crs->len;

    while (p < end) {
        uint32_t len;

        if (*p == RES_END_TAG)
            return false;
        if (!(*p & RES_LARGE)) {
            p += 1 + (*p & 7u);
            continue;
        }
        if (end - p < 3)
            return false;
        len = pvh_le16(p + 1);
        if ((uint64_t)(end - p) < 3ull + len)
            return false;
        if (*p == RES_MEMORY32_FIXED && len >= RES_MEMORY32_FIXED_LEN) {
            *base = pvh_le32(p + 4);
            *size = pvh_le32(p + 8);
            return true;
        }
        p += 3 + len;
    }
    return false;
}

/* The device whose body is c: its Name() objects, until anything else. */
static int device(struct cur *c, int (*found)(void *, uint64_t, uint64_t, struct pvh_error *),
                  void *ctx, struct pvh_error *err)
{
    bool virtio = false, have_crs = false;
    struct object crs = { 0 };
    uint64_t base = 0, size = 0;

    while (c->end - c->p > 5 && *c->p == AML_NAME_OP) {
        const uint8_t *seg = c->p + 1;
        struct object o;

        c->p += 5;
        if (!data_object(c, &o))
            break;
        if (!memcmp(seg, "_HID", 4) && o.string && o.len == sizeof(PVH_VIRTIO_MMIO_HID) - 1 &&
            !memcmp(o.bytes, PVH_VIRTIO_MMIO_HID, o.len))
            virtio = true;
        if (!memcmp(seg, "_CRS", 4) && o.buffer) {
            crs = o;
            have_crs = true;
        }
    }
    if (!virtio)
        return PVH_OK;
    if (!have_crs || !memory32_fixed(&crs, &base, &size))
        return pvh_fail(err, PVH_EINVAL, "ACPI DSDT: a %s device without a Memory32Fixed _CRS",
                        PVH_VIRTIO_MMIO_HID);
    return found(ctx, base, size, err);
}

int pvh_dsdt_virtio_mmio(const uint8_t *t, uint32_t len,
                         int (*found)(void *ctx, uint64_t base, uint64_t size,
                                      struct pvh_error *err),
                         void *ctx, struct pvh_error *err)
{
    uint32_t i;

    /* Every DeviceOp in the table: nested devices (in \_SB, in a bridge)
     * included. A match inside other data must still parse as a device
     * with the _HID and a _CRS to count. */
    for (i = SDT_HEADER_SIZE; i + 2 <= len; i++) {
        struct cur c = { t + i + 2, t + len };
        const uint8_t *end;
        int rc;

        if (t[i] != AML_EXT_OP || t[i + 1] != AML_DEVICE_OP)
            continue;
        end = pkg_end(&c);
        if (!end || !skip_name(&c) || c.p > end)
            continue;
        c.end = end;
        rc = device(&c, found, ctx, err);
        if (rc)
            return rc;
    }
    return PVH_OK;
}

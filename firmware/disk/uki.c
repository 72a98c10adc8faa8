/*
 * The PE/COFF headers of a unified kernel image (Microsoft's PE format
 * specification), and the os-release text of its .osrel section.
 */
#include "firmware/disk/uki.h"

#include <stddef.h>

#include "firmware/disk/disk_bytes.h"
#include "common/lib/string.h"

#define DOS_E_LFANEW 0x3c
#define COFF_MACHINE 4
#define COFF_NR_SECTIONS 6
#define COFF_OPT_SIZE 20
#define COFF_END 24            /* "PE\0\0" and the 20-byte COFF header */
#define SECTION_SIZE 40
#define S_VIRTUAL_SIZE 8
#define S_RAW_SIZE 16
#define S_RAW_POINTER 20
#define PE_SECTIONS_MAX 96     /* the format's limit */

static struct pvh_uki_section *section_of(struct pvh_uki *u, const uint8_t *name)
{
    static const char names[5][8] = { ".linux", ".initrd", ".cmdline", ".dtb", ".osrel" };
    static const uint8_t slot[5] = {
        offsetof(struct pvh_uki, linux_), offsetof(struct pvh_uki, initrd),
        offsetof(struct pvh_uki, cmdline), offsetof(struct pvh_uki, dtb),
        offsetof(struct pvh_uki, osrel),
    };
    unsigned i;

    for (i = 0; i < 5; i++)
        if (!memcmp(name, names[i], 8))
            return (struct pvh_uki_section *)(void *)((char *)u + slot[i]);
    return NULL;
}

static int take_section(struct pvh_uki *u, const uint8_t *s, unsigned index, uint64_t file_size,
                        struct pvh_error *err)
{
    struct pvh_uki_section *slot = section_of(u, s);
    uint64_t off = pvh_disk_le32(s + S_RAW_POINTER), raw = pvh_disk_le32(s + S_RAW_SIZE);
    uint64_t size = pvh_disk_le32(s + S_VIRTUAL_SIZE);

    if (!slot)
        return PVH_OK;
    if (!size || size > raw)
        size = raw;
    if (off > file_size || size > file_size - off)
        return pvh_fail(err, PVH_ERANGE, "UKI section %.8s: bytes %llu+%llu past the file's "
                        "%llu", (const char *)s, (unsigned long long)off,
                        (unsigned long long)size, (unsigned long long)file_size);
    if (slot->present)
        return pvh_fail(err, PVH_EINVAL, "UKI section %.8s: twice (section %u)",
                        (const char *)s, index + 1);
    slot->offset = off;
    slot->size = size;
    slot->present = true;
    return PVH_OK;
}

int pvh_uki_parse(const uint8_t *head, size_t head_len, uint64_t file_size, struct pvh_uki *out,
                  struct pvh_error *err)
{
    uint64_t pe, table;
    unsigned n, i;
    int rc = PVH_OK;

    memset(out, 0, sizeof(*out));
    if (head_len > file_size)
        head_len = (size_t)file_size;
    if (head_len < DOS_E_LFANEW + 4 || head[0] != 'M' || head[1] != 'Z')
        return pvh_fail(err, PVH_EINVAL, "UKI: no MZ header (%zu bytes)", head_len);
    pe = pvh_disk_le32(head + DOS_E_LFANEW);
    if (pe > head_len || head_len - pe < COFF_END || memcmp(head + pe, "PE\0\0", 4))
        return pvh_fail(err, PVH_EINVAL, "UKI: no PE header at e_lfanew 0x%llx in the first %zu "
                        "bytes", (unsigned long long)pe, head_len);
    out->machine = pvh_le16(head + pe + COFF_MACHINE);
    n = pvh_le16(head + pe + COFF_NR_SECTIONS);
    table = pe + COFF_END + pvh_le16(head + pe + COFF_OPT_SIZE);
    if (n > PE_SECTIONS_MAX)
        return pvh_fail(err, PVH_E2BIG, "UKI: %u sections (at most %u)", n, PE_SECTIONS_MAX);
    if (table > head_len || (uint64_t)n * SECTION_SIZE > head_len - table)
        return pvh_fail(err, PVH_ERANGE, "UKI: section table at 0x%llx, %u sections, past the "
                        "first %zu bytes", (unsigned long long)table, n, head_len);
    for (i = 0; i < n && rc == PVH_OK; i++)
        rc = take_section(out, head + table + (uint64_t)i * SECTION_SIZE, i, file_size, err);
    if (rc == PVH_OK && !out->linux_.present)
        rc = pvh_fail(err, PVH_ENOENT, "UKI: no .linux section");
    return rc;
}

void pvh_osrel_get(const char *text, size_t len, const char *key, char *out, size_t out_size)
{
    size_t klen = strlen(key), at = 0, end, n;
    bool quote;

    out[0] = '\0';
    while (at < len) {
        for (end = at; end < len && text[end] != '\n'; end++)
            ;
        if (end - at > klen && !memcmp(text + at, key, klen) && text[at + klen] == '=') {
            const char *v = text + at + klen + 1;

            n = end - (at + klen + 1);
            quote = n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0];
            if (quote) {
                v++;
                n -= 2;
            }
            if (n >= out_size)
                n = out_size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
        }
        at = end + 1;
    }
}

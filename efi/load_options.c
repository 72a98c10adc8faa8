/*
 * The load options as text. A boot manager passes a boot entry's
 * optional data, which is often binary (OVMF's own entries carry a
 * GUID); the UEFI shell passes the whole command line, the program's
 * name first. Only printable ASCII in UCS-2 counts as options, and the
 * shell's first word is dropped.
 */
#include "efi/efi.h"

#include "common/lib/string.h"

static EFI_GUID shell_parameters_guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;

static bool started_by_shell(struct pvh_efi *e)
{
    void *iface;

    return e->bs->HandleProtocol(e->image, &shell_parameters_guid, &iface) == EFI_SUCCESS;
}

/* The length of the first word (a quoted one may hold blanks). */
static size_t first_word(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < n && s[i] == '"') {
        for (i++; i < n && s[i] != '"'; i++)
            ;
        return i < n ? i + 1 : n;
    }
    while (i < n && s[i] != ' ' && s[i] != '\t')
        i++;
    return i;
}

EFI_STATUS pvh_efi_load_options(struct pvh_efi *e, char **text, size_t *len)
{
    static char none[1];
    const uint8_t *raw = e->loaded->LoadOptions;
    UINT32 size = e->loaded->LoadOptionsSize;
    size_t chars = size / 2, n = 0, skip;
    EFI_STATUS status;
    char *buf;

    *text = none;
    *len = 0;
    if (!raw || !size)
        return EFI_SUCCESS;
    if (chars > PVH_EFI_CONFIG_MAX)
        return pvh_efi_fail(EFI_INVALID_PARAMETER, "load options: %u bytes, at most %u",
                            size, 2 * PVH_EFI_CONFIG_MAX);
    status = pvh_efi_pool(e, "load options", chars + 1, (void **)&buf);
    if (EFI_ERROR(status))
        return status;
    for (; n < chars; n++) {
        uint16_t c = (uint16_t)(raw[2 * n] | raw[2 * n + 1] << 8);

        if (!c)
            break;
        if ((c < 0x20 && c != '\t') || c > 0x7e)
            break;
        buf[n] = (char)c;
    }
    if (size % 2 || (n < chars && raw[2 * n] | raw[2 * n + 1])) {
        pvh_efi_info("load options: %u bytes that are not ASCII text (a boot entry's data): "
                     "ignored", size);
        pvh_efi_free(e, buf);
        return EFI_SUCCESS;
    }
    buf[n] = '\0';
    skip = started_by_shell(e) ? first_word(buf, n) : 0;
    *text = buf + skip;
    *len = n - skip;
    return EFI_SUCCESS;
}

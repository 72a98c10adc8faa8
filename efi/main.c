/*
 * pvhboot.efi's entry (gnu-efi's crt0 relocates the image and calls
 * efi_main with the image handle and the system table). The order of
 * the steps matters: the kernel's segments are placed before anything
 * else is allocated (later allocations cannot land on them), and the
 * start info, trampoline and memory-map buffers come last, just before
 * the final memory map.
 */
#include "efi/efi.h"

#include "common/lib/string.h"

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

static bool only_blanks(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

/* pvhboot.cfg as one line of text, in pool memory that is kept. */
static EFI_STATUS config_file_text(struct pvh_efi *e, const uint8_t *file, uint64_t size,
                                   char **text, size_t *len)
{
    EFI_STATUS status;

    if (size > PVH_EFI_CONFIG_MAX)
        return pvh_efi_fail(EFI_INVALID_PARAMETER, PVH_EFI_CONFIG_FILE ": %llu bytes, at most %u",
                            (unsigned long long)size, PVH_EFI_CONFIG_MAX);
    status = pvh_efi_pool(e, PVH_EFI_CONFIG_FILE, size + 1, (void **)text);
    if (EFI_ERROR(status))
        return status;
    memcpy(*text, file, size);
    *len = pvh_efi_config_join_lines(*text, size);
    return EFI_SUCCESS;
}

/* What to boot: the load options, else pvhboot.cfg, else the default kernel. */
static EFI_STATUS choose(struct pvh_efi *e)
{
    static char default_text[] = PVH_EFI_DEFAULT_KERNEL;
    const char *source = "load options";
    struct pvh_error err;
    uint8_t *file;
    uint64_t size;
    size_t len;
    char *text;
    EFI_STATUS status;

    status = pvh_efi_load_options(e, &text, &len);
    if (!EFI_ERROR(status) && only_blanks(text, len)) {
        source = PVH_EFI_CONFIG_FILE;
        status = pvh_efi_read_optional(e, "config", PVH_EFI_CONFIG_FILE, 0, &file, &size);
        if (status == EFI_NOT_FOUND) {
            source = "the default";
            text = default_text;
            len = sizeof(default_text) - 1;
            status = EFI_SUCCESS;
        } else if (!EFI_ERROR(status)) {
            status = config_file_text(e, file, size, &text, &len);
            pvh_efi_free(e, file);
        }
    }
    if (EFI_ERROR(status))
        return status;
    if (pvh_efi_config_parse(text, len, &e->cfg, &err))
        return pvh_efi_fail(EFI_INVALID_PARAMETER, "%s: %s", source, err.msg);
    pvh_efi_info("from %s: %u modules, cmdline \"%pE\"", source, e->cfg.nr_modules,
                 e->cfg.kernel.cmdline);
    return EFI_SUCCESS;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    static struct pvh_efi e;
    EFI_STATUS status;

    e.image = image;
    e.st = st;
    e.bs = st->BootServices;
    pvh_efi_console_init(st);
    status = pvh_efi_open_volume(&e);
    if (!EFI_ERROR(status))
        status = choose(&e);
    if (!EFI_ERROR(status))
        status = pvh_efi_load_kernel(&e);
    if (!EFI_ERROR(status))
        status = pvh_efi_load_modules(&e);
    if (!EFI_ERROR(status)) {
        pvh_efi_find_rsdp(&e);
        status = pvh_efi_boot(&e);
    }
    /* Only failures come back: the message is out; give back what was
     * taken, and the firmware goes on. */
    pvh_efi_free_all(&e);
    if (e.root)
        e.root->Close(e.root);
    return status;
}

/*
 * What pvhboot.efi boots: the kernel, its cmdline, the modules and
 * theirs, from the load options or from pvhboot.cfg. One grammar for
 * both (docs/efi.md):
 *
 *   [--verbose] KERNEL [CMDLINE] [--- MODULE [CMDLINE]]...
 *
 * Words are separated by blanks (space, tab); "---" alone as a word
 * separates entries. A CMDLINE is every byte from the first non-blank
 * after the path to the last non-blank before the next "---" or the end.
 * In pvhboot.cfg, lines whose first non-blank is '#' and blank lines are
 * dropped, and the others, trimmed, are joined with one space.
 *
 * Plain C on a buffer: no EFI here, so it can be checked on the host.
 */
#ifndef PVH_EFI_CONFIG_H
#define PVH_EFI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/output/error.h"

#define PVH_EFI_MAX_MODULES 32
#define PVH_EFI_CONFIG_MAX 65536 /* bytes of load options or pvhboot.cfg */
#define PVH_EFI_CONFIG_FILE "pvhboot.cfg"
#define PVH_EFI_DEFAULT_KERNEL "kernel.elf"

struct pvh_efi_entry {
    const char *path;    /* as written: absolute from '\' or '/', else beside pvhboot.efi */
    const char *cmdline; /* never NULL; "" when none */
};

struct pvh_efi_config {
    bool verbose;
    struct pvh_efi_entry kernel;
    struct pvh_efi_entry modules[PVH_EFI_MAX_MODULES];
    unsigned nr_modules;
};

/* Parse text[0..len) (text[len] must be writable): the entries point
 * into text, whose separators are overwritten with NULs. A NUL byte in
 * the text, an unknown option, an empty entry or too many modules is an
 * error. */
int pvh_efi_config_parse(char *text, size_t len, struct pvh_efi_config *out,
                         struct pvh_error *err);

/* Turn pvhboot.cfg's lines into the one-line form, in place; returns
 * the new length and terminates the text (text[len] must be writable). */
size_t pvh_efi_config_join_lines(char *text, size_t len);

#endif

/*
 * Boot Loader Specification type #1 entries (/loader/entries/<id>.conf)
 * and loader.conf's "default", parsed from text the caller read.
 *
 * An entry is "key value" lines; '#' starts a comment line; unknown keys
 * are ignored. Single keys (title, version, machine-id, sort-key, linux,
 * devicetree, architecture): the last one counts. initrd may repeat (each
 * one a file, in order); options may repeat (joined by one space). A value
 * longer than its field, more than PVH_BLS_INITRD_MAX initrds or a NUL byte
 * in the text is an error naming the key: the entry is not bootable as
 * written, and pvhboot does not guess.
 */
#ifndef PVHBOOT_FIRMWARE_DISK_BLS_H
#define PVHBOOT_FIRMWARE_DISK_BLS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/output/error.h"

#define PVH_BLS_TEXT_MAX 64         /* title, version, machine-id, sort-key, architecture */
#define PVH_BLS_PATH_MAX 256        /* linux, initrd, devicetree */
#define PVH_BLS_INITRD_MAX 8
#define PVH_BLS_OPTIONS_MAX 2048    /* x86 Linux's COMMAND_LINE_SIZE */
/* An entry file read at most (a larger one is refused by its size). */
#define PVH_BLS_FILE_MAX 8192

struct pvh_bls_entry {
    char title[PVH_BLS_TEXT_MAX];
    char version[PVH_BLS_TEXT_MAX];
    char machine_id[PVH_BLS_TEXT_MAX];
    char sort_key[PVH_BLS_TEXT_MAX];
    char architecture[PVH_BLS_TEXT_MAX];
    char linux_path[PVH_BLS_PATH_MAX];
    char devicetree[PVH_BLS_PATH_MAX];
    char initrd[PVH_BLS_INITRD_MAX][PVH_BLS_PATH_MAX];
    unsigned nr_initrd;
    char options[PVH_BLS_OPTIONS_MAX];
};

/* Parse an entry's text (len bytes, not NUL-terminated). */
int pvh_bls_parse(const char *text, size_t len, struct pvh_bls_entry *out,
                  struct pvh_error *err);

/* Is the entry for this machine? Its architecture key, when present, must
 * be this build's EFI name (x64 or aa64), in any case. */
bool pvh_bls_arch_ok(const struct pvh_bls_entry *e);
/* This build's EFI architecture name: "x64" or "aa64". */
const char *pvh_bls_arch(void);

/* Append n bytes of src to the text in dst (size bytes), after a space
 * when both are non-empty: 0, or, when it does not fit, the length it
 * would have (dst unchanged). */
size_t pvh_bls_join(char *dst, size_t size, const char *src, size_t n);

/* loader.conf: the value of "default" (empty when none) into out. */
int pvh_bls_loader_default(const char *text, size_t len, char *out, size_t out_size,
                           struct pvh_error *err);

#endif

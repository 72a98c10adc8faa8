/*
 * Version strings compared as the UAPI Version Format Specification says
 * (the order the Boot Loader Specification sorts entries by), glob
 * patterns as loader.conf's "default" uses them, and the one ASCII
 * case-folded name comparison the disk's readers share (FAT's path
 * lookup, the entries' .conf/.efi suffixes, BLS's architecture key).
 */
#ifndef PVHBOOT_FIRMWARE_DISK_VERSION_H
#define PVHBOOT_FIRMWARE_DISK_VERSION_H

#include <stdbool.h>
#include <stddef.h>

/* < 0, 0, > 0 as a is older than, the same as, newer than b. */
int pvh_version_cmp(const char *a, const char *b);

/* Does name match pattern ('*' any run, '?' one byte, '[...]' a set with
 * ranges and a leading '!' or '^' to negate; '\' escapes)? Bounded: no
 * backtracking explosion (one position remembered per '*'). */
bool pvh_glob_match(const char *pattern, const char *name);

/* Is a (a string) the first blen bytes of b, ASCII case folded? */
bool pvh_same_name(const char *a, const char *b, size_t blen);

#endif

/*
 * What a module is compressed with, from its first bytes. Xen 4.20 on
 * hands a PVH guest its modules as they are on disk (it no longer
 * decompresses them), so a unikernel may get any of these; pvhboot only
 * names the format: it decompresses nothing.
 */
#ifndef PVH_COMMON_BOOT_COMPRESSION_H
#define PVH_COMMON_BOOT_COMPRESSION_H

#include <stddef.h>
#include <stdint.h>

#include <pvhboot/boot.h>

/* The longest magic (lzo's): how many first bytes the caller passes. */
#define PVH_COMPRESSION_MAGIC_MAX 9u

/* The format whose magic head[0..len) starts with (len may be shorter
 * than PVH_COMPRESSION_MAGIC_MAX for a short module: then only magics
 * that fit can match); PVH_COMPRESSION_NONE when none does. */
enum pvh_compression pvh_compression_of(const uint8_t *head, size_t len);

#endif

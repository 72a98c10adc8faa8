/*
 * Unified kernel images (Boot Loader Specification type #2,
 * /EFI/Linux/<name>.efi): a PE/COFF EFI program, systemd-stub, carrying the
 * kernel and what goes with it in named sections. pvhboot does not run
 * the stub: it reads the sections and boots the kernel as any other.
 *
 * The headers are checked from the file's first bytes (the caller reads
 * at most PVH_UKI_HEAD_MAX): "MZ", e_lfanew inside them, "PE\0\0", the
 * section table inside them, and each section used lying inside the file.
 */
#ifndef PVHBOOT_FIRMWARE_DISK_UKI_H
#define PVHBOOT_FIRMWARE_DISK_UKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/output/error.h"

#define PVH_UKI_HEAD_MAX 4096u
#define PVH_PE_MACHINE_X64 0x8664u
#define PVH_PE_MACHINE_AA64 0xaa64u

struct pvh_uki_section {
    uint64_t offset;  /* in the file */
    uint64_t size;    /* the section's data (VirtualSize; SizeOfRawData when that is 0) */
    bool present;
};

struct pvh_uki {
    uint16_t machine;
    struct pvh_uki_section linux_, initrd, cmdline, dtb, osrel;
};

/* Parse the headers in head[0..head_len) of a file of file_size bytes. */
int pvh_uki_parse(const uint8_t *head, size_t head_len, uint64_t file_size, struct pvh_uki *out,
                  struct pvh_error *err);

/* This build's PE machine (x64 or aa64). */
static inline uint16_t pvh_uki_machine(void)
{
#if defined(__aarch64__)
    return PVH_PE_MACHINE_AA64;
#else
    return PVH_PE_MACHINE_X64;
#endif
}

/* os-release text: the value of key (quotes removed), or "" when absent. */
void pvh_osrel_get(const char *text, size_t len, const char *key, char *out, size_t out_size);

#endif

/*
 * The machine as QEMU described it to the hostile loader (QEMU's start
 * info is trusted: it is QEMU's), and the loader's access to memory:
 * every write of a case goes through poke()/fill(), which skip what is
 * not plain RAM below 4 GiB or belongs to the loader or the loaded
 * image, so a case can name any address and still write only its own
 * scratch memory.
 */
#ifndef HOSTILE_MACHINE_H
#define HOSTILE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/start_info.h>

#define QEMU_MAP_MAX 64
#define QEMU_CMDLINE_MAX 255

struct machine {
    struct hvm_memmap_table_entry map[QEMU_MAP_MAX]; /* QEMU's memory map */
    unsigned nr_map;
    uint64_t rsdp;
    uint32_t low_end;     /* end of the RAM that starts at 0 */
    uint32_t ram_end;     /* end of the RAM region that holds 1 MiB */
    uint32_t module_base, module_size; /* QEMU's one module: the image to load */
    char cmdline[QEMU_CMDLINE_MAX + 1];
    uint32_t image_lo, image_hi;   /* the loaded image's PT_LOAD extent */
    uint32_t entry;                /* its XEN_ELFNOTE_PHYS32_ENTRY */
};

extern struct machine M;

/* Copy what QEMU's start info says into M (fails the boot if it is not one). */
void machine_read_qemu(uint32_t start_info_pa);

/* Bytes from pa on (at most len) that a case may write: 0 if pa is not. */
uint32_t writable_run(uint64_t pa, uint64_t len);

/* Writes clipped to writable memory (see above). */
void poke(uint64_t pa, const void *src, uint32_t len);
void poke_string(uint64_t pa, const char *s);
void fill(uint64_t pa, uint32_t len, uint8_t byte);
/* Bytes that depend on seed and position, so that CRCs tell modules apart. */
void fill_pattern(uint64_t pa, uint32_t len, uint32_t seed);

/* Is [pa, pa + len) RAM (QEMU's map) below 4 GiB, readable by the loader? */
bool readable(uint64_t pa, uint64_t len);

/* RAM above 4 GiB (QEMU -m 5G on pc: 0x100000000-0x17fffffff), which the
 * loader reaches through PAE paging switched on around each access. poke()
 * writes there too; 0 from high_ram_base() when there is none. */
uint64_t high_ram_base(void);
uint64_t high_ram_end(void);
/* readable(), and RAM above 4 GiB too. */
bool readable_any(uint64_t pa, uint64_t len);
/* Copy len bytes at pa (anywhere readable_any() allows) to dst. */
void peek(uint64_t pa, void *dst, uint32_t len);
/* CRC-32 of the len bytes at pa, below or above 4 GiB. */
uint32_t crc32_any(uint64_t pa, uint32_t len);

/*
 * The NUL-terminated string at pa as a reader that stops at the end of
 * readable memory sees it: its length (at most max), or -1 when no NUL
 * comes first.
 */
int32_t string_length_at(uint64_t pa, uint32_t max);

/* The RSDP where a BIOS leaves it: the first KiB of the EBDA (if the
 * word at 0x40e gives a segment above 0x400 and below 640 KiB; the KiB
 * cut at 640 KiB, and none of page 0), then
 * 0xe0000-0xfffff; 0 if none. Read from memory as it is now. */
uint32_t bios_rsdp(void);

/* The value of "<key><hex>" on the loader's cmdline (key such as
 * "reloc=0x"); false if absent, a broken setup if not 1 to 8 lowercase
 * hex digits. */
bool machine_cmdline_hex(const char *key, uint32_t *value);

#endif

/*
 * What a case crafts: the start info (entered with %ebx = si_pa), the
 * memory map and module list it points at, and the strings and module
 * bytes around them. crafted_default() builds a sane layout from
 * QEMU's; a case then changes what it is about, and crafted_commit()
 * writes the structures to their addresses and prints what the image
 * under test is about to be given (see crafted_describe()).
 *
 * The default places (all in RAM, clear of the image at 1 MiB and the
 * loader at 64 MiB):
 */
#ifndef HOSTILE_LAYOUT_H
#define HOSTILE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/start_info.h>

#define SI_PA       0x00800000u /* the start info */
#define MEMMAP_PA   0x00801000u /* the memory map (up to 0x8000 bytes) */
#define MODLIST_PA  0x0080a000u /* the module list (room for 160 entries) */
#define CMDLINE_PA  0x00810000u /* the cmdline */
#define MODCMD_PA   0x00830000u /* module cmdlines, one after another (to 0xa00000) */
#define MOD_DATA    0x01000000u /* module bytes, 64 KiB apart */
#define BIG_PA      0x02000000u /* room for a few MiB: long strings */
#define MOD_STRIDE  0x10000u

#define CRAFTED_MAP_MAX 1100
#define CRAFTED_MODS_MAX 160

struct crafted {
    uint32_t si_pa;           /* %ebx at entry */
    struct hvm_start_info si;
    uint32_t si_bytes;        /* how much of si to write at si_pa (0: none) */
    struct hvm_memmap_table_entry map[CRAFTED_MAP_MAX]; /* written at si.memmap_paddr */
    unsigned nr_map;
    struct hvm_modlist_entry mods[CRAFTED_MODS_MAX];    /* written at si.modlist_paddr */
    unsigned nr_mods;
    uint64_t modcmd_next;     /* where mod_add puts the next module cmdline */
    bool bss_garbage;         /* load the image with its bss not zeroed */
};

void crafted_default(struct crafted *c);

/* A module of size pattern bytes at base (written where writable), with
 * its cmdline (NULL: none) stored in the module cmdline area. Returns
 * its index. The start info's count follows. */
unsigned mod_add(struct crafted *c, uint64_t base, uint64_t size, const char *cmdline);
void mods_clear(struct crafted *c);

/* Memory map entries; the start info's count follows. */
void map_add(struct crafted *c, uint64_t base, uint64_t size, uint32_t type);
void map_clear(struct crafted *c);
/* QEMU's map with every RAM entry cut off at end (the loader's own
 * "end of RAM"); what lies past it is still real, writable RAM. */
void map_qemu_ram_until(struct crafted *c, uint64_t end);

/* Put s at pa and make it the cmdline. */
void set_cmdline(struct crafted *c, uint64_t pa, const char *s);

/* Write the structures, print the description, return %ebx. */
uint32_t crafted_commit(struct crafted *c, const char *name);

#endif

/* Attributes pvhboot's C relies on, named for what they mean here. */
#ifndef PVH_COMMON_COMPILER_H
#define PVH_COMMON_COMPILER_H

/* Storage written before it is read: kept out of .bss, which x86_start()
 * zeroes (a cost per byte, paid on every boot). The linker script puts
 * .noinit after .bss, inside the image's memory size. */
#define PVH_NOINIT __attribute__((section(".noinit.pvh")))

/* Late storage: written before it is read, like PVH_NOINIT, and touched
 * only from pvh_main() on. On x86 it lies past __image_end, outside the
 * 2 MiB the entry and PT0 map (the image itself must fit in 1 MiB), and
 * is mapped with the rest of RAM by x86_paging_finish(); before that an
 * access faults. The firmware's big planner state lives here. On arm64
 * the linker script keeps it with .noinit. The name starts with .sbss
 * only so that the compiler makes the section NOBITS (as it does for
 * .bss and .noinit, not for other names): otherwise its zeroes would be
 * stored in every object and in libpvhboot.a. Neither architecture has
 * a small-data .sbss of its own. */
#define PVH_LATE __attribute__((section(".sbss.late.pvh")))

/* A helper -Os would otherwise call: in an inner loop (a call and a return
 * for each byte of a cmdline cost more than the test itself), or one
 * whose out-of-line copy exists only for the host tests. */
#define PVH_INLINE static inline __attribute__((always_inline))

#endif

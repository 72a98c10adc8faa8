/* Attributes pvhboot's C relies on, named for what they mean here. */
#ifndef PVH_COMMON_COMPILER_H
#define PVH_COMMON_COMPILER_H

/* Storage written before it is read: kept out of .bss, which the entry
 * zeroes (a cost per byte, paid on every boot). The linker script puts
 * .noinit after .bss, inside the image's memory size. */
#define PVH_NOINIT __attribute__((section(".noinit.pvh")))

#endif

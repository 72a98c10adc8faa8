/*
 * The parts a program gets when it names none itself: all of them
 * (include/pvhboot/parts.h). The linker script asks for pvh_parts, so
 * this member of libpvhboot.a is linked exactly when the program does
 * not define the list with PVHBOOT_PARTS().
 */
#include <pvhboot/parts.h>

PVHBOOT_PARTS(PVH_PART_XEN, PVH_PART_ACPI_POWEROFF, PVH_PART_CPU_LIST);

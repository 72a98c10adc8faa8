/* Everything a unikernel linked with pvhboot may use. */
#ifndef PVHBOOT_PVHBOOT_H
#define PVHBOOT_PVHBOOT_H

#include <pvhboot/boot.h>
#include <pvhboot/clock.h>
#include <pvhboot/console.h>
#include <pvhboot/cpu.h>
#include <pvhboot/crc32.h>
#include <pvhboot/parts.h>
#include <pvhboot/power.h>
#include <pvhboot/string.h>

#endif

/*
 * Filling free RAM with a pattern, for the test that pvhboot writes
 * nowhere outside its own memory: every 32-bit word in the page at P
 * holds FILL_WORD(P). The loader fills every writable byte (see
 * machine.h) and prints each filled range:
 *   hostile: filled 0x<first>-0x<last>
 * The boot test reads guest memory back after the image under test has
 * powered off and checks the pattern is still there.
 */
#ifndef HOSTILE_FILL_H
#define HOSTILE_FILL_H

#include <stdint.h>

#define FILL_WORD(page) (0xc3000000u | ((page) >> 12))

void fill_free_ram(void);

/* Print "hostile: written 0x<first>-0x<last> crc32 0x<x>" for a range a
 * case wrote after the fill (its bytes as they are now). */
void describe_written(uint32_t first, uint32_t last);

#endif

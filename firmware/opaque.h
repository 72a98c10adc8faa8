/*
 * PVH_OPAQUE(p): the pointer p itself, passed through a register the
 * compiler cannot see into. For size only; the value is unchanged. Two
 * uses:
 *  - a field of a large structure (struct pvh_fw) reached through it is
 *    addressed by a short offset from that register (one byte on x86)
 *    instead of a four-byte offset or absolute address;
 *  - a local structure filled through it stays in memory, instead of
 *    being split into scalars that are put back together to copy it out.
 */
#ifndef PVH_FIRMWARE_OPAQUE_H
#define PVH_FIRMWARE_OPAQUE_H

#define PVH_OPAQUE(p) __extension__({ __typeof__(p) opaque_ = (p); __asm__("" : "+r"(opaque_)); opaque_; })

#endif

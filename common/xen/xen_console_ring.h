/*
 * Writing to a domU's PV console ring (struct xencons_interface): the
 * guest produces into out[], the backend (xenconsoled, or Xen itself)
 * consumes. Architecture-neutral and host-testable: the caller supplies
 * how to notify the backend and how to wait for it.
 *
 * Xen 4.21's toolstack marks a new domain's ring DISCONNECTED until
 * xenconsoled serves it (with hyperlaunch a domain may run long before
 * that). Nobody drains a disconnected ring: while the flag says so,
 * output goes to the fallback instead (Xen's console_io), and to the
 * ring again once the backend has connected.
 */
#ifndef PVH_COMMON_XEN_CONSOLE_RING_H
#define PVH_COMMON_XEN_CONSOLE_RING_H

#include <stdbool.h>
#include <stddef.h>

#include <xen/console.h>

struct pvh_xencons {
    volatile struct xencons_interface *ring;
    void (*notify)(void *ctx);  /* tell the backend there is output */
    /* Let the backend run; false when it has stopped consuming for good. */
    bool (*wait)(void *ctx);
    void *ctx;
    /* Where output goes while the ring reads disconnected; NULL: dropped. */
    void (*fallback)(const char *buf, size_t len);
    bool broken; /* the backend stopped or corrupted the ring: output is dropped */
};

/* Queue len bytes, waiting for room when the ring is full; while the
 * ring reads disconnected, hand them to the fallback instead. Returns
 * the bytes queued or handed over (all of them unless the backend is
 * broken). */
size_t pvh_xencons_write(struct pvh_xencons *c, const char *buf, size_t len);

/* Wait until the backend has consumed everything queued (at once when
 * the ring reads disconnected: nobody would). */
bool pvh_xencons_flush(struct pvh_xencons *c);

#endif

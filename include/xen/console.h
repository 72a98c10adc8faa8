/*
 * The PV console ring a domU shares with its console backend (Xen
 * public ABI, io/console.h). The guest produces into out[] and
 * consumes from in[]; indices run freely and are reduced modulo the
 * ring size on use.
 */
#ifndef XEN_CONSOLE_H
#define XEN_CONSOLE_H

#include <stdint.h>

typedef uint32_t XENCONS_RING_IDX;

#define XENCONS_IN_SIZE  1024
#define XENCONS_OUT_SIZE 2048

struct xencons_interface {
    char in[XENCONS_IN_SIZE];   /* backend to guest */
    char out[XENCONS_OUT_SIZE]; /* guest to backend */
    XENCONS_RING_IDX in_cons, in_prod;
    XENCONS_RING_IDX out_cons, out_prod; /* out_cons: backend's; out_prod: ours */
    /* Xen 4.21 on: whether the backend services the ring. The toolstack
     * writes DISCONNECTED when it builds the domain, xenconsoled writes
     * CONNECTED once it serves the ring; older toolstacks leave the
     * page zero, which reads as CONNECTED. */
    uint8_t connection;
};
#define XENCONSOLE_CONNECTED    0
#define XENCONSOLE_DISCONNECTED 1
_Static_assert(__builtin_offsetof(struct xencons_interface, out) == 1024, "out offset");
_Static_assert(__builtin_offsetof(struct xencons_interface, out_cons) == 3080, "out_cons offset");
_Static_assert(__builtin_offsetof(struct xencons_interface, connection) == 3088,
               "connection offset");
_Static_assert(sizeof(struct xencons_interface) == 3092, "xencons_interface size");

#endif

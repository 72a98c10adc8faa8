/* HYPERVISOR_event_channel_op (Xen public ABI, event_channel.h). */
#ifndef XEN_EVENT_CHANNEL_H
#define XEN_EVENT_CHANNEL_H

#include <stdint.h>

typedef uint32_t evtchn_port_t;

#define EVTCHNOP_send 4 /* arg: struct evtchn_send */

struct evtchn_send {
    evtchn_port_t port; /* IN: the local port to notify the remote end of */
};
_Static_assert(sizeof(struct evtchn_send) == 4, "evtchn_send size");

#endif

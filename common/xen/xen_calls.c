/*
 * Typed wrappers of the hypercalls pvhboot uses, over the
 * architecture's pvh_arch_hypercall(), and the probe of what Xen is
 * and offers.
 */
#include <pvhboot/xen.h>
#include <xen/features.h>
#include <xen/version.h>
#include <xen/xen.h>

#include "common/lib/string.h"
#include "common/xen/xen.h"

static uint64_t ptr(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

long xen_version(int cmd, void *arg)
{
    return pvh_arch_hypercall(__HYPERVISOR_xen_version, (uint64_t)cmd, ptr(arg), 0);
}

long xen_memory_op(unsigned long cmd, void *arg)
{
    return pvh_arch_hypercall(__HYPERVISOR_memory_op, cmd, ptr(arg), 0);
}

long xen_console_io(int cmd, int count, const char *buf)
{
    return pvh_arch_hypercall(__HYPERVISOR_console_io, (uint64_t)cmd, (uint64_t)count, ptr(buf));
}

long xen_sched_op(int cmd, void *arg)
{
    return pvh_arch_hypercall(__HYPERVISOR_sched_op, (uint64_t)cmd, ptr(arg), 0);
}

long xen_hvm_op(unsigned long op, void *arg)
{
    return pvh_arch_hypercall(__HYPERVISOR_hvm_op, op, ptr(arg), 0);
}

long xen_event_channel_op(int cmd, void *arg)
{
    return pvh_arch_hypercall(__HYPERVISOR_event_channel_op, (uint64_t)cmd, ptr(arg), 0);
}

long xen_vcpu_op(int cmd, unsigned vcpu, void *arg)
{
    return pvh_arch_hypercall(__HYPERVISOR_vcpu_op, (uint64_t)cmd, vcpu, ptr(arg));
}

int pvh_xen_probe(struct pvh_hypervisor *hv, struct pvh_error *err)
{
    char extra[XEN_EXTRAVERSION_LEN];
    long version = xen_version(XENVER_version, NULL);
    unsigned i;

    if (version < 0)
        return pvh_fail(err, PVH_EINVAL, "XENVER_version: error %ld", version);
    hv->version_major = (uint32_t)version >> 16;
    hv->version_minor = (uint32_t)version & 0xffff;

    memset(extra, 0, sizeof(extra));
    if (xen_version(XENVER_extraversion, extra) < 0)
        extra[0] = '\0';
    extra[sizeof(extra) - 1] = '\0'; /* Xen fills all 16 bytes; never trust a terminator */
    memcpy(hv->xen_extraversion, extra, sizeof(hv->xen_extraversion));

    /* Submaps until Xen refuses one: today it answers only submap 0. */
    hv->xen_feature_submaps = 0;
    for (i = 0; i < PVH_XENFEAT_SUBMAPS; i++) {
        struct xen_feature_info fi = { .submap_idx = i };

        if (xen_version(XENVER_get_features, &fi) < 0)
            break;
        hv->xen_features[i] = fi.submap;
        hv->xen_feature_submaps = i + 1;
    }
    return PVH_OK;
}

/* Xen takes the bytes in one call each; large writes go in pieces. */
#define CONSOLE_IO_CHUNK 1024

static void console_io_write(const char *buf, size_t len)
{
    while (len) {
        int chunk = len > CONSOLE_IO_CHUNK ? CONSOLE_IO_CHUNK : (int)len;

        if (xen_console_io(CONSOLEIO_write, chunk, buf) < 0)
            return;
        buf += chunk;
        len -= (size_t)chunk;
    }
}

const struct pvh_console pvh_xen_console_io = { "xen-console-io", console_io_write, NULL };

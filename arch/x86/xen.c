/*
 * Running under Xen on x86: what pvhboot asks of Xen once hypercalls
 * work. The memory map when the start info has none (PVH dom0 gets
 * version 0), Xen's version and features and the image's feature
 * policy, the consoles Xen offers, and shutdown.
 */
#include <pvhboot/console.h>
#include <pvhboot/parts.h>
#include <pvhboot/xen.h>
#include <xen/console.h>
#include <xen/e820.h>
#include <xen/event_channel.h>
#include <xen/hvm.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/start_info.h>
#include <xen/xen.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/boot/options.h"
#include "common/xen/xen.h"
#include "common/xen/xen_console_ring.h"

#ifndef PVH_XEN_HYPERCALL_PAGE
#define PVH_XEN_HYPERCALL_PAGE 0 /* the build's default: direct VMCALL/VMMCALL */
#endif

/* Naming it links this file and what it calls: the Xen part
 * (include/pvhboot/parts.h). */
const char pvh_part_xen = 1;
const _Bool pvh_xen_linked = 1;

/* One entry more than pvhboot accepts: Xen silently writes no more than
 * the buffer holds, so a full buffer could hide a longer map. */
static struct xen_e820_entry e820[PVH_MEMMAP_IN_MAX + 1]
    __attribute__((section(".noinit.xen_e820")));

int x86_xen_memory_map(struct pvh_boot_store *st, struct pvh_error *err)
{
    struct xen_memory_map map = { .nr_entries = PVH_MEMMAP_IN_MAX + 1,
                                  .buffer = (uint64_t)(uintptr_t)e820 };
    long rc = xen_memory_op(XENMEM_memory_map, &map);
    unsigned i;

    if (rc < 0)
        return pvh_fail(err, PVH_EINVAL, "XENMEM_memory_map: error %ld", rc);
    if (!map.nr_entries)
        return pvh_fail(err, PVH_ENOENT, "XENMEM_memory_map: %u entries", map.nr_entries);
    if (map.nr_entries > PVH_MEMMAP_IN_MAX)
        return pvh_fail(err, PVH_E2BIG, "XENMEM_memory_map: more than %u entries",
                        PVH_MEMMAP_IN_MAX);
    for (i = 0; i < map.nr_entries; i++)
        st->raw[i] = (struct pvh_region){ e820[i].addr, e820[i].size, e820[i].type, 0 };
    st->nr_raw = map.nr_entries;
    return PVH_OK;
}


/* --- The PV console ring: a domU's console, served by xenconsoled ------- */

/* How many times to yield to the backend without seeing it consume
 * before deciding it is gone (then output is dropped, never hung on). */
#define RING_WAIT_YIELDS 100000

static struct pvh_xencons ring;
static struct evtchn_send ring_port;

static void ring_notify(void *ctx)
{
    (void)ctx;
    xen_event_channel_op(EVTCHNOP_send, &ring_port);
}

static bool ring_wait(void *ctx)
{
    XENCONS_RING_IDX cons = ring.ring->out_cons;

    (void)ctx;
    for (unsigned i = 0; i < RING_WAIT_YIELDS; i++) {
        xen_sched_op(SCHEDOP_yield, NULL);
        if (ring.ring->out_cons != cons)
            return true;
    }
    return false;
}

static void ring_write(const char *buf, size_t len)
{
    pvh_xencons_write(&ring, buf, len);
}

static void ring_flush(void)
{
    pvh_xencons_flush(&ring);
}

static const struct pvh_console ring_console = { "xen-pv-console", ring_write, ring_flush };

static bool hvm_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };

    if (xen_hvm_op(HVMOP_get_param, &p) < 0)
        return false;
    *value = p.value;
    return true;
}

/* A page Xen shares with this domain (console or xenstore ring): never
 * RAM to us or to a kernel we hand over to. Usually Xen puts them in a
 * reserved hole already; when a map says RAM there, it is corrected. */
static void reserve_shared_page(struct pvh_boot_store *st, uint32_t param, const char *what)
{
    struct pvh_error err;
    uint64_t pfn;

    if (!hvm_param(param, &pfn) || !pfn || pfn >> 52)
        return;
    if (!pvh_memmap_covers(&st->map, pfn << 12, X86_PAGE_SIZE, PVH_TYPE_BIT(E820_TYPE_RAM)))
        return;
    if (pvh_memmap_reserve(&st->map, pfn << 12, X86_PAGE_SIZE, &err))
        pvh_info("warning: Xen's %s page 0x%llx is RAM in the map and stays so: %s", what,
                 (unsigned long long)(pfn << 12), err.msg);
}

static bool pv_console_open;

/* A domU's PV console, opened as soon as hypercalls work so that even a
 * refused boot description is reported where `xl console` and
 * xenconsoled look (the 0xe9 port reaches only Xen's own log, and only
 * with guest_loglvl=all). dom0 has no console page: Xen's console_io
 * serves it. */
void x86_xen_open_pv_console(void)
{
    uint64_t pfn, port, pa;

    if (pv_console_open)
        return;
    if (!hvm_param(HVM_PARAM_CONSOLE_PFN, &pfn) || !pfn ||
        !hvm_param(HVM_PARAM_CONSOLE_EVTCHN, &port))
        return;
    pa = pfn << 12;
    if (pfn >> 52 || !x86_paging_map(pa, X86_PAGE_SIZE, X86_MAP_SHARED)) {
        pvh_info("warning: PV console page at 0x%llx is not mapped; not using it",
                 (unsigned long long)pa);
        return;
    }
    /* Until xenconsoled connects (Xen 4.21 marks a new ring so), lines go
     * to Xen's console_io: Xen's log where the hypervisor allows a domU
     * that (debug builds), dropped where it does not. */
    ring = (struct pvh_xencons){ .ring = (volatile struct xencons_interface *)(uintptr_t)pa,
                                 .notify = ring_notify, .wait = ring_wait,
                                 .fallback = pvh_xen_console_io.write };
    ring_port.port = (evtchn_port_t)port;
    pvh_console_register(&ring_console);
    pv_console_open = true;
    /* One console per domain, as for dom0: the ring is the domU's
     * (xenconsoled, `xl console`); 0xe9 reached only Xen's log, one trap
     * per byte. */
    x86_debugcon_unregister();
}

/* --- Bring-up after the boot description is known ------------------------ */

int x86_xen_setup(struct pvh_boot_store *st, struct pvh_error *err)
{
    struct pvh_hypervisor *hv = &st->boot.hv;
    int rc;

    /* The cmdline may pick the other hypercall method than the build's
     * (pvhboot.xen_hypercall=page|direct). */
    if (pvh_option_is(st->cmdline, "xen_hypercall", PVH_XEN_HYPERCALL_PAGE ? "direct" : "page")) {
        rc = x86_xen_hypercall_init(hv, !PVH_XEN_HYPERCALL_PAGE, err);
        if (rc)
            return rc;
    }
    rc = pvh_xen_probe(hv, err);
    if (rc)
        return rc;
    pvh_xen_set_hypervisor(hv);

    /* dom0 writes to Xen's console; a domU to its PV console ring. The
     * 0xe9 port served until now; for dom0 console_io replaces it (both
     * would print every line twice on Xen's console). */
    if (st->boot.start_flags & SIF_INITDOMAIN) {
        pvh_console_register(&pvh_xen_console_io);
        x86_debugcon_unregister();
    } else {
        reserve_shared_page(st, HVM_PARAM_CONSOLE_PFN, "console ring");
        reserve_shared_page(st, HVM_PARAM_STORE_PFN, "xenstore ring");
        x86_xen_open_pv_console();
    }
    return pvh_xen_check_features(hv, pvh_xen_required_features, pvh_xen_supported_features,
                                  pvh_xen_note_absent, err);
}

/* Returns only if Xen did not take the shutdown, or hypercalls are not
 * set up (not under Xen). Under Xen this must not fall through to the
 * halt: a PVH vCPU that halts with interrupts off is taken down by Xen,
 * and a domain whose vCPUs are all down is shut down as a *poweroff*,
 * which would hide a failure from the toolstack. */
void x86_xen_shutdown(unsigned reason)
{
    struct sched_shutdown s = { .reason = reason };

    pvh_console_flush();
    xen_sched_op(SCHEDOP_shutdown, &s);
}

/*
 * Running under Xen on arm64, once the MMU is on (Xen reads hypercall
 * arguments through cacheable mappings, so they must not be written
 * with our caches off): Xen's version and features and the image's
 * feature policy, Xen's console when there is no UART, and shutdown.
 */
#include <pvhboot/console.h>
#include <pvhboot/parts.h>
#include <pvhboot/xen.h>
#include <xen/sched.h>
#include <xen/xen.h>

#include "arch/arm64/arch.h"
#include "common/boot/boot_store.h"
#include "common/xen/xen.h"

/* The Xen part's marker (include/pvhboot/parts.h). On arm64 the start
 * code still calls Xen support directly, so it is linked either way. */
const char pvh_part_xen = 1;
const _Bool pvh_xen_linked = 1;

static bool xen_ready;


int arm64_xen_setup(struct pvh_boot_store *st, struct pvh_error *err)
{
    struct pvh_hypervisor *hv = &st->boot.hv;
    int rc;

    arm64_hypercalls_enable();
    xen_ready = true;
    /* dom0 has no UART (Xen hides it) and writes to Xen's console; a
     * dom0less domU has its vpl011. Never both: every line would show
     * twice on Xen's console. */
    if (!arm64_uart_present())
        pvh_console_register(&pvh_xen_console_io);
    rc = pvh_xen_probe(hv, err);
    if (rc)
        return rc;
    pvh_xen_set_hypervisor(hv);
    return pvh_xen_check_features(hv, pvh_xen_required_features, pvh_xen_supported_features,
                                  pvh_xen_note_absent, err);
}

/* Returns only if Xen did not take the shutdown (or is not there). */
void arm64_xen_shutdown(unsigned reason)
{
    static struct sched_shutdown s;

    if (!xen_ready)
        return;
    pvh_console_flush();
    s.reason = reason;
    xen_sched_op(SCHEDOP_shutdown, &s);
}

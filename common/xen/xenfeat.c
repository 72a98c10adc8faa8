/* XENFEAT bits: their names, and the policy on what Xen granted. */
#include <pvhboot/console.h>
#include <pvhboot/xen.h>
#include <xen/features.h>

#include "common/lib/string.h"
#include "common/xen/xen.h"

/* The names of bits 0 to XENFEAT_LAST one after another, each ended by a
 * NUL (the last by the string's own): no table of pointers. */
#define XENFEAT_LAST XENFEAT_dm_msix_all_writes
static const char names[] =
    "writable_page_tables\0writable_descriptor_tables\0auto_translated_physmap\0"
    "supervisor_mode_kernel\0pae_pgdir_above_4gb\0mmu_pt_update_preserve_ad\0"
    "highmem_assist\0gnttab_map_avail_bits\0hvm_callback_vector\0hvm_safe_pvclock\0"
    "hvm_pirqs\0dom0\0grant_map_identity\0memory_op_vnode_supported\0ARM_SMCCC_supported\0"
    "linux_rsdp_unrestricted\0not_direct_mapped\0direct_mapped\0runstate_phys_area\0"
    "vcpu_time_phys_area\0dm_msix_all_writes";
_Static_assert(XENFEAT_LAST == 20 && XENFEAT_dom0 == 11 && XENFEAT_direct_mapped == 17,
               "names lists the bits in order");

const char *pvh_xenfeat_name(unsigned int bit)
{
    const char *s = names;

    if (bit > XENFEAT_LAST)
        return NULL;
    for (; bit; bit--)
        s += strlen(s) + 1;
    return s;
}

/* A bit's name, or "bitN" (written into buf) for one without a name. */
static const char *name_or_number(unsigned bit, char buf[16])
{
    const char *name = pvh_xenfeat_name(bit);

    if (name)
        return name;
    pvh_snprintf(buf, 16, "bit%u", bit);
    return buf;
}

static const struct pvh_hypervisor *booted_hv;

void pvh_xen_set_hypervisor(const struct pvh_hypervisor *hv)
{
    booted_hv = hv;
}

bool pvh_xen_has_feature(unsigned int feature)
{
    unsigned map = feature / 32;

    return booted_hv && booted_hv->kind == PVH_HV_XEN && map < booted_hv->xen_feature_submaps &&
           (booted_hv->xen_features[map] >> (feature % 32) & 1);
}

size_t pvh_xenfeat_format(char *buf, size_t size, const uint32_t *maps, unsigned n)
{
    size_t used = 0;
    unsigned bit;

    if (size)
        buf[0] = '\0';
    for (bit = 0; bit < n * 32; bit++) {
        char number[16];
        size_t room = used < size ? size - used : 0;

        if (maps[bit / 32] >> (bit % 32) & 1)
            used += pvh_snprintf(buf + (room ? used : 0), room, "%s%s", used ? " " : "",
                                 name_or_number(bit, number));
    }
    return used;
}

void pvh_xen_note_absent(unsigned bit)
{
    char number[16];

    pvh_info("note: Xen does not offer supported feature %s", name_or_number(bit, number));
}

int pvh_xen_check_features(const struct pvh_hypervisor *hv, uint32_t required,
                           uint32_t supported, void (*note)(unsigned bit),
                           struct pvh_error *err)
{
    uint32_t granted = hv->xen_feature_submaps ? hv->xen_features[0] : 0;
    unsigned bit;

    for (bit = 0; bit < 32; bit++) {
        char number[16];

        if ((required & ~granted) >> bit & 1)
            return pvh_fail(err, PVH_ENOENT, "Xen lacks required feature %s",
                            name_or_number(bit, number));
    }
    /* XENFEAT_dom0 names a role, not a capability: every domU lacks it, so
     * its absence is no news to the one who reads the console. */
    supported &= ~(1u << XENFEAT_dom0);
    for (bit = 0; bit < 32; bit++)
        if ((supported & ~required & ~granted) >> bit & 1)
            note(bit);
    return PVH_OK;
}

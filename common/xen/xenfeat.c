/* XENFEAT bits: their names, and the policy on what Xen granted. */
#include <pvhboot/console.h>
#include <pvhboot/xen.h>
#include <xen/features.h>

#include "common/lib/string.h"
#include "common/xen/xen.h"

#define NAME(feature) [XENFEAT_##feature] = #feature

static const char *const names[] = {
    NAME(writable_page_tables),
    NAME(writable_descriptor_tables),
    NAME(auto_translated_physmap),
    NAME(supervisor_mode_kernel),
    NAME(pae_pgdir_above_4gb),
    NAME(mmu_pt_update_preserve_ad),
    NAME(highmem_assist),
    NAME(gnttab_map_avail_bits),
    NAME(hvm_callback_vector),
    NAME(hvm_safe_pvclock),
    NAME(hvm_pirqs),
    NAME(dom0),
    NAME(grant_map_identity),
    NAME(memory_op_vnode_supported),
    NAME(ARM_SMCCC_supported),
    NAME(linux_rsdp_unrestricted),
    NAME(not_direct_mapped),
    NAME(direct_mapped),
    NAME(runstate_phys_area),
    NAME(vcpu_time_phys_area),
    NAME(dm_msix_all_writes),
};

const char *pvh_xenfeat_name(unsigned int bit)
{
    return bit < sizeof(names) / sizeof(names[0]) ? names[bit] : NULL;
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
        const char *name = pvh_xenfeat_name(bit);
        size_t room = used < size ? size - used : 0;

        if (!(maps[bit / 32] >> (bit % 32) & 1))
            continue;
        if (name)
            used += pvh_snprintf(buf + (room ? used : 0), room, "%s%s", used ? " " : "", name);
        else
            used += pvh_snprintf(buf + (room ? used : 0), room, "%sbit%u", used ? " " : "", bit);
    }
    return used;
}

void pvh_xen_note_absent(unsigned bit)
{
    const char *name = pvh_xenfeat_name(bit);

    if (name)
        pvh_info("note: Xen does not offer supported feature %s", name);
    else
        pvh_info("note: Xen does not offer supported feature bit%u", bit);
}

int pvh_xen_check_features(const struct pvh_hypervisor *hv, uint32_t required,
                           uint32_t supported, void (*note)(unsigned bit),
                           struct pvh_error *err)
{
    uint32_t granted = hv->xen_feature_submaps ? hv->xen_features[0] : 0;
    unsigned bit;

    for (bit = 0; bit < 32; bit++) {
        const char *name = pvh_xenfeat_name(bit);
        uint32_t mask = 1u << bit;

        if ((required & mask) && !(granted & mask)) {
            if (name)
                return pvh_fail(err, PVH_ENOENT, "Xen lacks required feature %s", name);
            return pvh_fail(err, PVH_ENOENT, "Xen lacks required feature bit%u", bit);
        }
    }
    /* XENFEAT_dom0 names a role, not a capability: every domU lacks it, so
     * its absence is no news to the one who reads the console. */
    supported &= ~(1u << XENFEAT_dom0);
    for (bit = 0; bit < 32; bit++)
        if ((supported & ~required & ~granted) >> bit & 1)
            note(bit);
    return PVH_OK;
}

/* pvh_hypervisor_identify: naming a hypervisor from its CPUID signature. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/boot/hypervisor.h"
#include "tests/unit/support.h"

/* A struct pvh_hypervisor full of garbage, so a field left unset shows. */
static void poison(struct pvh_hypervisor *hv)
{
    memset(hv, 0x5a, sizeof(*hv));
    hv->name = NULL;
}

/* sig is exactly 12 bytes (not NUL-terminated in the CPUID registers). */
static void check_known(const char sig[12], enum pvh_hv_kind kind, const char *name,
                        const char *printable)
{
    struct pvh_hypervisor hv;
    char copy[12];

    /* A heap copy of exactly 12 bytes: ASan catches a read of a 13th. */
    char *heap = malloc(12);

    assert_non_null(heap);
    memcpy(heap, sig, 12);
    memcpy(copy, sig, 12);
    poison(&hv);
    assert_true(pvh_hypervisor_identify(&hv, heap));
    assert_int_equal(hv.kind, kind);
    assert_string_equal(hv.name, name);
    assert_int_equal(hv.signature[12], '\0');
    assert_memory_equal(hv.signature, copy, 12);
    assert_string_equal(hv.signature, printable);
    free(heap);
}

static void identifies_xen(void **state)
{
    check_known("XenVMMXenVMM", PVH_HV_XEN, "xen", "XenVMMXenVMM");
}

static void identifies_kvm_with_nul_padding(void **state)
{
    check_known("KVMKVMKVM\0\0\0", PVH_HV_KVM, "kvm", "KVMKVMKVM");
}

static void identifies_tcg(void **state)
{
    check_known("TCGTCGTCGTCG", PVH_HV_TCG, "tcg", "TCGTCGTCGTCG");
}

static void identifies_other_known_hypervisors(void **state)
{
    check_known("Microsoft Hv", PVH_HV_OTHER, "hyperv", "Microsoft Hv");
    check_known("VMwareVMware", PVH_HV_OTHER, "vmware", "VMwareVMware");
    check_known("bhyve bhyve ", PVH_HV_OTHER, "bhyve", "bhyve bhyve ");
    check_known("ACRNACRNACRN", PVH_HV_OTHER, "acrn", "ACRNACRNACRN");
    check_known("VBoxVBoxVBox", PVH_HV_OTHER, "virtualbox", "VBoxVBoxVBox");
    check_known(" lrpepyh  vr", PVH_HV_OTHER, "parallels", " lrpepyh  vr");
    check_known("QNXQVMBSQG\0\0", PVH_HV_OTHER, "qnx", "QNXQVMBSQG");
    check_known("Jailhouse\0\0\0", PVH_HV_OTHER, "jailhouse", "Jailhouse");
}

static void unknown_signature_is_other_named_unknown(void **state)
{
    struct pvh_hypervisor hv;

    poison(&hv);
    assert_false(pvh_hypervisor_identify(&hv, "NotAHypervsr"));
    assert_int_equal(hv.kind, PVH_HV_OTHER);
    assert_string_equal(hv.name, "unknown");
    assert_string_equal(hv.signature, "NotAHypervsr");
}

static void near_miss_signature_is_unknown(void **state)
{
    struct pvh_hypervisor hv;

    /* KVM's signature with something after the NULs must not match. */
    poison(&hv);
    assert_false(pvh_hypervisor_identify(&hv, "KVMKVMKVM\0\0x"));
    assert_string_equal(hv.name, "unknown");
    /* Nor one differing in the last byte only. */
    poison(&hv);
    assert_false(pvh_hypervisor_identify(&hv, "XenVMMXenVMX"));
    assert_int_equal(hv.kind, PVH_HV_OTHER);
    assert_string_equal(hv.name, "unknown");
}

static void all_zero_signature_is_unknown_and_empty(void **state)
{
    static const char zero[12];
    struct pvh_hypervisor hv;

    poison(&hv);
    assert_false(pvh_hypervisor_identify(&hv, zero));
    assert_string_equal(hv.name, "unknown");
    assert_string_equal(hv.signature, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identifies_xen),
        cmocka_unit_test(identifies_kvm_with_nul_padding),
        cmocka_unit_test(identifies_tcg),
        cmocka_unit_test(identifies_other_known_hypervisors),
        cmocka_unit_test(unknown_signature_is_other_named_unknown),
        cmocka_unit_test(near_miss_signature_is_unknown),
        cmocka_unit_test(all_zero_signature_is_unknown_and_empty),
    };

    return cmocka_run_group_tests_name("hypervisor", tests, NULL, NULL);
}

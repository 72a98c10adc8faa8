/* common/xen/xenfeat.c: XENFEAT names, formatting, and the feature policy. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <pvhboot/xen.h>
#include <xen/features.h>

#include "common/xen/xen.h"
#include "tests/unit/support.h"

static void names_match_the_abi_numbers(void **state)
{
    assert_string_equal(pvh_xenfeat_name(XENFEAT_writable_page_tables), "writable_page_tables");
    assert_string_equal(pvh_xenfeat_name(XENFEAT_auto_translated_physmap),
                        "auto_translated_physmap");
    assert_string_equal(pvh_xenfeat_name(8), "hvm_callback_vector");
    assert_string_equal(pvh_xenfeat_name(11), "dom0");
    assert_string_equal(pvh_xenfeat_name(14), "ARM_SMCCC_supported");
    assert_string_equal(pvh_xenfeat_name(17), "direct_mapped");
    assert_null(pvh_xenfeat_name(31));
    assert_null(pvh_xenfeat_name(1000));
}

/* Every bit of the table is named, and no two names repeat. */
static void every_defined_bit_has_a_unique_name(void **state)
{
    for (unsigned a = 0; a <= XENFEAT_dm_msix_all_writes; a++) {
        assert_non_null(pvh_xenfeat_name(a));
        for (unsigned b = 0; b < a; b++)
            assert_string_not_equal(pvh_xenfeat_name(a), pvh_xenfeat_name(b));
    }
}

static void format_names_set_bits_and_unknown_ones(void **state)
{
    uint32_t maps[2] = { (1u << 0) | (1u << 11) | (1u << 30), 1u << 3 };
    char buf[128];

    assert_int_equal(pvh_xenfeat_format(buf, sizeof(buf), maps, 2),
                     strlen("writable_page_tables dom0 bit30 bit35"));
    assert_string_equal(buf, "writable_page_tables dom0 bit30 bit35");
}

static void format_truncates_but_reports_full_length(void **state)
{
    uint32_t maps[1] = { (1u << 0) | (1u << 2) };
    char buf[10];
    size_t n = pvh_xenfeat_format(buf, sizeof(buf), maps, 1);

    assert_int_equal(n, strlen("writable_page_tables auto_translated_physmap"));
    assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

static unsigned noted[64], nr_noted;

static void note(unsigned bit)
{
    noted[nr_noted++] = bit;
}

static struct pvh_hypervisor xen_with(uint32_t granted)
{
    struct pvh_hypervisor hv = { .kind = PVH_HV_XEN, .xen_feature_submaps = 1 };

    hv.xen_features[0] = granted;
    return hv;
}

static void required_feature_missing_is_refused_by_name(void **state)
{
    struct pvh_hypervisor hv = xen_with(1u << XENFEAT_auto_translated_physmap);
    struct pvh_error err;
    int rc;

    nr_noted = 0;
    rc = pvh_xen_check_features(&hv, 1u << XENFEAT_writable_descriptor_tables, 0, note, &err);
    assert_error(rc, &err, PVH_ENOENT, "Xen lacks required feature writable_descriptor_tables");
}

static void required_unnamed_bit_is_refused_as_bitN(void **state)
{
    struct pvh_hypervisor hv = xen_with(0);
    struct pvh_error err;

    assert_error(pvh_xen_check_features(&hv, 1u << 29, 0, note, &err), &err, PVH_ENOENT,
                 "Xen lacks required feature bit29");
}

/* Supported but absent: reported once each, and the boot goes on. */
static void supported_absent_features_are_noted(void **state)
{
    uint32_t granted = (1u << 0) | (1u << 2);
    uint32_t supported = (1u << 0) | (1u << 2) | (1u << 8) | (1u << 10);
    struct pvh_hypervisor hv = xen_with(granted);
    struct pvh_error err;

    nr_noted = 0;
    assert_int_equal(pvh_xen_check_features(&hv, 1u << 0, supported, note, &err), PVH_OK);
    assert_int_equal(nr_noted, 2);
    assert_int_equal(noted[0], 8);
    assert_int_equal(noted[1], 10);
}

/* Every domU lacks dom0: an image that can run as either says nothing of it
 * (it used to open every domU boot with a note); one that requires it is
 * still refused. */
static void dom0_absent_is_not_noted_in_a_domu(void **state)
{
    uint32_t granted = (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap);
    uint32_t supported = granted | (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_dom0);
    struct pvh_hypervisor hv = xen_with(granted);
    struct pvh_error err;

    nr_noted = 0;
    assert_int_equal(pvh_xen_check_features(&hv, granted, supported, note, &err), PVH_OK);
    assert_int_equal(nr_noted, 1);
    assert_int_equal(noted[0], XENFEAT_hvm_callback_vector);
    assert_error(pvh_xen_check_features(&hv, 1u << XENFEAT_dom0, supported, note, &err), &err,
                 PVH_ENOENT, "Xen lacks required feature dom0");
}

/* No submap answered: nothing is granted. */
static void no_submaps_means_nothing_granted(void **state)
{
    struct pvh_hypervisor hv = { .kind = PVH_HV_XEN };
    struct pvh_error err;

    assert_error(pvh_xen_check_features(&hv, 1u << 2, 0, note, &err), &err, PVH_ENOENT,
                 "auto_translated_physmap");
}

static void has_feature_reads_the_booted_hypervisor(void **state)
{
    struct pvh_hypervisor hv = xen_with(1u << XENFEAT_dom0);
    struct pvh_hypervisor kvm = { .kind = PVH_HV_KVM, .xen_feature_submaps = 1 };

    pvh_xen_set_hypervisor(NULL);
    assert_false(pvh_xen_has_feature(XENFEAT_dom0));
    pvh_xen_set_hypervisor(&hv);
    assert_true(pvh_xen_has_feature(XENFEAT_dom0));
    assert_false(pvh_xen_has_feature(XENFEAT_hvm_callback_vector));
    assert_false(pvh_xen_has_feature(40)); /* submap 1 was not answered */
    kvm.xen_features[0] = ~0u;
    pvh_xen_set_hypervisor(&kvm);
    assert_false(pvh_xen_has_feature(XENFEAT_dom0)); /* not Xen: nothing */
    pvh_xen_set_hypervisor(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_match_the_abi_numbers),
        cmocka_unit_test(every_defined_bit_has_a_unique_name),
        cmocka_unit_test(format_names_set_bits_and_unknown_ones),
        cmocka_unit_test(format_truncates_but_reports_full_length),
        cmocka_unit_test(required_feature_missing_is_refused_by_name),
        cmocka_unit_test(required_unnamed_bit_is_refused_as_bitN),
        cmocka_unit_test(supported_absent_features_are_noted),
        cmocka_unit_test(dom0_absent_is_not_noted_in_a_domu),
        cmocka_unit_test(no_submaps_means_nothing_granted),
        cmocka_unit_test(has_feature_reads_the_booted_hypervisor),
    };
    return cmocka_run_group_tests_name("xenfeat", tests, NULL, NULL);
}

/*
 * probe: a test unikernel for tests/boot/test_arm64_memory.py. It
 * links the library as hello does and, for each word of its cmdline
 * it knows, touches memory or the CPU the way the word says, then
 * prints what happened. A fault is reported by pvhboot's exception
 * handler ("pvhboot: error: exception ..."), which ends the boot.
 *   probe.read=0x<hex>  read 8 bytes there, print them;
 *   probe.write-text    write into its own code (must fault: W^X);
 *   probe.exec-data     branch into a writable buffer that holds a
 *                       "ret" (must fault: W^X);
 *   probe.features      use what EL2 could trap, for each feature the
 *                       ID registers announce: pointer authentication
 *                       keys, SVE and SME control registers, MTE tag
 *                       control, PMU, the physical counter; print them;
 *   probe.fgt=0x<pfr1>,0x<isar1>,0x<mmfr3>,0x<dfr0>
 *                       print the fine-grained trap values pvhboot's EL2
 *                       set-up (arch/arm64/el2.c) gives a CPU with these
 *                       ID_AA64PFR1/ISAR1/MMFR3/DFR0_EL1 values (QEMU 7.2
 *                       models no CPU with FEAT_FGT).
 * Then "pvhboot: probe done" and a poweroff.
 */
#include <stdint.h>

#include <pvhboot/pvhboot.h>

#include "arch/arm64/el2.h"

#define SYSREG_READ(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " #name : "=r"(v_)); v_; })
#define SYSREG_WRITE(name, v) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(v)))

#define A64_RET 0xd65f03c0u
#define CPACR_FPEN (3ul << 20)
#define CPACR_ZEN  (3ul << 16)
#define CPACR_SMEN (3ul << 24)

/* A "ret" in writable memory: executing it must fault. */
static volatile uint32_t data_code[4] __attribute__((aligned(16))) = { A64_RET };

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* The value of "key" (up to the next space) in s, or NULL. */
static const char *word_value(const char *s, const char *key)
{
    while (*s) {
        const char *k = key;

        while (is_space(*s))
            s++;
        while (*k && *s == *k) {
            s++;
            k++;
        }
        if (!*k)
            return s;
        while (*s && !is_space(*s))
            s++;
    }
    return 0;
}

/* 0x<hex> up to a space, the end, or a comma (then *end is at it). */
static int parse_hex_at(const char *s, uint64_t *out, const char **end)
{
    uint64_t v = 0;
    int n = 0;

    if (s[0] != '0' || s[1] != 'x')
        return 0;
    for (s += 2; *s && !is_space(*s) && *s != ','; s++, n++) {
        unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0') :
                     *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10) : 16;

        if (d == 16 || n == 16)
            return 0;
        v = v << 4 | d;
    }
    *out = v;
    *end = s;
    return n > 0;
}

static int parse_hex(const char *s, uint64_t *out)
{
    const char *end;

    return parse_hex_at(s, out, &end) && *end != ',';
}

/* probe.fgt=: four comma-separated values. */
static void fgt(const char *s)
{
    uint64_t id[4];
    struct arm64_el2_fgt v;
    unsigned i;

    for (i = 0; i < 4; i++) {
        if (!parse_hex_at(s, &id[i], &s) || (i < 3 && *s != ',') || (i == 3 && *s == ','))
            pvh_panic("probe: probe.fgt wants four comma-separated 0x<hex> values");
        s++;
    }
    arm64_el2_fgt_values(id[0], id[1], id[2], id[3], &v);
    pvh_info("probe: fgt hfgrtr 0x%llx hfgwtr 0x%llx hfgitr 0x%llx hdfgrtr 0x%llx hdfgwtr 0x%llx",
             (unsigned long long)v.hfgrtr, (unsigned long long)v.hfgwtr,
             (unsigned long long)v.hfgitr, (unsigned long long)v.hdfgrtr,
             (unsigned long long)v.hdfgwtr);
}

static unsigned field(uint64_t reg, unsigned shift)
{
    return (unsigned)(reg >> shift) & 0xf;
}

static void features(void)
{
    uint64_t pfr0 = SYSREG_READ(id_aa64pfr0_el1), pfr1 = SYSREG_READ(id_aa64pfr1_el1);
    uint64_t isar1 = SYSREG_READ(id_aa64isar1_el1), dfr0 = SYSREG_READ(id_aa64dfr0_el1);

    pvh_printf("pvhboot: probe: features");
    /* Counter: CNTHCTL_EL2.EL1PCTEN. */
    (void)SYSREG_READ(cntpct_el0);
    pvh_printf(" counter");
    /* Pointer authentication keys: HCR_EL2.APK. */
    if (field(isar1, 4) || field(isar1, 8) || field(isar1, 24) || field(isar1, 28)) {
        SYSREG_WRITE(S3_0_C2_C1_0, SYSREG_READ(S3_0_C2_C1_0)); /* APIAKeyLo_EL1 */
        pvh_printf(" pauth");
    }
    /* PMU: MDCR_EL2.TPM/TPMCR. */
    if (field(dfr0, 8) && field(dfr0, 8) != 0xf) {
        (void)SYSREG_READ(pmcr_el0);
        pvh_printf(" pmu");
    }
    /* MTE tag control: HCR_EL2.ATA. */
    if (field(pfr1, 8) >= 2) {
        (void)SYSREG_READ(S3_0_C1_C0_6); /* GCR_EL1 */
        pvh_printf(" mte");
    }
    /* SVE: CPTR_EL2.TZ (and our own CPACR_EL1.ZEN). */
    if (field(pfr0, 32)) {
        SYSREG_WRITE(cpacr_el1, SYSREG_READ(cpacr_el1) | CPACR_FPEN | CPACR_ZEN);
        __asm__ volatile("isb");
        (void)SYSREG_READ(S3_0_C1_C2_0); /* ZCR_EL1 */
        pvh_printf(" sve");
    }
    /* SME: CPTR_EL2.TSM (and CPACR_EL1.SMEN). */
    if (field(pfr1, 24)) {
        SYSREG_WRITE(cpacr_el1, SYSREG_READ(cpacr_el1) | CPACR_FPEN | CPACR_SMEN);
        __asm__ volatile("isb");
        (void)SYSREG_READ(S3_0_C1_C2_6); /* SMCR_EL1 */
        pvh_printf(" sme");
    }
    pvh_printf("\n");
}

void pvh_main(const struct pvh_boot *boot)
{
    const char *v;
    uint64_t addr;

    pvh_info("probe: cmdline \"%pE\"", boot->cmdline);
    if (word_value(boot->cmdline, "probe.features"))
        features();
    v = word_value(boot->cmdline, "probe.fgt=");
    if (v)
        fgt(v);
    v = word_value(boot->cmdline, "probe.read=");
    if (v) {
        if (!parse_hex(v, &addr) || addr % 8)
            pvh_panic("probe: probe.read wants an 8-byte aligned 0x<hex> address");
        pvh_info("probe: reading 0x%llx", (unsigned long long)addr);
        pvh_info("probe: read 0x%llx: 0x%llx", (unsigned long long)addr,
                 (unsigned long long)*(volatile const uint64_t *)(uintptr_t)addr);
    }
    if (word_value(boot->cmdline, "probe.write-text")) {
        volatile uint32_t *text = (volatile uint32_t *)(uintptr_t)&pvh_main;

        pvh_info("probe: writing into the text at 0x%llx", (unsigned long long)(uintptr_t)text);
        *text = *text;
        pvh_info("probe: the text was writable");
    }
    if (word_value(boot->cmdline, "probe.exec-data")) {
        pvh_info("probe: running the data at 0x%llx", (unsigned long long)(uintptr_t)data_code);
        __asm__ volatile("dsb ish\n\tic iallu\n\tdsb ish\n\tisb" ::: "memory");
        ((void (*)(void))(uintptr_t)data_code)();
        pvh_info("probe: the data was executable");
    }
    pvh_info("probe done");
}

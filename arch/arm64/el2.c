/*
 * EL2 as pvhboot leaves it for the code that runs at EL1 below it
 * (pvhboot itself, a unikernel, or a kernel handed over at EL1): no
 * trap for any feature the CPU has, as the Linux arm64 boot protocol
 * (booting.rst) asks of a loader that enters a kernel at EL1. Every
 * feature is read from the ID registers, never assumed from a model.
 *
 * Called from head.S at EL2, before anything else: the MMU is off,
 * the relocations are not applied yet and .bss is not zeroed, so this
 * file touches no global and no pointer, only system registers and
 * its stack.
 *
 * Registers the assembler may not name (newer than ARMv8.0) are
 * written by their encoding, S<op0>_<op1>_C<n>_C<m>_<op2>.
 */
#include "arch/arm64/arch.h"
#include "arch/arm64/el2.h"

#define SYSREG_READ(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " #name : "=r"(v_)); v_; })
#define SYSREG_WRITE(name, v) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(v)))
#define ISB() __asm__ volatile("isb" : : : "memory")

/* ID_AA64MMFR4_EL1 (RAZ on CPUs older than it). A test image
 * (arch/arm64/build.mk: probe-no-e2h0) reads E2H0 as "not implemented",
 * as a CPU with E2H stuck at 1 says: QEMU 7.2 models no such CPU, but
 * lets E2H be set on one with FEAT_VHE, which behaves the same. */
#ifdef ARM64_EL2_TEST_NO_E2H0
#define ID_AA64MMFR4_READ() ((uint64_t)0xf << ID_AA64MMFR4_E2H0_SHIFT)
#else
#define ID_AA64MMFR4_READ() SYSREG_READ(S3_0_C0_C7_4)
#endif

/* The 4-bit ID register field at shift. */
static unsigned field(uint64_t reg, unsigned shift)
{
    return (unsigned)(reg >> shift) & 0xf;
}

/* HCR_EL2: EL1 in AArch64; pointer authentication, MTE tag access and
 * the SCXTNUM registers not trapped where the CPU has them. HVC is
 * left enabled: it is how pvhboot returns to EL2 for the hand-off
 * (vectors.S answers every other call with "not supported"). */
static uint64_t hcr_value(uint64_t pfr0, uint64_t pfr1, uint64_t isar1, uint64_t isar2)
{
    uint64_t hcr = HCR_EL2_RW;

    if (field(isar1, ID_AA64ISAR1_APA_SHIFT) || field(isar1, ID_AA64ISAR1_API_SHIFT) ||
        field(isar1, ID_AA64ISAR1_GPA_SHIFT) || field(isar1, ID_AA64ISAR1_GPI_SHIFT) ||
        field(isar2, ID_AA64ISAR2_APA3_SHIFT) || field(isar2, ID_AA64ISAR2_GPA3_SHIFT))
        hcr |= HCR_EL2_API | HCR_EL2_APK;
    if (field(pfr1, ID_AA64PFR1_MTE_SHIFT) >= 2) /* 1 is EL0 instructions only */
        hcr |= HCR_EL2_ATA;
    if (field(pfr0, ID_AA64PFR0_CSV2_SHIFT) >= 2)
        hcr |= HCR_EL2_ENSCXT;
    return hcr;
}

/* CPTR_EL2: FP/SIMD, SVE, SME, trace and activity monitors all
 * untrapped; then the longest vector lengths for EL1. With E2H set it
 * has CPACR_EL1's layout: enable bits instead of trap bits. */
static void allow_fp_sve_sme(uint64_t pfr0, uint64_t pfr1, bool e2h)
{
    uint64_t cptr = CPTR_EL2_RES1; /* includes TSM: the "SME trap" bit, RES1 without SME */

    if (e2h)
        cptr = CPACR_FPEN | (field(pfr0, ID_AA64PFR0_SVE_SHIFT) ? CPACR_ZEN : 0) |
               (field(pfr1, ID_AA64PFR1_SME_SHIFT) ? CPACR_SMEN : 0);
    if (field(pfr0, ID_AA64PFR0_SVE_SHIFT))
        cptr &= ~CPTR_EL2_TZ;
    if (field(pfr1, ID_AA64PFR1_SME_SHIFT))
        cptr &= ~CPTR_EL2_TSM;
    SYSREG_WRITE(cptr_el2, cptr);
    ISB();
    if (field(pfr0, ID_AA64PFR0_SVE_SHIFT))
        SYSREG_WRITE(S3_4_C1_C2_0, ZCR_ELX_LEN_MAX); /* ZCR_EL2 */
    if (field(pfr1, ID_AA64PFR1_SME_SHIFT)) {
        uint64_t smfr0 = SYSREG_READ(S3_0_C0_C4_5); /* ID_AA64SMFR0_EL1 */
        uint64_t smcr = ZCR_ELX_LEN_MAX;

        if (smfr0 & ID_AA64SMFR0_FA64)
            smcr |= SMCR_ELX_FA64;
        if (field(smfr0, ID_AA64SMFR0_SMEVER_SHIFT))
            smcr |= SMCR_ELX_EZT0;
        SYSREG_WRITE(S3_4_C1_C2_6, smcr); /* SMCR_EL2 */
        if (SYSREG_READ(S3_1_C0_C0_6) & SMIDR_SMPS) /* SMIDR_EL1: priorities mapped */
            SYSREG_WRITE(S3_4_C1_C2_5, 0); /* SMPRIMAP_EL2: all equal */
    }
}

/* MDCR_EL2: EL1 owns every PMU counter, the debug registers, the
 * statistical profiling and trace buffers; nothing traps. BRBCR_EL2
 * lets EL1's branch records carry what it asks for. */
static void allow_debug_pmu(uint64_t dfr0)
{
    unsigned pmu = field(dfr0, ID_AA64DFR0_PMUVER_SHIFT);
    uint64_t mdcr = 0;

    if (pmu && pmu != ID_AA64DFR0_PMUVER_IMPDEF)
        mdcr |= (SYSREG_READ(pmcr_el0) >> PMCR_N_SHIFT) & PMCR_N_MASK; /* HPMN = all */
    if (field(dfr0, ID_AA64DFR0_PMSVER_SHIFT))
        mdcr |= MDCR_EL2_E2PB_EL1;
    if (field(dfr0, ID_AA64DFR0_TRACEBUFFER_SHIFT))
        mdcr |= MDCR_EL2_E2TB_EL1;
    SYSREG_WRITE(mdcr_el2, mdcr);
    /* Branch records: EL2's half of the cycle count and mispredict gates. */
    if (field(dfr0, ID_AA64DFR0_BRBE_SHIFT))
        SYSREG_WRITE(S2_4_C9_C0_0, BRBCR_EL2_CC | BRBCR_EL2_MPRED); /* BRBCR_EL2 */
}

/* HCRX_EL2 (FEAT_HCX): the memory-copy instructions and TCR2_EL1
 * usable at EL1; SMPME clear (no SME priority mapping). */
static void set_hcrx(uint64_t mmfr1, uint64_t isar2, uint64_t mmfr3)
{
    uint64_t hcrx = 0;

    if (!field(mmfr1, ID_AA64MMFR1_HCX_SHIFT))
        return;
    if (field(isar2, ID_AA64ISAR2_MOPS_SHIFT))
        hcrx |= HCRX_EL2_MSCEN;
    if (field(mmfr3, ID_AA64MMFR3_TCRX_SHIFT))
        hcrx |= HCRX_EL2_TCR2EN;
    SYSREG_WRITE(S3_4_C1_C2_2, hcrx); /* HCRX_EL2 */
}

/* Inlined into the one caller the images have (the probe test image
 * calls the global one below): no spill of the five values. */
static inline __attribute__((always_inline)) void fgt_values(uint64_t pfr1, uint64_t isar1,
                                                             uint64_t mmfr3, uint64_t dfr0,
                                                             struct arm64_el2_fgt *fgt)
{
    uint64_t rw = 0, insn = 0, debug = 0;

    if (field(pfr1, ID_AA64PFR1_SME_SHIFT))
        rw |= HFGXTR_NTPIDR2_EL0 | HFGXTR_NSMPRI_EL1;
    if (field(mmfr3, ID_AA64MMFR3_S1PIE_SHIFT))
        rw |= HFGXTR_NPIR_EL1 | HFGXTR_NPIRE0_EL1;
    if (field(mmfr3, ID_AA64MMFR3_S1POE_SHIFT))
        rw |= HFGXTR_NPOR_EL1 | HFGXTR_NPOR_EL0;
    if (field(mmfr3, ID_AA64MMFR3_S2POE_SHIFT))
        rw |= HFGXTR_NS2POR_EL1;
    if (field(mmfr3, ID_AA64MMFR3_AIE_SHIFT))
        rw |= HFGXTR_NMAIR2_EL1 | HFGXTR_NAMAIR2_EL1;
    if (field(pfr1, ID_AA64PFR1_THE_SHIFT))
        rw |= HFGXTR_NRCWMASK_EL1;
    if (field(isar1, ID_AA64ISAR1_LS64_SHIFT) >= ID_AA64ISAR1_LS64_ACCDATA)
        rw |= HFGXTR_NACCDATA_EL1;
    if (field(pfr1, ID_AA64PFR1_GCS_SHIFT)) {
        rw |= HFGXTR_NGCS_EL1 | HFGXTR_NGCS_EL0;
        insn |= HFGITR_NGCSEPP | HFGITR_NGCSSTR_EL1 | HFGITR_NGCSPUSHM_EL1;
    }
    if (field(dfr0, ID_AA64DFR0_BRBE_SHIFT)) {
        insn |= HFGITR_NBRBIALL | HFGITR_NBRBINJ;
        debug |= HDFGXTR_NBRBDATA | HDFGXTR_NBRBCTL;
    }
    if (field(dfr0, ID_AA64DFR0_PMSVER_SHIFT) >= ID_AA64DFR0_PMSVER_V1P2)
        debug |= HDFGXTR_NPMSNEVFR_EL1;
    fgt->hfgrtr = rw;
    fgt->hfgwtr = rw;
    fgt->hfgitr = insn;
    fgt->hdfgrtr = debug | (field(dfr0, ID_AA64DFR0_BRBE_SHIFT) ? HDFGRTR_NBRBIDR : 0);
    fgt->hdfgwtr = debug;
}

void arm64_el2_fgt_values(uint64_t pfr1, uint64_t isar1, uint64_t mmfr3, uint64_t dfr0,
                          struct arm64_el2_fgt *fgt)
{
    fgt_values(pfr1, isar1, mmfr3, dfr0, fgt);
}

/* Fine-grained traps (FEAT_FGT): none for what the CPU has. */
static void clear_fine_grained_traps(uint64_t mmfr0, uint64_t pfr0, uint64_t pfr1, uint64_t isar1,
                                     uint64_t mmfr3, uint64_t dfr0)
{
    struct arm64_el2_fgt fgt;

    if (!field(mmfr0, ID_AA64MMFR0_FGT_SHIFT))
        return;
    fgt_values(pfr1, isar1, mmfr3, dfr0, &fgt);
    SYSREG_WRITE(S3_4_C1_C1_4, fgt.hfgrtr);  /* HFGRTR_EL2 */
    SYSREG_WRITE(S3_4_C1_C1_5, fgt.hfgwtr);  /* HFGWTR_EL2 */
    SYSREG_WRITE(S3_4_C1_C1_6, fgt.hfgitr);  /* HFGITR_EL2 */
    SYSREG_WRITE(S3_4_C3_C1_4, fgt.hdfgrtr); /* HDFGRTR_EL2 */
    SYSREG_WRITE(S3_4_C3_C1_5, fgt.hdfgwtr); /* HDFGWTR_EL2 */
    if (field(pfr0, ID_AA64PFR0_AMU_SHIFT))
        SYSREG_WRITE(S3_4_C3_C1_6, 0); /* HAFGRTR_EL2 */
}

/* GICv3: EL1 may use its system-register interface; no virtual
 * interface (ICH_HCR_EL2) enabled. */
static void allow_gicv3(uint64_t pfr0)
{
    if (!field(pfr0, ID_AA64PFR0_GIC_SHIFT))
        return;
    SYSREG_WRITE(S3_4_C12_C9_5, SYSREG_READ(S3_4_C12_C9_5) | ICC_SRE_EL2_SRE | ICC_SRE_EL2_ENABLE);
    ISB();
    if (SYSREG_READ(S3_4_C12_C9_5) & ICC_SRE_EL2_SRE) /* the write may not stick */
        SYSREG_WRITE(S3_4_C12_C11_0, 0);              /* ICH_HCR_EL2 */
}

/*
 * Whether HCR_EL2.E2H is stuck at 1 on this CPU (no FEAT_E2H0), with hcr
 * (E2H clear) written. The ID register says so where it has the field
 * (a negative E2H0); CPUs older than the field (Apple's) and EL2s
 * emulated without fine-grained traps (nested virtualization) do not
 * say, so the behaviour is tested too: with E2H in force, EL2's
 * FAR_EL1 encoding reaches FAR_EL2.
 */
static bool e2h_stuck(uint64_t hcr)
{
    if (field(ID_AA64MMFR4_READ(), ID_AA64MMFR4_E2H0_SHIFT) & 8) /* signed field */
        return true;
    SYSREG_WRITE(hcr_el2, hcr);
    ISB();
    SYSREG_WRITE(far_el1, 1);
    SYSREG_WRITE(far_el2, 2);
    ISB();
    return SYSREG_READ(far_el1) == 2;
}

void arm64_el2_setup(void)
{
    uint64_t pfr0 = SYSREG_READ(id_aa64pfr0_el1), pfr1 = SYSREG_READ(id_aa64pfr1_el1);
    uint64_t isar1 = SYSREG_READ(id_aa64isar1_el1), isar2 = SYSREG_READ(S3_0_C0_C6_2);
    uint64_t mmfr0 = SYSREG_READ(id_aa64mmfr0_el1), mmfr1 = SYSREG_READ(id_aa64mmfr1_el1);
    uint64_t mmfr3 = SYSREG_READ(S3_0_C0_C7_3), dfr0 = SYSREG_READ(id_aa64dfr0_el1);
    uint64_t hcr = hcr_value(pfr0, pfr1, isar1, isar2);
    bool e2h;

    SYSREG_WRITE(sctlr_el2, SCTLR_EL2_RES1); /* EL2's own MMU and caches stay off */
    /* E2H is written 0 where it can be, else 1: a nested EL2 may
     * ignore the write, and E2H must read as it behaves, since the
     * code below and head.S, secondary.S and vectors.S test it. With E2H
     * = 1, CPTR_EL2 and CNTHCTL_EL2 have their VHE layouts, and EL1's
     * registers are reached by their *_EL12 encodings. */
    if (e2h_stuck(hcr))
        hcr |= HCR_EL2_E2H;
    SYSREG_WRITE(hcr_el2, hcr);
    ISB();
    e2h = SYSREG_READ(hcr_el2) & HCR_EL2_E2H;
    set_hcrx(mmfr1, isar2, mmfr3);
    /* EL1 may use the physical counter and timer; no virtual offset;
     * every other field 0: no event stream, no FEAT_ECV trap. */
    SYSREG_WRITE(cnthctl_el2, (CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN) << (e2h ? CNTHCTL_E2H_SHIFT : 0));
    SYSREG_WRITE(cntvoff_el2, 0);
    allow_debug_pmu(dfr0);
    if (field(mmfr1, ID_AA64MMFR1_LO_SHIFT))
        SYSREG_WRITE(S3_0_C10_C4_3, 0); /* LORC_EL1: no LORegions */
    SYSREG_WRITE(vttbr_el2, 0);         /* no stage 2 */
    SYSREG_WRITE(hstr_el2, 0);          /* no AArch32 CP15 traps */
    allow_gicv3(pfr0);
    /* EL1 reads the real CPU identity. */
    SYSREG_WRITE(vpidr_el2, SYSREG_READ(midr_el1));
    SYSREG_WRITE(vmpidr_el2, SYSREG_READ(mpidr_el1));
    allow_fp_sve_sme(pfr0, pfr1, e2h);
    clear_fine_grained_traps(mmfr0, pfr0, pfr1, isar1, mmfr3, dfr0);
    ISB();
}

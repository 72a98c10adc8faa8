/*
 * AArch64 architecture constants pvhboot uses, from the Arm
 * Architecture Reference Manual (ARM DDI 0487) and the Linux arm64
 * boot protocol (Image header). Shared by the assembly and the C code.
 */
#ifndef PVH_ARM64_ARM64_H
#define PVH_ARM64_ARM64_H

#ifdef __ASSEMBLER__
#define UL(x) x
#else
#define UL(x) x##ul
#endif

/* --- Image header (Linux Documentation/arm64/booting) ----------------- */
#define IMAGE_MAGIC            UL(0x644d5241) /* "ARM\x64", little-endian, at offset 56 */
#define IMAGE_MAGIC_OFFSET     56
#define IMAGE_TEXT_OFFSET_OFF  8
#define IMAGE_SIZE_OFF         16
#define IMAGE_FLAGS_OFF        24
#define IMAGE_HEADER_SIZE      64
#define IMAGE_FLAG_BE          UL(1)          /* bit 0: kernel is big-endian */
#define IMAGE_FLAG_PAGE_SHIFT  1              /* bits 1-2: page size */
#define IMAGE_FLAG_PAGE_MASK   UL(3)
#define IMAGE_FLAG_PAGE_4K     UL(1)
#define IMAGE_FLAG_ANYWHERE    UL(8)          /* bit 3: any 2 MiB-aligned base in RAM */
#define IMAGE_ALIGN            UL(0x200000)   /* the base (image - text_offset) is 2 MiB aligned */

/* --- CurrentEL ---------------------------------------------------------- */
#define CURRENTEL_SHIFT 2
#define CURRENTEL_EL1   1
#define CURRENTEL_EL2   2

/* --- SPSR: the state an ERET returns to --------------------------------- */
#define SPSR_MODE_EL1H UL(0x5)   /* EL1, using SP_EL1 */
#define SPSR_DAIF      UL(0x3c0) /* D, A, I, F masked */
#define SPSR_SP_ELX    UL(0x1)   /* the exception was taken on SP_ELx (EL1h), not SP_EL0 */
#define SPSR_EL_SHIFT  2         /* bits 3:2: the EL it came from */

/* --- HCR_EL2 ------------------------------------------------------------ */
#define HCR_EL2_RW     (UL(1) << 31) /* EL1 runs in AArch64 */
#define HCR_EL2_E2H_SHIFT 34
#define HCR_EL2_E2H    (UL(1) << HCR_EL2_E2H_SHIFT) /* EL2 host mode (VHE): RES1 without FEAT_E2H0 */
#define HCR_EL2_APK    (UL(1) << 40) /* pointer authentication keys: no trap */
#define HCR_EL2_API    (UL(1) << 41) /* pointer authentication instructions: no trap */
#define HCR_EL2_ENSCXT (UL(1) << 53) /* SCXTNUM_ELx: no trap */
#define HCR_EL2_ATA    (UL(1) << 56) /* MTE allocation tags: no trap */

/* The EL1 registers EL2 reaches through their *_EL12 encodings while
 * HCR_EL2.E2H is 1: then the *_EL1 encodings name EL2's own registers. */
#define SCTLR_EL12 S3_5_C1_C0_0
#define ESR_EL12   S3_5_C5_C2_0
#define FAR_EL12   S3_5_C6_C0_0
#define ELR_EL12   S3_5_C4_C0_1
#define SPSR_EL12  S3_5_C4_C0_0
#define VBAR_EL12  S3_5_C12_C0_0

/* --- HCRX_EL2 (FEAT_HCX) ------------------------------------------------ */
#define HCRX_EL2_MSCEN  (UL(1) << 11) /* memory copy/set instructions enabled */
#define HCRX_EL2_TCR2EN (UL(1) << 14) /* TCR2_EL1 enabled */

/* --- SCTLR_EL2 (E2H = 0): MMU and caches off, little-endian ------------- */
#define SCTLR_EL2_RES1 UL(0x30c50830) /* bits 29, 28, 23, 22, 18, 16, 11, 5, 4 */

/* --- CPTR_EL2 (E2H = 0) ------------------------------------------------- */
#define CPTR_EL2_RES1 UL(0x33ff)    /* bits 13:12 and 9:0 */
#define CPTR_EL2_TZ   (UL(1) << 8)  /* trap SVE: cleared when the CPU has SVE */
#define CPTR_EL2_TSM  (UL(1) << 12) /* trap SME (RES1 without SME): cleared when it has SME */
#define ZCR_ELX_LEN_MAX UL(0x1ff)   /* let EL1 use the longest vector length (ZCR, SMCR) */
#define CPACR_FPEN    (UL(3) << 20) /* CPTR_EL2 with E2H = 1: FP/SIMD enabled */
#define CPACR_ZEN     (UL(3) << 16) /* ... SVE enabled */
#define CPACR_SMEN    (UL(3) << 24) /* ... SME enabled */
#define SMCR_ELX_FA64 (UL(1) << 31) /* the full A64 instruction set in streaming mode */
#define SMCR_ELX_EZT0 (UL(1) << 30) /* ZT0 (SME2) usable */
#define SMIDR_SMPS    (UL(1) << 15) /* SME priority mapping implemented */

/* --- MDCR_EL2 ------------------------------------------------------------ */
#define MDCR_EL2_E2PB_EL1 (UL(3) << 12) /* profiling buffer owned by EL1, untrapped */
#define MDCR_EL2_E2TB_EL1 (UL(3) << 24) /* trace buffer owned by EL1, untrapped */
#define PMCR_N_SHIFT 11                 /* PMCR_EL0.N: the number of event counters */
#define PMCR_N_MASK  UL(0x1f)

/* --- Fine-grained traps (FEAT_FGT): the bits that trap when CLEAR,
 * for registers or instructions of the feature named; RES0 without it.
 * HFGRTR_EL2 and HFGWTR_EL2 share one layout. ------------------------ */
#define HFGXTR_NAMAIR2_EL1  (UL(1) << 63) /* AIE */
#define HFGXTR_NMAIR2_EL1   (UL(1) << 62) /* AIE */
#define HFGXTR_NS2POR_EL1   (UL(1) << 61) /* S2POE */
#define HFGXTR_NPOR_EL1     (UL(1) << 60) /* S1POE */
#define HFGXTR_NPOR_EL0     (UL(1) << 59) /* S1POE */
#define HFGXTR_NPIR_EL1     (UL(1) << 58) /* S1PIE */
#define HFGXTR_NPIRE0_EL1   (UL(1) << 57) /* S1PIE */
#define HFGXTR_NRCWMASK_EL1 (UL(1) << 56) /* THE */
#define HFGXTR_NTPIDR2_EL0  (UL(1) << 55) /* SME */
#define HFGXTR_NSMPRI_EL1   (UL(1) << 54) /* SME */
#define HFGXTR_NGCS_EL1     (UL(1) << 53) /* GCS */
#define HFGXTR_NGCS_EL0     (UL(1) << 52) /* GCS */
#define HFGXTR_NACCDATA_EL1 (UL(1) << 50) /* LS64_ACCDATA */
#define HFGITR_NGCSEPP      (UL(1) << 59) /* GCS */
#define HFGITR_NGCSSTR_EL1  (UL(1) << 58) /* GCS */
#define HFGITR_NGCSPUSHM_EL1 (UL(1) << 57) /* GCS */
#define HFGITR_NBRBIALL     (UL(1) << 56) /* BRBE */
#define HFGITR_NBRBINJ      (UL(1) << 55) /* BRBE */
#define HDFGXTR_NPMSNEVFR_EL1 (UL(1) << 62) /* SPEv1p2; read and write */
#define HDFGXTR_NBRBDATA    (UL(1) << 61) /* BRBE; read and write */
#define HDFGXTR_NBRBCTL     (UL(1) << 60) /* BRBE; read and write */
#define HDFGRTR_NBRBIDR     (UL(1) << 59) /* BRBE; read only (RES0 in HDFGWTR_EL2) */

/* --- BRBCR_EL2 (FEAT_BRBE): EL1 may record cycle counts and mispredicts */
#define BRBCR_EL2_CC    (UL(1) << 3)
#define BRBCR_EL2_MPRED (UL(1) << 4)

/* --- CNTHCTL_EL2 -------------------------------------------------------- */
/* The whole register is written: the other fields (the event stream,
 * FEAT_ECV's traps of EL1's counter and timer accesses) stay 0. */
#define CNTHCTL_EL1PCTEN UL(1) /* EL1 may read the physical counter */
#define CNTHCTL_EL1PCEN  UL(2) /* EL1 may use the physical timer */
#define CNTHCTL_E2H_SHIFT 10   /* with E2H = 1 the same two bits sit 10 higher */

/* --- ID registers: shifts of their 4-bit fields ------------------------ */
#define ID_AA64PFR0_GIC_SHIFT  24 /* GIC system registers */
#define ID_AA64PFR0_SVE_SHIFT  32
#define ID_AA64PFR0_AMU_SHIFT  44 /* activity monitors */
#define ID_AA64PFR0_CSV2_SHIFT 56 /* 2 or more: SCXTNUM_ELx exist */
#define ID_AA64PFR1_MTE_SHIFT  8
#define ID_AA64PFR1_SME_SHIFT  24
#define ID_AA64PFR1_GCS_SHIFT  44
#define ID_AA64PFR1_THE_SHIFT  48 /* translation hardening */
#define ID_AA64ISAR1_APA_SHIFT 4  /* pointer authentication, QARMA5 */
#define ID_AA64ISAR1_API_SHIFT 8  /* pointer authentication, implementation defined */
#define ID_AA64ISAR1_GPA_SHIFT 24
#define ID_AA64ISAR1_GPI_SHIFT 28
#define ID_AA64ISAR1_LS64_SHIFT 60
#define ID_AA64ISAR1_LS64_ACCDATA 3
#define ID_AA64ISAR2_GPA3_SHIFT 8 /* pointer authentication, QARMA3 */
#define ID_AA64ISAR2_APA3_SHIFT 12
#define ID_AA64ISAR2_MOPS_SHIFT 16
#define ID_AA64MMFR0_PARANGE_MASK UL(0xf)
#define ID_AA64MMFR0_FGT_SHIFT 56 /* fine-grained traps */
#define ID_AA64MMFR1_LO_SHIFT  16 /* LORegions */
#define ID_AA64MMFR1_HCX_SHIFT 40 /* HCRX_EL2 */
#define ID_AA64MMFR3_TCRX_SHIFT  0
#define ID_AA64MMFR3_S1PIE_SHIFT 8
#define ID_AA64MMFR3_S1POE_SHIFT 16
#define ID_AA64MMFR3_S2POE_SHIFT 20
#define ID_AA64MMFR3_AIE_SHIFT   24
#define ID_AA64MMFR4_E2H0_SHIFT  24 /* signed: negative = no FEAT_E2H0, E2H is RES1 */
#define ID_AA64DFR0_PMUVER_SHIFT 8
#define ID_AA64DFR0_PMUVER_IMPDEF 0xf
#define ID_AA64DFR0_PMSVER_SHIFT 32      /* statistical profiling */
#define ID_AA64DFR0_PMSVER_V1P2  3
#define ID_AA64DFR0_TRACEBUFFER_SHIFT 44
#define ID_AA64DFR0_BRBE_SHIFT 52
#define ID_AA64SMFR0_FA64 (UL(1) << 63)
#define ID_AA64SMFR0_SMEVER_SHIFT 56

/* --- ICC_SRE_EL2 (GICv3 system register interface) ----------------------- */
#define ICC_SRE_EL2_SRE    UL(1)       /* EL2 uses the system registers */
#define ICC_SRE_EL2_ENABLE (UL(1) << 3) /* EL1 may use ICC_SRE_EL1 */

/* --- SCTLR_EL1 ---------------------------------------------------------- */
#define SCTLR_EL1_RES1 UL(0x30d00800) /* bits 29, 28, 23, 22, 20, 11 (ARMv8.0) */
#define SCTLR_EL1_M    UL(1)          /* MMU on */
#define SCTLR_EL1_C    (UL(1) << 2)   /* data caches on */
#define SCTLR_EL1_SA   (UL(1) << 3)   /* SP alignment check */
#define SCTLR_EL1_I    (UL(1) << 12)  /* instruction caches on */

/* --- CTR_EL0 ------------------------------------------------------------ */
#define CTR_DMINLINE_SHIFT 16 /* log2 of the smallest data cache line, in words */
#define CTR_IMINLINE_MASK  UL(0xf)

/* --- Stage-1 translation, 4 KiB granule, 48-bit VA (4 levels) ----------- */
#define PAGE_SHIFT 12
#define PAGE_SIZE  (UL(1) << PAGE_SHIFT)
#define TCR_T0SZ_48     UL(16)
#define TCR_T1SZ_SHIFT  16
#define TCR_IRGN0_WBWA  (UL(1) << 8)
#define TCR_ORGN0_WBWA  (UL(1) << 10)
#define TCR_SH0_INNER   (UL(3) << 12)
#define TCR_TG0_4K      (UL(0) << 14)
#define TCR_EPD1        (UL(1) << 23) /* no walks through TTBR1: one address space */
#define TCR_IPS_SHIFT   32

/* MAIR_EL1 attribute slots. */
#define MAIR_DEVICE_nGnRE UL(0x04)
#define MAIR_NORMAL_WB    UL(0xff) /* inner and outer write-back, read/write allocate */
#define ATTR_IDX_DEVICE   0
#define ATTR_IDX_NORMAL   1
#define MAIR_VALUE (MAIR_DEVICE_nGnRE << (8 * ATTR_IDX_DEVICE) | MAIR_NORMAL_WB << (8 * ATTR_IDX_NORMAL))

/* Descriptor bits. */
#define PTE_VALID      UL(1)
#define PTE_TABLE      UL(2)        /* at levels 0-2: points to a table; at level 3: a page */
#define PTE_ATTR_SHIFT 2
#define PTE_RDONLY     (UL(1) << 7) /* AP[2]: read-only */
#define PTE_SH_INNER   (UL(3) << 8)
#define PTE_AF         (UL(1) << 10)
#define PTE_PXN        (UL(1) << 53)
#define PTE_UXN        (UL(1) << 54)
#define PTE_ADDR_MASK  UL(0x0000fffffffff000)

/* --- ESR_EL1 ------------------------------------------------------------ */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK  UL(0x3f)
#define ESR_EC_HVC64 0x16         /* HVC from AArch64: the ISS holds the immediate */
#define ESR_HVC_IMM_MASK 0xffff

/* The HVC immediate pvhboot's EL1 code uses to ask the EL2 stub
 * (vectors.S) for the hand-off at EL2; SMCCC calls use 0. */
#define HVC_IMM_HANDOFF 0xb07

/* --- SMCCC / PSCI (Arm DEN 0028, DEN 0022) ------------------------------- */
#define PSCI_SYSTEM_OFF   0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_CPU_ON_64    0xc4000003u /* x1 target MPIDR, x2 entry (physical), x3 context id (x0 there) */
/* PSCI return codes (x0, as a signed 32-bit value). */
#define PSCI_RET_NOT_SUPPORTED    (-1)
#define PSCI_RET_INVALID_PARAMS   (-2)
#define PSCI_RET_DENIED           (-3)
#define PSCI_RET_ALREADY_ON       (-4)
#define PSCI_RET_ON_PENDING       (-5)
#define PSCI_RET_INTERNAL_FAILURE (-6)
#define PSCI_RET_NOT_PRESENT      (-7)
#define PSCI_RET_DISABLED         (-8)
#define PSCI_RET_INVALID_ADDRESS  (-9)
#define SMCCC_HYP_CALL_UID 0x8500ff01u /* standard hypervisor service: call UID */
/* Xen's answer to SMCCC_HYP_CALL_UID (w0..w3). */
#define XEN_SMCCC_UID0 0xdc1218a7u
#define XEN_SMCCC_UID1 0x694398c6u
#define XEN_SMCCC_UID2 0xd179cf9au
#define XEN_SMCCC_UID3 0x67e6de8du

/* --- Xen on Arm --------------------------------------------------------- */
#define XEN_HYPERCALL_TAG 0xEA1 /* the hvc immediate Xen takes as a hypercall */

/* --- ELF relocations the image applies to itself ------------------------ */
/* The list's bytes (tools/x86-relocs.py): 0 the end, 1..0xdf a step,
 * RELOC_RUN + n - 1 a run of n more fields, RELOC_LONG a 4-byte step. */
#define RELOC_RUN  0xe0
#define RELOC_LONG 0xff
/* A static PIE's (a unikernel linked in one step). */
#define R_AARCH64_RELATIVE 1027
#define RELA_SIZE 24 /* Elf64_Rela: r_offset, r_info, r_addend */

/* --- A secondary CPU's start parameters (struct arm64_secondary_params
 * in arch.h): smp.c writes them, secondary.S reads them with the MMU off. */
#define SECONDARY_STACK_TOP     0
#define SECONDARY_EXC_STACK_TOP 8
#define SECONDARY_AREA          16
#define SECONDARY_TTBR0         24
#define SECONDARY_TCR           32
#define SECONDARY_MAIR          40
#define SECONDARY_INVAL_START   48
#define SECONDARY_INVAL_END     56
#define SECONDARY_PARAMS_SIZE   64
#define SECONDARY_PARAMS_SHIFT  6 /* log2 of the size: secondary.S indexes by shifting */
#define SECONDARY_CPUS_MAX      16 /* PVH_CPUS_MAX (include/pvhboot/cpu.h), for the assembler */

/* --- Stacks -------------------------------------------------------------- */
#define STACK_SIZE           UL(0x10000) /* 64 KiB, with an unmapped guard page below */
#define EXCEPTION_STACK_SIZE UL(0x4000)  /* 16 KiB, SP_EL1: exceptions never share the main stack */
#define EXCEPTION_FRAME_SIZE 288         /* x0-x30, sp_el0, elr, spsr, esr, far: 36 words */
#define SECONDARY_EXCEPTION_STACK_SIZE UL(0x2000) /* 8 KiB per secondary CPU: a report, then a stop */

#endif

/*
 * XENFEAT_* bit numbers (Xen public ABI, features.h), as reported by
 * XENVER_get_features (bit N of submap N / 32) and as named in the
 * XEN_ELFNOTE_FEATURES note (without the XENFEAT_ prefix).
 * tools/xen-notes.sh reads the "#define XENFEAT_name N" lines below.
 */
#ifndef XEN_FEATURES_H
#define XEN_FEATURES_H

#define XENFEAT_writable_page_tables       0 /* page tables are written directly */
#define XENFEAT_writable_descriptor_tables 1 /* GDT/LDT are written directly */
#define XENFEAT_auto_translated_physmap    2 /* Xen translates guest-physical to machine */
#define XENFEAT_supervisor_mode_kernel     3 /* the kernel runs in ring 0 */
#define XENFEAT_pae_pgdir_above_4gb        4 /* PAE page directories may lie above 4 GiB */
#define XENFEAT_mmu_pt_update_preserve_ad  5 /* x86 PV: MMU_PT_UPDATE_PRESERVE_AD exists */
#define XENFEAT_highmem_assist             6 /* x86 PV: MMU_{CLEAR,COPY}_PAGE exist */
#define XENFEAT_gnttab_map_avail_bits      7 /* grant maps honour available PTE bits */
#define XENFEAT_hvm_callback_vector        8 /* x86 HVM/PVH: event delivery by vector */
#define XENFEAT_hvm_safe_pvclock           9 /* x86 HVM/PVH: the pvclock is safe to use */
#define XENFEAT_hvm_pirqs                 10 /* x86 HVM: PIRQs can be used */
#define XENFEAT_dom0                      11 /* the domain may run as dom0 */
#define XENFEAT_grant_map_identity        12 /* deprecated: grants also mapped at pfn = mfn */
#define XENFEAT_memory_op_vnode_supported 13 /* XENMEMF_vnode is understood */
#define XENFEAT_ARM_SMCCC_supported       14 /* Arm: the SMC calling convention is offered */
#define XENFEAT_linux_rsdp_unrestricted   15 /* x86 PVH: the RSDP may lie anywhere */
#define XENFEAT_not_direct_mapped         16 /* guest frames are not machine frames */
#define XENFEAT_direct_mapped             17 /* guest frame == machine frame */
#define XENFEAT_runstate_phys_area        18 /* VCPUOP_register_runstate_phys_area */
#define XENFEAT_vcpu_time_phys_area       19 /* VCPUOP_register_vcpu_time_phys_area */
#define XENFEAT_dm_msix_all_writes        20 /* device models see every MSI-X ctrl write */

#define XENFEAT_NR_SUBMAPS 1 /* submaps defined today; Xen refuses higher indices */

#endif

/*
 * Xen ELF note types (Xen public ABI, elfnote.h). A Xen-aware kernel
 * carries these in a PT_NOTE segment with the owner name "Xen".
 * Usable from C and from nasm/GNU as: plain #defines only.
 */
#ifndef XEN_ELFNOTE_H
#define XEN_ELFNOTE_H

#define XEN_ELFNOTE_INFO              0  /* unused */
#define XEN_ELFNOTE_ENTRY             1  /* PV entry point (virtual address) */
#define XEN_ELFNOTE_HYPERCALL_PAGE    2  /* PV: where Xen writes the hypercall page */
#define XEN_ELFNOTE_VIRT_BASE         3  /* PV: virtual base of the image */
#define XEN_ELFNOTE_PADDR_OFFSET      4  /* PV: virtual minus physical */
#define XEN_ELFNOTE_XEN_VERSION       5  /* string: the Xen version expected */
#define XEN_ELFNOTE_GUEST_OS          6  /* string: the guest OS name */
#define XEN_ELFNOTE_GUEST_VERSION     7  /* string: the guest OS version */
#define XEN_ELFNOTE_LOADER            8  /* string: the loader, "generic" */
#define XEN_ELFNOTE_PAE_MODE          9  /* string: PV 32-bit PAE handling */
#define XEN_ELFNOTE_FEATURES         10  /* string: "|"-separated XENFEAT names, "!" = required */
#define XEN_ELFNOTE_BSD_SYMTAB       11  /* string: "yes" to load the symbol table */
#define XEN_ELFNOTE_HV_START_LOW     12  /* PV: lowest hypervisor virtual address */
#define XEN_ELFNOTE_L1_MFN_VALID     13  /* PV: mask and value of valid L1 entries */
#define XEN_ELFNOTE_SUSPEND_CANCEL   14  /* the guest supports suspend cancellation */
#define XEN_ELFNOTE_INIT_P2M         15  /* PV: virtual address of the initial p2m */
#define XEN_ELFNOTE_MOD_START_PFN    16  /* PV: the guest accepts a PFN in mod_start */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17 /* 32-bit bitmap of supported XENFEAT bits */
#define XEN_ELFNOTE_PHYS32_ENTRY     18  /* PVH: 32-bit physical entry point */
#define XEN_ELFNOTE_PHYS32_RELOC     19  /* PVH: may be loaded elsewhere: up to three u32,
                                          * alignment, lowest start, highest last byte */

#endif

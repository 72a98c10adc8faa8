/* Xen's CPUID leaves on x86, relative to the base where its signature is. */
#ifndef XEN_CPUID_H
#define XEN_CPUID_H

#define XEN_CPUID_SIGNATURE_EBX 0x566e6558u /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4du /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566eu /* "nVMM" */

#define XEN_CPUID_LEAF_VERSION   1 /* EAX: (major << 16) | minor */
#define XEN_CPUID_LEAF_HYPERCALL 2 /* EAX: hypercall pages; EBX: the MSR that installs them */

/* Each hypercall has a 32-byte stub in the hypercall page, at number * 32. */
#define XEN_HYPERCALL_STUB_SIZE 32

#endif

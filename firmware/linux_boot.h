/*
 * The Linux x86 boot protocol (Documentation/arch/x86/boot.rst): the
 * setup header inside a bzImage and the zero page (struct boot_params)
 * a boot loader hands to the kernel. Offsets are facts of the protocol;
 * pvhboot reads and writes these fields by offset, never through a C
 * structure laid over untrusted bytes.
 */
#ifndef PVH_FIRMWARE_LINUX_BOOT_H
#define PVH_FIRMWARE_LINUX_BOOT_H

/* Zero page (boot_params), 4096 bytes. */
#define BP_SIZE              0x1000
#define BP_ACPI_RSDP_ADDR    0x070 /* u64, protocol 2.14 */
#define BP_EXT_RAMDISK_IMAGE 0x0c0 /* u32: ramdisk_image bits 63:32 */
#define BP_EXT_RAMDISK_SIZE  0x0c4 /* u32 */
#define BP_EXT_CMD_LINE_PTR  0x0c8 /* u32: cmd_line_ptr bits 63:32 */
#define BP_E820_ENTRIES      0x1e8 /* u8 */
#define BP_SENTINEL          0x1ef /* u8: loaders that copy the header leave it 0 */
#define BP_HDR               0x1f1 /* the setup header, copied from the image */
#define BP_E820_TABLE        0x2d0 /* struct boot_e820_entry[128] */
#define BP_E820_MAX          128
#define BOOT_E820_ENTRY_SIZE 20    /* u64 addr, u64 size, u32 type, packed */

/* Setup header fields, at these offsets in the image and in the zero page. */
#define HDR_SETUP_SECTS      0x1f1 /* u8: 512-byte sectors of setup after the boot sector; 0 means 4 */
#define HDR_SYSSIZE          0x1f4 /* u32: protected-mode code size in 16-byte units */
#define HDR_VID_MODE         0x1fa /* u16 */
#define HDR_BOOT_FLAG        0x1fe /* u16: 0xaa55 */
#define HDR_JUMP             0x200 /* u16: a short jump; its second byte + 0x202 ends the header */
#define HDR_MAGIC            0x202 /* "HdrS" */
#define HDR_VERSION          0x206 /* u16: protocol version, major << 8 | minor */
#define HDR_TYPE_OF_LOADER   0x210 /* u8 */
#define HDR_LOADFLAGS        0x211 /* u8 */
#define HDR_CODE32_START     0x214 /* u32 */
#define HDR_RAMDISK_IMAGE    0x218 /* u32 */
#define HDR_RAMDISK_SIZE     0x21c /* u32 */
#define HDR_HEAP_END_PTR     0x224 /* u16 */
#define HDR_CMD_LINE_PTR     0x228 /* u32 */
#define HDR_INITRD_ADDR_MAX  0x22c /* u32: highest address the initrd's last byte may have */
#define HDR_KERNEL_ALIGNMENT 0x230 /* u32 */
#define HDR_RELOCATABLE      0x234 /* u8 */
#define HDR_MIN_ALIGNMENT    0x235 /* u8: log2 of the smallest alignment */
#define HDR_XLOADFLAGS       0x236 /* u16 */
#define HDR_CMDLINE_SIZE     0x238 /* u32: the longest cmdline, without its NUL */
#define HDR_HARDWARE_SUBARCH 0x23c /* u32 */
#define HDR_PAYLOAD_OFFSET   0x248 /* u32 */
#define HDR_PAYLOAD_LENGTH   0x24c /* u32 */
#define HDR_SETUP_DATA       0x250 /* u64: list of struct setup_data */
#define HDR_PREF_ADDRESS     0x258 /* u64 */
#define HDR_INIT_SIZE        0x260 /* u32: memory the kernel needs from its load address */
#define HDR_END_MIN          0x264 /* the fields pvhboot reads all lie below this */

#define HDR_MAGIC_VALUE      0x53726448u /* "HdrS" little endian */
#define BOOT_FLAG_VALUE      0xaa55u
#define SECTOR_SIZE          512u

/* loadflags */
#define LOADED_HIGH          0x01 /* protected-mode code at 0x100000 or above */
#define CAN_USE_HEAP         0x80
/* xloadflags */
#define XLF_KERNEL_64               0x0001 /* has the 64-bit entry at load address + 0x200 */
#define XLF_CAN_BE_LOADED_ABOVE_4G  0x0002 /* kernel, boot_params, cmdline, initrd above 4 GiB */

#define LINUX_ENTRY64_OFFSET 0x200 /* startup_64, from the protected-mode load address */
#define LINUX_LOADER_UNDEFINED 0xff /* type_of_loader for a loader without an assigned id */

/* setup_data: a linked list of extra boot data. */
#define SETUP_DATA_HEADER_SIZE 16 /* u64 next, u32 type, u32 len */
#define SETUP_E820_EXT 1          /* more e820 entries than the zero page holds */

#endif

/*
 * Virtio 1.x (OASIS "Virtual I/O Device (VIRTIO) Version 1.x"), the
 * parts pvhboot-disk uses: device status, feature bits, the split
 * virtqueue's layout, and the interface each transport (virtio-mmio,
 * virtio-pci) gives the block driver. Numbers keep the specification's
 * names. Every field is little-endian; so are both architectures.
 */
#ifndef PVH_FIRMWARE_DISK_VIRTIO_H
#define PVH_FIRMWARE_DISK_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "common/output/error.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "virtio 1.x fields are little-endian");

/* Device status (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE        1u
#define VIRTIO_STATUS_DRIVER             2u
#define VIRTIO_STATUS_DRIVER_OK          4u
#define VIRTIO_STATUS_FEATURES_OK        8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED             128u

/* Feature bits (6): the one every modern device offers. */
#define VIRTIO_F_VERSION_1 32u

/* Device IDs (5). */
#define VIRTIO_ID_BLOCK 2u

/* Split virtqueue (2.7). */
#define VIRTQ_DESC_F_NEXT  1u
#define VIRTQ_DESC_F_WRITE 2u

struct virtq_desc {
    uint64_t addr;  /* guest-physical address of the buffer */
    uint32_t len;
    uint16_t flags; /* VIRTQ_DESC_F_* */
    uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc size");

struct virtq_used_elem {
    uint32_t id;    /* head of the chain the device is done with */
    uint32_t len;   /* bytes it wrote into the chain */
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem size");

/*
 * The transport registers the driver uses, by role: each transport's
 * table (struct pvh_virtio_transport's reg) gives their offsets in its
 * register block. On virtio-pci the status is 8 bits wide and the queue
 * registers up to NOTIFY_OFF (virtio-pci only) 16; the rest, and every
 * virtio-mmio register, 32. A 64-bit address is two registers, low word
 * first.
 */
enum {
    VIRTIO_REG_STATUS,
    VIRTIO_REG_QUEUE_SEL,
    VIRTIO_REG_QUEUE_MAX,
    VIRTIO_REG_QUEUE_SIZE,
    VIRTIO_REG_QUEUE_READY,
    VIRTIO_REG_QUEUE_NOTIFY_OFF,
    VIRTIO_REG_DEVICE_FEATURES_SEL,
    VIRTIO_REG_DEVICE_FEATURES,
    VIRTIO_REG_DRIVER_FEATURES_SEL,
    VIRTIO_REG_DRIVER_FEATURES,
    VIRTIO_REG_QUEUE_DESC,
    VIRTIO_REG_QUEUE_DRIVER = VIRTIO_REG_QUEUE_DESC + 2,
    VIRTIO_REG_QUEUE_DEVICE = VIRTIO_REG_QUEUE_DRIVER + 2,
    VIRTIO_NR_REGS = VIRTIO_REG_QUEUE_DEVICE + 2
};

/* A device as its transport found it. */
struct pvh_virtio_transport {
    uint8_t reg[VIRTIO_NR_REGS];   /* the registers' offsets from regs */
    bool pci;                      /* virtio-pci's register widths and notifications */
    char name[40];                 /* "virtio-mmio 0xfeb00e00", "virtio-pci 00:03.0" */
    volatile uint8_t *regs;        /* mmio: the register block; pci: common cfg */
    volatile uint8_t *device_cfg;  /* the device configuration */
    uint32_t device_cfg_len;
    volatile uint8_t *notify_base; /* mmio: QueueNotify; pci: notification area */
    uint32_t notify_len, notify_mult; /* pci: the area's length and multiplier */
    volatile uint8_t *notify_at[1]; /* where queue 0's notifications go (pci: checked) */
};

/*
 * The transports' side (virtio_mmio.c, for both; register values are the
 * device's: untrusted): a register by role, the 32-bit little-endian word
 * at off in the device configuration (0 past what the device has), and
 * queue q's notification.
 */
uint32_t pvh_virtio_rd(const struct pvh_virtio_transport *t, unsigned reg);
void pvh_virtio_wr(const struct pvh_virtio_transport *t, unsigned reg, uint32_t v);
uint32_t pvh_virtio_config32(const struct pvh_virtio_transport *t, unsigned off);
void pvh_virtio_notify(const struct pvh_virtio_transport *t, unsigned q);

#endif

/*
 * Virtio 1.x (OASIS "Virtual I/O Device (VIRTIO) Version 1.x"), the
 * parts pvhboot-disk uses: device status, feature bits, the split
 * virtqueue's layout, and the interface each transport (virtio-mmio,
 * virtio-pci) gives the block driver. Numbers keep the specification's
 * names. Every field is little-endian; so are both architectures.
 */
#ifndef PVH_FIRMWARE_DISK_VIRTIO_H
#define PVH_FIRMWARE_DISK_VIRTIO_H

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

struct pvh_virtio_transport;

/*
 * A transport's side of a device: status, features (32 bits a word),
 * the device-specific configuration, queue set-up and notification.
 * Register values are the device's: untrusted.
 */
struct pvh_virtio_ops {
    uint8_t (*get_status)(const struct pvh_virtio_transport *t);
    void (*set_status)(const struct pvh_virtio_transport *t, uint8_t status);
    uint32_t (*get_features)(const struct pvh_virtio_transport *t, unsigned word);
    void (*set_features)(const struct pvh_virtio_transport *t, unsigned word, uint32_t value);
    /* The 32-bit little-endian word at off in the device configuration
     * (off + 4 within what the transport says the device has). */
    uint32_t (*config32)(const struct pvh_virtio_transport *t, unsigned off);
    /* Queue q: its largest size (0: no such queue). */
    uint16_t (*queue_max)(const struct pvh_virtio_transport *t, unsigned q);
    /* Queue q at size, the three parts at these physical addresses: on. */
    int (*queue_setup)(struct pvh_virtio_transport *t, unsigned q, uint16_t size,
                       uint64_t desc, uint64_t avail, uint64_t used, struct pvh_error *err);
    void (*notify)(const struct pvh_virtio_transport *t, unsigned q);
};

/* A device as its transport found it. */
struct pvh_virtio_transport {
    const struct pvh_virtio_ops *ops;
    char name[40];                 /* "virtio-mmio 0xfeb00e00", "virtio-pci 00:03.0" */
    volatile uint8_t *regs;        /* mmio: the register block; pci: common cfg */
    volatile uint8_t *device_cfg;  /* pci: the device configuration */
    uint32_t device_cfg_len;
    volatile uint8_t *notify_base; /* pci: notification area and its multiplier */
    uint32_t notify_len, notify_mult;
    volatile uint8_t *notify_at[1]; /* pci: where queue 0's notifications go (checked) */
};

#endif

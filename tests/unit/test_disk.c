/*
 * pvhboot-disk's device code on the host (firmware/disk/): the polled
 * virtqueue and the virtio-blk driver against a device model of this
 * file's (well-behaved and hostile: one that never answers, one that
 * fails the request, one that leaves the status byte alone, one whose
 * used ring jumps or names another chain), the DSDT walk that finds
 * virtio-mmio devices, and the cmdline's virtio_mmio.device= words.
 * Layouts are written here from the virtio 1.x and ACPI 6.5
 * specifications, not taken from the code under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "firmware/disk/disk.h"
#include "firmware/disk/disk_arch.h"
#include "firmware/disk/dsdt_mmio.h"
#include "tests/unit/support.h"

static void expect_error_contains(const struct pvh_error *err, const char *want)
{
    if (!strstr(err->msg, want))
        fail_msg("error %d \"%s\" does not contain \"%s\"", err->code, err->msg, want);
}

/* ---- the architecture, faked: a clock that moves one tick a call ---------- */

static uint64_t now;

uint64_t pvh_disk_ticks(void) { return now++; }
uint64_t pvh_disk_ticks_per_ms(void) { return 1; }
void pvh_disk_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
volatile void *pvh_disk_map_mmio(uint64_t pa, uint64_t len) { (void)pa; (void)len; return NULL; }
uint32_t pvh_disk_pci_port_read32(uint32_t addr) { (void)addr; return ~0u; }
void pvh_disk_pci_port_write32(uint32_t addr, uint32_t v) { (void)addr; (void)v; }

/* ---- a virtio-blk device model ------------------------------------------- */

enum behaviour { GOOD, NEVER, BAD_STATUS, NO_STATUS, USED_JUMPS, WRONG_ID };

static struct model {
    enum behaviour how;
    uint8_t status;
    uint32_t features[2], driver_features[2];
    uint32_t blk_size;
    uint64_t capacity;
    uint16_t queue_max, size;
    struct virtq_desc *desc;
    uint16_t *avail;     /* flags, idx, ring[] */
    uint8_t *used;       /* flags, idx, ring[] of {id, len} */
    uint16_t seen_avail;
    unsigned requests;
    uint32_t reg[VIRTIO_NR_REGS]; /* what the driver wrote last */
    uint32_t ready;
} dev;

/* The transport's registers (virtio.h), by role: what the driver wrote,
 * and what the device answers. */
uint32_t pvh_virtio_rd(const struct pvh_virtio_transport *t, unsigned reg)
{
    (void)t;
    switch (reg) {
    case VIRTIO_REG_STATUS:
        return dev.status;
    case VIRTIO_REG_DEVICE_FEATURES:
        return dev.reg[VIRTIO_REG_DEVICE_FEATURES_SEL] < 2 ?
               dev.features[dev.reg[VIRTIO_REG_DEVICE_FEATURES_SEL]] : 0;
    case VIRTIO_REG_QUEUE_MAX:
        return dev.reg[VIRTIO_REG_QUEUE_SEL] == 0 ? dev.queue_max : 0;
    case VIRTIO_REG_QUEUE_READY:
        return dev.ready;
    default:
        fail_msg("register %u read", reg);
        return 0;
    }
}

static uint64_t written64(unsigned reg)
{
    return dev.reg[reg] | (uint64_t)dev.reg[reg + 1] << 32;
}

void pvh_virtio_wr(const struct pvh_virtio_transport *t, unsigned reg, uint32_t v)
{
    uint64_t desc, avail, used;

    (void)t;
    assert_true(reg < VIRTIO_NR_REGS);
    dev.reg[reg] = v;
    if (reg == VIRTIO_REG_STATUS)
        dev.status = (uint8_t)v;
    if (reg == VIRTIO_REG_DRIVER_FEATURES && dev.reg[VIRTIO_REG_DRIVER_FEATURES_SEL] < 2)
        dev.driver_features[dev.reg[VIRTIO_REG_DRIVER_FEATURES_SEL]] = v;
    if (reg != VIRTIO_REG_QUEUE_READY)
        return;
    /* The queue turned on: the driver set it up as the specification says. */
    assert_int_equal(v, 1);
    assert_int_equal(dev.reg[VIRTIO_REG_QUEUE_SEL], 0);
    dev.size = (uint16_t)dev.reg[VIRTIO_REG_QUEUE_SIZE];
    assert_true(dev.size && !(dev.size & (dev.size - 1)) && dev.size <= dev.queue_max);
    desc = written64(VIRTIO_REG_QUEUE_DESC);
    avail = written64(VIRTIO_REG_QUEUE_DRIVER);
    used = written64(VIRTIO_REG_QUEUE_DEVICE);
    assert_int_equal(desc % 16, 0);
    assert_int_equal(avail % 2, 0);
    assert_int_equal(used % 4, 0);
    dev.desc = (struct virtq_desc *)(uintptr_t)desc;
    dev.avail = (uint16_t *)(uintptr_t)avail;
    dev.used = (uint8_t *)(uintptr_t)used;
    dev.ready = 1;
}

uint32_t pvh_virtio_config32(const struct pvh_virtio_transport *t, unsigned off)
{
    (void)t;
    if (off == 0)
        return (uint32_t)dev.capacity;
    if (off == 4)
        return (uint32_t)(dev.capacity >> 32);
    if (off == 20)
        return dev.blk_size;
    return 0;
}

/* The device's side of one request: header, data, status (5.2.6). */
void pvh_virtio_notify(const struct pvh_virtio_transport *t, unsigned q)
{
    uint16_t head, idx;
    struct virtq_desc *h, *d, *s;
    struct virtio_blk_req_header hdr;
    uint32_t id = 0, len;
    uint64_t i;

    (void)t;
    assert_int_equal(q, 0);
    dev.requests++;
    assert_int_equal(dev.avail[1], (uint16_t)(dev.seen_avail + 1));
    head = dev.avail[2 + dev.seen_avail % dev.size];
    dev.seen_avail++;
    if (dev.how == NEVER)
        return;
    h = &dev.desc[head];
    assert_true(h->flags & VIRTQ_DESC_F_NEXT);
    assert_false(h->flags & VIRTQ_DESC_F_WRITE);
    assert_int_equal(h->len, sizeof(hdr));
    memcpy(&hdr, (void *)(uintptr_t)h->addr, sizeof(hdr));
    assert_int_equal(hdr.type, VIRTIO_BLK_T_IN);
    d = &dev.desc[h->next];
    assert_true((d->flags & VIRTQ_DESC_F_NEXT) && (d->flags & VIRTQ_DESC_F_WRITE));
    assert_int_equal(d->len % 512, 0);
    assert_true(hdr.sector + d->len / 512 <= dev.capacity);
    s = &dev.desc[d->next];
    assert_true((s->flags & VIRTQ_DESC_F_WRITE) && !(s->flags & VIRTQ_DESC_F_NEXT));
    assert_int_equal(s->len, 1);
    for (i = 0; i < d->len; i++) /* byte i of the disk is (i * 7) & 0xff */
        ((uint8_t *)(uintptr_t)d->addr)[i] = (uint8_t)((hdr.sector * 512 + i) * 7);
    if (dev.how == BAD_STATUS)
        *(uint8_t *)(uintptr_t)s->addr = 1; /* VIRTIO_BLK_S_IOERR */
    else if (dev.how != NO_STATUS)
        *(uint8_t *)(uintptr_t)s->addr = 0;
    if (dev.how == WRONG_ID)
        id = 5;
    memcpy(&idx, dev.used + 2, 2);
    len = d->len + 1;
    memcpy(dev.used + 4 + 8 * (idx % dev.size), &id, 4);
    memcpy(dev.used + 4 + 8 * (idx % dev.size) + 4, &len, 4);
    idx = (uint16_t)(idx + (dev.how == USED_JUMPS ? 2 : 1));
    memcpy(dev.used + 2, &idx, 2);
}

static struct pvh_virtio_blk blk;

static void model(enum behaviour how)
{
    memset(&dev, 0, sizeof(dev));
    dev.how = how;
    dev.features[0] = 1u << VIRTIO_BLK_F_BLK_SIZE | 1u << VIRTIO_BLK_F_RO | 1u << 9;
    dev.features[1] = 1u << (VIRTIO_F_VERSION_1 - 32);
    dev.blk_size = 512;
    dev.capacity = 1000;
    dev.queue_max = 256;
    memset(&blk, 0, sizeof(blk));
    blk.t = (struct pvh_virtio_transport){ .name = "model" };
    now = 0;
}

static void brought_up(void)
{
    struct pvh_error err;

    assert_int_equal(pvh_virtio_blk_init(&blk, &err), PVH_OK);
}

static void device_is_brought_up_with_version_1_and_its_capacity(void **state)
{
    (void)state;
    model(GOOD);
    brought_up();
    assert_int_equal(blk.dev.sectors, 1000);
    assert_string_equal(blk.dev.name, "model");
    assert_ptr_equal(blk.dev.ctx, &blk);
    assert_int_equal(dev.driver_features[1], 1u << (VIRTIO_F_VERSION_1 - 32));
    /* Bit 9 (FLUSH) is offered and not taken: only RO and BLK_SIZE are. */
    assert_int_equal(dev.driver_features[0], 1u << VIRTIO_BLK_F_BLK_SIZE | 1u << VIRTIO_BLK_F_RO);
    assert_int_equal(dev.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    assert_int_equal(dev.size, PVH_VIRTQ_SIZE);
}

static void reads_come_back_in_requests_of_at_most_128_sectors(void **state)
{
    static uint8_t buf[300 * 512];
    struct pvh_error err;
    size_t i;

    (void)state;
    model(GOOD);
    brought_up();
    assert_int_equal(blk.dev.read(&blk.dev, 700, 300, buf), 0);
    assert_int_equal(dev.requests, 3);
    for (i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], (uint8_t)((700 * 512 + i) * 7));
    /* Up to the last sector; one past it is refused before the device sees it. */
    assert_int_equal(pvh_virtio_blk_read(&blk, 999, 1, buf, &err), PVH_OK);
    assert_int_equal(pvh_virtio_blk_read(&blk, 1000, 1, buf, &err), PVH_ERANGE);
    assert_int_equal(pvh_virtio_blk_read(&blk, 2, UINT32_MAX, buf, &err), PVH_ERANGE);
    assert_int_equal(dev.requests, 4);
}

/* A request the device answers wrongly fails with msg. Where the used
 * ring itself went wrong (queue_broken), no request is made after that;
 * a bad status leaves the ring sound, and the next one is asked. */
static void refused(enum behaviour how, const char *msg, int queue_broken)
{
    uint8_t buf[512];
    struct pvh_error err;

    model(how);
    brought_up();
    assert_int_not_equal(pvh_virtio_blk_read(&blk, 0, 1, buf, &err), PVH_OK);
    expect_error_contains(&err, msg);
    assert_int_not_equal(pvh_virtio_blk_read(&blk, 0, 1, buf, &err), PVH_OK);
    assert_int_equal(dev.requests, queue_broken ? 1 : 2);
}

static void device_that_never_answers_is_given_up_on(void **state)
{
    (void)state;
    refused(NEVER, "model: no answer to a request in 5000 ms", 1);
    assert_true(now > PVH_VIRTQ_TIMEOUT_MS);
}

static void failed_request_status_is_an_error(void **state)
{
    (void)state;
    refused(BAD_STATUS, "model: read of 1 sectors at 0: status 1", 0);
}

static void status_byte_left_alone_is_an_error(void **state)
{
    (void)state;
    refused(NO_STATUS, "status 255", 0);
}

static void used_index_jumping_is_an_error(void **state)
{
    (void)state;
    refused(USED_JUMPS, "used index moved from 0 to 2 for one request", 1);
}

static void used_element_of_another_chain_is_an_error(void **state)
{
    (void)state;
    refused(WRONG_ID, "used element names chain 5, not 0", 1);
}

static void block_size_not_512_is_refused(void **state)
{
    struct pvh_error err;

    (void)state;
    model(GOOD);
    dev.blk_size = 4096;
    assert_int_equal(pvh_virtio_blk_init(&blk, &err), PVH_EINVAL);
    expect_error_contains(&err, "model: logical block size 4096, only 512 is read");
    /* Without the feature the field is not read: 512. */
    model(GOOD);
    dev.blk_size = 4096;
    dev.features[0] &= ~(1u << VIRTIO_BLK_F_BLK_SIZE);
    brought_up();
}

static void device_without_version_1_is_refused(void **state)
{
    struct pvh_error err;

    (void)state;
    model(GOOD);
    dev.features[1] = 0;
    assert_int_equal(pvh_virtio_blk_init(&blk, &err), PVH_EINVAL);
    expect_error_contains(&err, "model: no VIRTIO_F_VERSION_1");
}

static void small_or_absent_queue_is_refused(void **state)
{
    struct pvh_error err;

    (void)state;
    model(GOOD);
    dev.queue_max = 2;
    assert_int_equal(pvh_virtio_blk_init(&blk, &err), PVH_EINVAL);
    expect_error_contains(&err, "model: queue 0 of size 2");
    model(GOOD);
    dev.queue_max = 6; /* not a power of two: 4 is used */
    brought_up();
    assert_int_equal(dev.size, 4);
}

/* ---- the DSDT walk ------------------------------------------------------- */

static size_t put(uint8_t *p, const void *s, size_t n)
{
    memcpy(p, s, n);
    return n;
}

/* Name(_HID, hid) Name(_UID, 3) Name(_CRS, ResourceTemplate () {
 *   Memory32Fixed(ReadWrite, base, size) Interrupt(...) }) */
static size_t virtio_device(uint8_t *p, const char *seg, const char *hid, uint32_t base,
                            uint32_t size, int with_crs)
{
    uint8_t body[128];
    size_t n = 0, crs_len;
    static const uint8_t irq[] = { 0x89, 0x06, 0x00, 0x01, 0x01, 0x2f, 0x00, 0x00, 0x00 };

    n += put(body + n, seg, 4);
    n += put(body + n, "\x08_HID\x0d", 6);
    n += put(body + n, hid, strlen(hid) + 1);
    n += put(body + n, "\x08_UID\x0a\x03", 7);
    if (with_crs) {
        uint8_t crs[32];
        size_t c = 0;

        crs[c++] = 0x86; crs[c++] = 9; crs[c++] = 0; crs[c++] = 1;
        memcpy(crs + c, &base, 4); c += 4;
        memcpy(crs + c, &size, 4); c += 4;
        c += put(crs + c, irq, sizeof(irq));
        crs[c++] = 0x79; crs[c++] = 0;
        crs_len = c;
        n += put(body + n, "\x08_CRS\x11", 6);
        body[n++] = (uint8_t)(1 + 2 + crs_len); /* PkgLength: itself, BytePrefix n, bytes */
        body[n++] = 0x0a;
        body[n++] = (uint8_t)crs_len;
        n += put(body + n, crs, crs_len);
    }
    p[0] = 0x5b;
    p[1] = 0x82;
    /* A two-byte PkgLength (the count includes its own two bytes). */
    p[2] = (uint8_t)(0x40 | ((n + 2) & 0x0f));
    p[3] = (uint8_t)((n + 2) >> 4);
    memcpy(p + 4, body, n);
    return n + 4;
}

static size_t dsdt(uint8_t *t, int crs)
{
    size_t n = 36, scope;

    memset(t, 0, 36);
    memcpy(t, "DSDT", 4);
    /* Scope(\_SB) { devices } with a two-byte PkgLength patched after. */
    t[n++] = 0x10;
    scope = n;
    n += 2;
    n += put(t + n, "\\_SB_", 5);
    n += virtio_device(t + n, "COM1", "PNP0501", 0x3f8, 8, 1);
    n += virtio_device(t + n, "VR00", PVH_VIRTIO_MMIO_HID, 0xfeb00000, 0x200, crs);
    n += virtio_device(t + n, "VR01", PVH_VIRTIO_MMIO_HID, 0xfeb00200, 0x200, 1);
    t[scope] = (uint8_t)(0x40 | ((n - scope) & 0x0f));
    t[scope + 1] = (uint8_t)((n - scope) >> 4);
    return n;
}

static uint64_t found[8][2];
static unsigned nr_found;

static int note(void *ctx, uint64_t base, uint64_t size, struct pvh_error *err)
{
    (void)ctx;
    (void)err;
    if (nr_found < 8) {
        found[nr_found][0] = base;
        found[nr_found][1] = size;
    }
    nr_found++;
    return PVH_OK;
}

static void dsdt_virtio_mmio_devices_are_found(void **state)
{
    uint8_t t[512];
    size_t n = dsdt(t, 1);
    struct pvh_error err;

    (void)state;
    nr_found = 0;
    assert_int_equal(pvh_dsdt_virtio_mmio(t, (uint32_t)n, note, NULL, &err), PVH_OK);
    assert_int_equal(nr_found, 2);
    assert_int_equal(found[0][0], 0xfeb00000);
    assert_int_equal(found[0][1], 0x200);
    assert_int_equal(found[1][0], 0xfeb00200);
}

static void dsdt_device_without_memory_resource_is_an_error(void **state)
{
    uint8_t t[512];
    size_t n = dsdt(t, 0);
    struct pvh_error err;

    (void)state;
    nr_found = 0;
    assert_int_equal(pvh_dsdt_virtio_mmio(t, (uint32_t)n, note, NULL, &err), PVH_EINVAL);
    expect_error_contains(&err, "ACPI DSDT: a LNRO0005 device without a Memory32Fixed _CRS");
}

/* Every prefix of the table, each in a buffer of exactly its length (ASan
 * catches a read past it): never a crash; a device cut off is not found. */
static void dsdt_cut_anywhere_is_read_within_its_length(void **state)
{
    uint8_t t[512];
    size_t n = dsdt(t, 1), len;

    (void)state;
    for (len = 0; len <= n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        struct pvh_error err;

        memcpy(copy, t, len);
        nr_found = 0;
        (void)pvh_dsdt_virtio_mmio(copy, (uint32_t)len, note, NULL, &err);
        assert_true(nr_found <= 2);
        if (len < n)
            assert_true(nr_found < 2);
        free(copy);
    }
}

/* ---- the cmdline ---------------------------------------------------------- */

int pvh_virtio_mmio_probe(struct pvh_disk_list *list, uint64_t base, uint64_t size,
                          struct pvh_error *err)
{
    (void)err;
    list->nr_mmio++;
    return note(NULL, base, size, err);
}

static void cmdline_devices_are_probed_in_order(void **state)
{
    static struct pvh_disk_list list;
    struct pvh_error err;

    (void)state;
    nr_found = 0;
    assert_int_equal(pvh_disk_discover_cmdline("console=ttyS0 virtio_mmio.device=4K@0xd0000000:5 "
                                               "root=/dev/vda virtio_mmio.device=512@0xfeb00e00:12:3 "
                                               "virtio_mmio.device=1M@4096:7", &list, &err), PVH_OK);
    assert_int_equal(nr_found, 3);
    assert_int_equal(found[0][0], 0xd0000000);
    assert_int_equal(found[0][1], 4096);
    assert_int_equal(found[1][0], 0xfeb00e00);
    assert_int_equal(found[1][1], 512);
    assert_int_equal(found[2][0], 4096);
    assert_int_equal(found[2][1], 1 << 20);
}

static void cmdline_word_that_does_not_parse_is_an_error(void **state)
{
    static const char *const bad[] = {
        "virtio_mmio.device=4K0xd0000000:5", "virtio_mmio.device=4K@0xd0000000",
        "virtio_mmio.device=4K@0xd0000000:", "virtio_mmio.device=0@0xd0000000:5",
        "virtio_mmio.device=@0xd0000000:5", "virtio_mmio.device=4K@:5",
        "virtio_mmio.device=16@0xfffffffffffffff8:1",
        "virtio_mmio.device=4K@0x123456789abcdef0123:5",
    };
    static struct pvh_disk_list list;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct pvh_error err;

        nr_found = 0;
        assert_int_equal(pvh_disk_discover_cmdline(bad[i], &list, &err), PVH_EINVAL);
        expect_error_contains(&err, "not <size>@<base>:<irq>");
        assert_int_equal(nr_found, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(device_is_brought_up_with_version_1_and_its_capacity),
        cmocka_unit_test(reads_come_back_in_requests_of_at_most_128_sectors),
        cmocka_unit_test(device_that_never_answers_is_given_up_on),
        cmocka_unit_test(failed_request_status_is_an_error),
        cmocka_unit_test(status_byte_left_alone_is_an_error),
        cmocka_unit_test(used_index_jumping_is_an_error),
        cmocka_unit_test(used_element_of_another_chain_is_an_error),
        cmocka_unit_test(block_size_not_512_is_refused),
        cmocka_unit_test(device_without_version_1_is_refused),
        cmocka_unit_test(small_or_absent_queue_is_refused),
        cmocka_unit_test(dsdt_virtio_mmio_devices_are_found),
        cmocka_unit_test(dsdt_device_without_memory_resource_is_an_error),
        cmocka_unit_test(dsdt_cut_anywhere_is_read_within_its_length),
        cmocka_unit_test(cmdline_devices_are_probed_in_order),
        cmocka_unit_test(cmdline_word_that_does_not_parse_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

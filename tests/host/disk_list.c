/*
 * disk-list: what pvhboot-disk's readers find on a disk image, printed
 * with the firmware's own console lines (docs/disk.md). A host program
 * over firmware/disk/, for checking the readers against images that the
 * real tools made (tools/make-disk.py; tests/boot/test_disk_images.py).
 *
 *   build/host/disk-list IMAGE [ENTRY [CMDLINE]]
 *
 * ENTRY is pvhboot.entry's value ("" for none), CMDLINE the VMM's command
 * line. After the firmware's lines, the chosen files are read through the
 * readers and each printed as "disk-list: <what> crc32 0x<8 hex>" (zlib's
 * CRC-32), so a test can compare the bytes with what it put on the disk.
 * Exit status 0, or 1 after "pvhboot: error: <what>" when the readers
 * refuse the disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pvhboot/console.h>
#include <pvhboot/crc32.h>

#include "firmware/disk/entries.h"

static int image_read(const struct pvh_block_dev *dev, uint64_t lba, uint32_t count, void *buf)
{
    int fd = *(const int *)dev->ctx;
    size_t want = (size_t)count * PVH_SECTOR_SIZE, done = 0;
    ssize_t n;

    if (lba > dev->sectors || count > dev->sectors - lba) {
        pvh_info("error: read of %u sectors at LBA %llu past the disk's end", count,
                 (unsigned long long)lba);
        return -1;
    }
    while (done < want) {
        n = pread(fd, (char *)buf + done, want - done, (off_t)(lba * PVH_SECTOR_SIZE + done));
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

static void to_stdout(const char *buf, size_t len)
{
    fwrite(buf, 1, len, stdout);
}

static const struct pvh_console stdout_sink = { "stdout", to_stdout, NULL };

static int print_crc(struct pvh_disk_work *w, const char *what, const struct pvh_disk_file *f)
{
    struct pvh_error err;
    void *buf = malloc(f->size ? f->size : 1);
    int rc;

    if (!buf)
        return -1;
    rc = pvh_disk_read(w, f, buf, &err);
    if (rc)
        pvh_info("error: %s", err.msg);
    else
        printf("disk-list: %s crc32 0x%08x\n", what, pvh_crc32(0, buf, f->size));
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    static struct pvh_disk_work work;
    static struct pvh_disk_boot boot;
    struct pvh_block_dev dev;
    struct pvh_error err;
    struct stat st;
    int fd;

    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s IMAGE [ENTRY [CMDLINE]]\n", argv[0]);
        return 2;
    }
    fd = open(argv[1], O_RDONLY);
    if (fd < 0 || fstat(fd, &st)) {
        fprintf(stderr, "disk-list: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    pvh_console_register(&stdout_sink);
    memset(&dev, 0, sizeof(dev));
    snprintf(dev.name, sizeof(dev.name), "image");
    dev.sectors = (uint64_t)st.st_size / PVH_SECTOR_SIZE;
    dev.read = image_read;
    dev.ctx = &fd;
    if (pvh_disk_scan(&dev, &work, &err) ||
        pvh_disk_select(&work, argc > 2 ? argv[2] : NULL, argc > 3 ? argv[3] : "", &boot,
                        &err)) {
        pvh_info("error: %s", err.msg);
        return 1;
    }
    if (print_crc(&work, "kernel", &boot.kernel))
        return 1;
    for (unsigned i = 0; i < boot.nr_initrd; i++)
        if (print_crc(&work, "initrd", &boot.initrd[i]))
            return 1;
    if (boot.has_devicetree && print_crc(&work, "devicetree", &boot.devicetree))
        return 1;
    return 0;
}

/*
 * Files from the volume pvhboot.efi was loaded from (the Simple File
 * System protocol on its device). Paths are ASCII: absolute from the
 * volume's root when they start with '\' or '/', else relative to the
 * directory holding pvhboot.efi; '/' is taken as '\'.
 */
#include "efi/efi.h"

#include "common/lib/string.h"

#define READ_CHUNK (16u << 20) /* bytes per Read call */
#define MAX_PATH_NODES 64      /* device path nodes looked at */

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID file_system_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;

static unsigned node_length(const EFI_DEVICE_PATH *node)
{
    return node->Length[0] | node->Length[1] << 8;
}

/* Append a file-path node's name to dir (UCS-2, possibly unaligned). */
static bool append_name(char *dir, size_t *n, const EFI_DEVICE_PATH *node)
{
    const uint8_t *name = (const uint8_t *)node + sizeof(*node);
    unsigned i, chars = (node_length(node) - sizeof(*node)) / 2;

    if (*n && dir[*n - 1] != '\\' && chars && name[0] != '\\' && name[0] != '/')
        dir[(*n)++] = '\\';
    for (i = 0; i < chars; i++) {
        uint16_t c = (uint16_t)(name[2 * i] | name[2 * i + 1] << 8);

        if (!c)
            break;
        if (c < 0x20 || c > 0x7e || *n + 1 >= PVH_EFI_PATH_MAX)
            return false;
        dir[(*n)++] = c == '/' ? '\\' : (char)c;
    }
    dir[*n] = '\0';
    return true;
}

/* pvhboot.efi's directory, from the file-path nodes of its device path. */
static void find_own_directory(struct pvh_efi *e)
{
    const EFI_DEVICE_PATH *node = e->loaded->FilePath;
    size_t n = 0;
    unsigned i;
    char *slash;

    e->dir[0] = '\0';
    for (i = 0; node && i < MAX_PATH_NODES; i++) {
        unsigned len = node_length(node);

        if (node->Type == END_DEVICE_PATH_TYPE || len < sizeof(*node))
            break;
        if (node->Type == MEDIA_DEVICE_PATH && node->SubType == MEDIA_FILEPATH_DP &&
            !append_name(e->dir, &n, node)) {
            pvh_efi_info("pvhboot.efi's own path is not ASCII: relative paths start at the "
                         "volume's root");
            e->dir[0] = '\0';
            return;
        }
        node = (const EFI_DEVICE_PATH *)((const uint8_t *)node + len);
    }
    slash = e->dir;
    for (i = 0; e->dir[i]; i++)
        if (e->dir[i] == '\\')
            slash = &e->dir[i];
    *slash = '\0';
}

EFI_STATUS pvh_efi_open_volume(struct pvh_efi *e)
{
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
    EFI_STATUS status;

    status = e->bs->HandleProtocol(e->image, &loaded_image_guid, (void **)&e->loaded);
    if (EFI_ERROR(status))
        return pvh_efi_fail(status, "no loaded image protocol: %s", pvh_efi_status_name(status));
    status = e->bs->HandleProtocol(e->loaded->DeviceHandle, &file_system_guid, (void **)&fs);
    if (EFI_ERROR(status))
        return pvh_efi_fail(status, "the device pvhboot.efi came from has no file system: %s",
                            pvh_efi_status_name(status));
    status = fs->OpenVolume(fs, &e->root);
    if (EFI_ERROR(status))
        return pvh_efi_fail(status, "cannot open the boot volume: %s",
                            pvh_efi_status_name(status));
    find_own_directory(e);
    return EFI_SUCCESS;
}

/* The full path in ASCII (full) and UCS-2 (wide); false when it does not fit. */
static bool full_path(const struct pvh_efi *e, const char *path, char *full, CHAR16 *wide)
{
    size_t n = 0, i;

    if (path[0] != '\\' && path[0] != '/') {
        n = strlen(e->dir);
        memcpy(full, e->dir, n);
        full[n++] = '\\';
    }
    for (i = 0; path[i]; i++) {
        unsigned char c = (unsigned char)path[i];

        if (n + 1 >= PVH_EFI_PATH_MAX || c < 0x20 || c > 0x7e)
            return false;
        full[n++] = c == '/' ? '\\' : (char)c;
    }
    full[n] = '\0';
    for (i = 0; i <= n; i++)
        wide[i] = (unsigned char)full[i];
    return true;
}

static EFI_STATUS file_size(EFI_FILE_HANDLE fh, const char *what, const char *full,
                            uint64_t *size)
{
    union {
        EFI_FILE_INFO info;
        uint8_t bytes[sizeof(EFI_FILE_INFO) + 2 * PVH_EFI_PATH_MAX];
    } buf;
    UINTN n = sizeof(buf);
    EFI_STATUS status;

    status = fh->GetInfo(fh, &file_info_guid, &n, &buf);
    if (EFI_ERROR(status))
        return pvh_efi_fail(status, "%s %s: no file information: %s", what, full,
                            pvh_efi_status_name(status));
    if (buf.info.Attribute & EFI_FILE_DIRECTORY)
        return pvh_efi_fail(EFI_INVALID_PARAMETER, "%s %s: is a directory", what, full);
    *size = buf.info.FileSize;
    return EFI_SUCCESS;
}

static EFI_STATUS read_all(EFI_FILE_HANDLE fh, const char *what, const char *full,
                           uint8_t *data, uint64_t size)
{
    uint64_t done = 0;

    while (done < size) {
        UINTN n = size - done < READ_CHUNK ? (UINTN)(size - done) : READ_CHUNK;
        EFI_STATUS status = fh->Read(fh, &n, data + done);

        if (EFI_ERROR(status))
            return pvh_efi_fail(status, "%s %s: read error at byte %llu: %s", what, full,
                                (unsigned long long)done, pvh_efi_status_name(status));
        if (!n)
            return pvh_efi_fail(EFI_END_OF_FILE, "%s %s: ends at byte %llu of %llu", what,
                                full, (unsigned long long)done, (unsigned long long)size);
        done += n;
    }
    return EFI_SUCCESS;
}

static EFI_STATUS read_file(struct pvh_efi *e, const char *what, const char *path,
                            uint64_t max_addr, bool optional, uint8_t **data, uint64_t *size)
{
    char full[PVH_EFI_PATH_MAX];
    CHAR16 wide[PVH_EFI_PATH_MAX];
    EFI_FILE_HANDLE fh;
    EFI_STATUS status;
    uint64_t base;

    if (!full_path(e, path, full, wide))
        return pvh_efi_fail(EFI_INVALID_PARAMETER, "%s \"%pE\": not a printable ASCII path of "
                            "at most %u characters", what, path, PVH_EFI_PATH_MAX - 1);
    status = e->root->Open(e->root, &fh, wide, EFI_FILE_MODE_READ, 0);
    if (status == EFI_NOT_FOUND && optional)
        return status;
    if (EFI_ERROR(status))
        return pvh_efi_fail(status, "%s %s: cannot open: %s", what, full,
                            pvh_efi_status_name(status));
    status = file_size(fh, what, full, size);
    if (!EFI_ERROR(status))
        status = pvh_efi_alloc(e, full, EfiLoaderData, *size, max_addr, &base);
    if (!EFI_ERROR(status)) {
        *data = (uint8_t *)(uintptr_t)base;
        status = read_all(fh, what, full, *data, *size);
        if (EFI_ERROR(status))
            pvh_efi_free(e, *data);
    }
    fh->Close(fh);
    return status;
}

EFI_STATUS pvh_efi_read_file(struct pvh_efi *e, const char *what, const char *path,
                             uint64_t max_addr, uint8_t **data, uint64_t *size)
{
    return read_file(e, what, path, max_addr, false, data, size);
}

EFI_STATUS pvh_efi_read_optional(struct pvh_efi *e, const char *what, const char *path,
                                 uint64_t max_addr, uint8_t **data, uint64_t *size)
{
    return read_file(e, what, path, max_addr, true, data, size);
}

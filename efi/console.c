/*
 * Lines on the EFI console. The text is formatted by pvhboot's own
 * engine (common/output/format.c: the same conversions and escaping as every
 * other pvhboot line) and handed to ConOut in UCS-2; "\n" becomes
 * "\r\n". Under QEMU with -nographic the console is the serial port.
 */
#include "efi/efi.h"

#include <stdarg.h>

#include "common/output/format.h"
#include "common/lib/string.h"

static EFI_SIMPLE_TEXT_OUT_PROTOCOL *con_out;

struct efi_out {
    struct pvh_format_out base;
    CHAR16 buf[128];
    unsigned used;
};

static void flush(struct efi_out *o)
{
    o->buf[o->used] = 0;
    if (con_out && o->used)
        con_out->OutputString(con_out, o->buf);
    o->used = 0;
}

static void put_char(struct efi_out *o, CHAR16 c)
{
    if (o->used + 1 >= sizeof(o->buf) / sizeof(o->buf[0]))
        flush(o);
    o->buf[o->used++] = c;
}

static void put(struct pvh_format_out *out, const char *s, size_t n)
{
    struct efi_out *o = (struct efi_out *)out;
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\n')
            put_char(o, '\r');
        /* Callers escape untrusted bytes (%pE); anything else non-ASCII is a bug. */
        put_char(o, c < 0x80 ? c : '?');
    }
}

static void line(const char *prefix, const char *fmt, va_list ap)
{
    struct efi_out o = { .base = { .put = put } };

    put(&o.base, prefix, strlen(prefix));
    pvh_vformat(&o.base, fmt, ap);
    put(&o.base, "\n", 1);
    flush(&o);
}

void pvh_efi_console_init(EFI_SYSTEM_TABLE *st)
{
    con_out = st->ConOut;
}

void pvh_efi_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    line("pvhboot: efi: ", fmt, ap);
    va_end(ap);
}

EFI_STATUS pvh_efi_fail(EFI_STATUS status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    line("pvhboot: error: ", fmt, ap);
    va_end(ap);
    return status;
}

const char *pvh_efi_status_name(EFI_STATUS status)
{
    switch (status) {
    case EFI_SUCCESS:           return "success";
    case EFI_LOAD_ERROR:        return "EFI_LOAD_ERROR";
    case EFI_INVALID_PARAMETER: return "EFI_INVALID_PARAMETER";
    case EFI_UNSUPPORTED:       return "EFI_UNSUPPORTED";
    case EFI_BUFFER_TOO_SMALL:  return "EFI_BUFFER_TOO_SMALL";
    case EFI_NOT_READY:         return "EFI_NOT_READY";
    case EFI_DEVICE_ERROR:      return "EFI_DEVICE_ERROR";
    case EFI_WRITE_PROTECTED:   return "EFI_WRITE_PROTECTED";
    case EFI_OUT_OF_RESOURCES:  return "EFI_OUT_OF_RESOURCES";
    case EFI_VOLUME_CORRUPTED:  return "EFI_VOLUME_CORRUPTED";
    case EFI_NO_MEDIA:          return "EFI_NO_MEDIA";
    case EFI_NOT_FOUND:         return "EFI_NOT_FOUND";
    case EFI_ACCESS_DENIED:     return "EFI_ACCESS_DENIED";
    case EFI_ABORTED:           return "EFI_ABORTED";
    default:                    return "EFI error";
    }
}

/* The formatting engine behind pvh_printf and pvh_snprintf. */
#ifndef PVH_COMMON_FORMAT_H
#define PVH_COMMON_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Where formatted bytes go: called with pieces of the output in order
 * (a piece may be empty: n = 0). */
struct pvh_format_out {
    void (*put)(struct pvh_format_out *out, const char *s, size_t n);
    size_t total; /* bytes produced so far */
};

void pvh_vformat(struct pvh_format_out *out, const char *fmt, va_list ap);

/* A sink into buf[0..size): where it is full, flush (when not NULL)
 * empties it and the bytes go on; without flush the rest is dropped. */
struct pvh_format_buf {
    struct pvh_format_out out; /* out.put: pvh_format_buf_put */
    char *buf;
    size_t size;
    size_t used;
    void (*flush)(struct pvh_format_buf *b);
};

void pvh_format_buf_put(struct pvh_format_out *out, const char *s, size_t n);

#endif

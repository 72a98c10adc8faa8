/*
 * How parsers report what was wrong: an error code for programs and a
 * one-line message for people. The message reads "<what>: <value>",
 * the shape of pvhboot's fatal error lines.
 */
#ifndef PVH_COMMON_ERROR_H
#define PVH_COMMON_ERROR_H

#include <pvhboot/console.h>

enum pvh_status {
    PVH_OK = 0,
    PVH_EINVAL = -1,   /* malformed: bad magic, bad checksum, unterminated string */
    PVH_ERANGE = -2,   /* an address or range outside what it may be */
    PVH_EOVERLAP = -3, /* a range overlapping another it must not */
    PVH_E2BIG = -4,    /* more than pvhboot's bound */
    PVH_ENOMEM = -5,   /* no room: no free memory, table full */
    PVH_ENOENT = -6,   /* something required is absent */
};

struct pvh_error {
    int code;
    char msg[192];
};

/* Record an error and return its code: `return pvh_fail(err, PVH_EINVAL, ...);` */
int pvh_fail(struct pvh_error *err, int code, const char *fmt, ...) PVH_PRINTF(3, 4);

/* The same, with the code read back from err: no tail call then, so in a
 * function with a frame of its own the failure joins the function's one
 * epilogue instead of a copy of it (a plain `return pvh_fail(...)` is the
 * smaller where the function has no frame to undo). */
#define PVH_FAIL(err, ...) (pvh_fail((err), __VA_ARGS__), (err)->code)

#endif

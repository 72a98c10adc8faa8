/*
 * Helpers shared by the host unit tests of common/ and firmware/: a
 * console sink that captures what pvhboot prints, a simulated
 * guest-physical memory for the parsers, and checks on struct pvh_error.
 */
#ifndef PVH_TESTS_UNIT_SUPPORT_H
#define PVH_TESTS_UNIT_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/boot/boot_store.h"
#include "common/output/error.h"

/* ---- console capture ---------------------------------------------------- */

/* Register a sink that appends everything written to the console to a
 * buffer (emptied here); capture_stop() unregisters it. */
void capture_start(void);
void capture_stop(void);
/* What was captured so far, NUL-terminated. */
const char *capture_text(void);
size_t capture_len(void);
/* How many times the sink's write() was called since capture_start(). */
unsigned capture_writes(void);
/* The sink itself, for tests of the sink list. */
const struct pvh_console *capture_sink(void);

/* ---- simulated physical memory ------------------------------------------ */

/*
 * Guest-physical memory as a few separate heap buffers ("segments"),
 * each at a physical address of the test's choosing and allocated at
 * exactly its size, so that ASan reports any read past a segment's end.
 * map() succeeds only for a range that lies entirely inside one segment.
 */
#define SIM_MAX_SEGMENTS 16

struct sim_segment {
    uint64_t pa;
    uint8_t *buf;
    size_t len;
};

struct sim_mem {
    struct pvh_phys phys;  /* first member: map() casts its argument back */
    struct sim_segment seg[SIM_MAX_SEGMENTS];
    unsigned nr;
    unsigned map_calls;    /* how often map() was asked */
};

void sim_init(struct sim_mem *m);
/* Add a zero-filled segment of len bytes at pa; returns its buffer. */
uint8_t *sim_add(struct sim_mem *m, uint64_t pa, size_t len);
/* Add a segment holding a copy of data[0..len). */
uint8_t *sim_add_copy(struct sim_mem *m, uint64_t pa, const void *data, size_t len);
/* The byte at pa, for writing test data; fails the test if pa is not in a segment. */
uint8_t *sim_at(struct sim_mem *m, uint64_t pa);
void sim_free(struct sim_mem *m);

/* ---- errors --------------------------------------------------------------- */

/* Assert that rc and err->code are both code and err->msg contains want. */
void assert_error_impl(int rc, const struct pvh_error *err, int code, const char *want,
                       const char *file, int line);
#define assert_error(rc, err, code, want) \
    assert_error_impl((rc), (err), (code), (want), __FILE__, __LINE__)

/* ---- fixtures --------------------------------------------------------------- */

/* The whole of tests/unit/data/<name> in a malloc'd buffer (the caller
 * frees it); its size in *len. Fails the test when it cannot be read. */
uint8_t *load_fixture(const char *name, size_t *len);

/* Set t[at] so that the len bytes at t sum to 0 mod 256 (an ACPI table's
 * or RSDP's checksum byte). */
void fix_checksum(uint8_t *t, size_t len, size_t at);

/* ---- random numbers ------------------------------------------------------- */

/* A small deterministic generator (xorshift64*), so failures reproduce. */
void rng_seed(uint64_t seed);
uint64_t rng_next(void);
/* A value in [0, n); n > 0. */
uint64_t rng_below(uint64_t n);

#endif

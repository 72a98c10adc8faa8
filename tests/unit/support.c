/*
 * What common/ and firmware/ need from an architecture on the host, and
 * helpers the unit tests share (see support.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvhboot/console.h>

#include "common/boot/arch_hooks.h"
#include "firmware/chainload.h"
#include "tests/unit/support.h"

/* A fatal error in common/ on the host: nothing sensible to return to. */
void pvh_arch_stop_failure(void)
{
    abort();
}

/* The firmware's hand-off: on the host, planning ends here. */
int pvh_arch_boot_payload(struct pvh_fw *fw, struct pvh_error *err)
{
    (void)fw;
    return pvh_fail(err, PVH_ENOENT, "no hand-off on the host");
}

/* ---- console capture ---------------------------------------------------- */

static char captured[1 << 16];
static size_t captured_len;
static unsigned captured_writes;

static void capture_write(const char *buf, size_t len)
{
    if (len >= sizeof(captured) - captured_len) {
        print_error("console capture: buffer full\n");
        abort();
    }
    memcpy(captured + captured_len, buf, len);
    captured_len += len;
    captured[captured_len] = '\0';
    captured_writes++;
}

static const struct pvh_console capture = { .name = "capture", .write = capture_write };

void capture_start(void)
{
    captured_len = 0;
    captured[0] = '\0';
    captured_writes = 0;
    assert_int_equal(pvh_console_register(&capture), 0);
}

void capture_stop(void)
{
    pvh_console_unregister(&capture);
}

const char *capture_text(void)
{
    return captured;
}

size_t capture_len(void)
{
    return captured_len;
}

unsigned capture_writes(void)
{
    return captured_writes;
}

const struct pvh_console *capture_sink(void)
{
    return &capture;
}

/* ---- simulated physical memory ------------------------------------------ */

static const void *sim_map(const struct pvh_phys *phys, uint64_t pa, uint64_t len)
{
    struct sim_mem *m = (struct sim_mem *)phys;
    unsigned i;

    /* The contract of struct pvh_phys: parsers never ask for 0 bytes. */
    assert_true(len != 0);
    m->map_calls++;
    for (i = 0; i < m->nr; i++) {
        const struct sim_segment *s = &m->seg[i];

        if (pa >= s->pa && pa - s->pa <= s->len && len <= s->len - (pa - s->pa))
            return s->buf + (pa - s->pa);
    }
    return NULL;
}

void sim_init(struct sim_mem *m)
{
    memset(m, 0, sizeof(*m));
    m->phys.map = sim_map;
}

uint8_t *sim_add(struct sim_mem *m, uint64_t pa, size_t len)
{
    struct sim_segment *s;

    assert_true(m->nr < SIM_MAX_SEGMENTS);
    assert_true(len > 0);
    s = &m->seg[m->nr++];
    s->pa = pa;
    s->len = len;
    s->buf = calloc(1, len);
    assert_non_null(s->buf);
    return s->buf;
}

uint8_t *sim_add_copy(struct sim_mem *m, uint64_t pa, const void *data, size_t len)
{
    uint8_t *buf = sim_add(m, pa, len);

    memcpy(buf, data, len);
    return buf;
}

uint8_t *sim_at(struct sim_mem *m, uint64_t pa)
{
    unsigned i;

    for (i = 0; i < m->nr; i++)
        if (pa >= m->seg[i].pa && pa - m->seg[i].pa < m->seg[i].len)
            return m->seg[i].buf + (pa - m->seg[i].pa);
    fail_msg("sim_at: 0x%llx is not in simulated memory", (unsigned long long)pa);
    return NULL;
}

void sim_free(struct sim_mem *m)
{
    unsigned i;

    for (i = 0; i < m->nr; i++)
        free(m->seg[i].buf);
    m->nr = 0;
}

/* ---- errors --------------------------------------------------------------- */

void assert_error_impl(int rc, const struct pvh_error *err, int code, const char *want,
                       const char *file, int line)
{
    bool ok = rc == code && err->code == code && strstr(err->msg, want);

    if (!ok) {
        print_error("expected error %d containing \"%s\"; got rc %d, code %d, msg \"%s\"\n",
                    code, want, rc, err->code, err->msg);
        _fail(file, line);
    }
}

/* ---- random numbers ------------------------------------------------------- */

static uint64_t rng_state = 1;

void rng_seed(uint64_t seed)
{
    rng_state = seed ? seed : 1;
}

uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

uint64_t rng_below(uint64_t n)
{
    return rng_next() % n;
}

/* ---- fixtures --------------------------------------------------------------- */

uint8_t *load_fixture(const char *name, size_t *len)
{
    char path[512], dir[256];
    const char *slash = strrchr(__FILE__, '/');
    uint8_t *buf;
    FILE *f;
    long n;

    /* The fixtures sit in data/ beside this source file. */
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
    snprintf(path, sizeof(path), "%s/data/%s", dir, name);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

void fix_checksum(uint8_t *t, size_t len, size_t at)
{
    uint8_t sum = 0;

    t[at] = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + t[i]);
    t[at] = (uint8_t)-sum;
}

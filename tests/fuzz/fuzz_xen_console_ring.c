/*
 * Fuzz target: writing to a Xen PV console ring whose other end is
 * hostile (common/xen/xen_console_ring.c). The backend owns out_cons and may
 * move it anywhere; the guest must never write outside out[], never
 * report more bytes than it was given, and must give up (broken) rather
 * than spin when the backend stops or corrupts the ring.
 *
 * Input: u32 initial out_prod, u32 initial out_cons, then a script of
 * backend actions, one byte each, consumed whenever the guest waits or
 * notifies: consume n bytes (in order, checked against what was
 * written), set out_cons to a fuzzed value, flip the connection flag
 * (Xen 4.21: disconnected until xenconsoled serves the ring), or stop.
 * Then the writes: u16 length and that many bytes, until the input
 * ends, and a flush.
 *
 * Checked: the bytes the backend consumes are exactly the bytes written
 * to the ring, in order, as long as it only consumes; a write while the
 * ring reads disconnected goes whole to the fallback and leaves the ring
 * alone; write() returns at most its length and all of it while the
 * backend behaves; the guest never waits more than the script allows
 * (no spinning on a dead backend), nor waits on a disconnected ring.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xen/xen_console_ring.h"
#include "tests/fuzz/fuzz.h"

#define MAX_WAITS (65536 + 4096) /* the longest script, and some drains */

struct backend {
    struct fuzz_in script;
    unsigned waits;
    bool corrupted;        /* out_cons was set, not advanced: order no longer checkable */
    bool stopped;
    uint8_t *sent;         /* everything the guest queued, in order */
    size_t sent_len, consumed;
    size_t fallback_len;   /* bytes the guest handed to the fallback */
};

static struct xencons_interface ring;
static struct backend be;

/* The backend reads n queued bytes, checking them against what was written. */
static void consume(XENCONS_RING_IDX n)
{
    XENCONS_RING_IDX cons = ring.out_cons, i;

    for (i = 0; i < n && !be.corrupted; i++) {
        uint8_t c = (uint8_t)ring.out[(cons + i) & (XENCONS_OUT_SIZE - 1)];

        FUZZ_CHECK(be.consumed < be.sent_len && be.sent[be.consumed] == c,
                   "backend read byte %zu as 0x%02x, the guest wrote 0x%02x", be.consumed, c,
                   be.consumed < be.sent_len ? be.sent[be.consumed] : 0);
        be.consumed++;
    }
    ring.out_cons = cons + n;
}

/* One scripted action of the backend; when the script is over, it drains the ring. */
static void act(void)
{
    XENCONS_RING_IDX avail = ring.out_prod - ring.out_cons;
    uint8_t a = be.script.left ? fuzz_u8(&be.script) : 0xbf;

    if (avail > XENCONS_OUT_SIZE) {
        be.corrupted = true; /* not a ring any more: put it right, check no order */
        ring.out_cons = ring.out_prod;
    } else if (a < 0xc0) {
        consume(a == 0xbf || a > avail ? avail : a);
    } else if (a < 0xf0) {
        ring.out_cons = fuzz_u32(&be.script);
        be.corrupted = true;
    } else if (a < 0xf8) {
        ring.connection ^= XENCONSOLE_DISCONNECTED;
    } else {
        be.stopped = true;
    }
}

static void notify(void *ctx)
{
    (void)ctx;
}

static void fallback(const char *buf, size_t len)
{
    (void)buf;
    be.fallback_len += len;
}

static bool wait_for_backend(void *ctx)
{
    (void)ctx;
    /* The guest waits only for a full ring (write) or queued bytes (flush). */
    FUZZ_CHECK(ring.out_prod != ring.out_cons, "the guest waits with nothing queued");
    FUZZ_CHECK(ring.connection == XENCONSOLE_CONNECTED, "the guest waits on a disconnected ring");
    FUZZ_CHECK(++be.waits <= MAX_WAITS, "the guest waits on and on");
    if (be.stopped)
        return false;
    act();
    return !be.stopped;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct pvh_xencons c = { .ring = &ring, .notify = notify, .wait = wait_for_backend,
                             .fallback = fallback };
    size_t script_len, got;

    memset(&ring, 0, sizeof(ring));
    memset(&be, 0, sizeof(be));
    ring.out_prod = fuzz_u32(&in);
    ring.out_cons = fuzz_u32(&in);
    be.corrupted = ring.out_prod - ring.out_cons != 0; /* old bytes of unknown content */
    script_len = fuzz_u16(&in);
    be.script.p = fuzz_bytes(&in, script_len, &got);
    be.script.left = got;
    be.sent = malloc(size + 1);
    if (!be.sent)
        abort();
    while (in.left) {
        size_t want = fuzz_u16(&in), n;
        const uint8_t *buf = fuzz_bytes(&in, want, &n);
        XENCONS_RING_IDX prod = ring.out_prod;
        bool away = ring.connection != XENCONSOLE_CONNECTED;
        size_t done, before = be.fallback_len, fb;

        /* Queued before the write: the backend may read them while it runs. */
        memcpy(be.sent + be.sent_len, buf, n);
        be.sent_len += n;
        done = pvh_xencons_write(&c, (const char *)buf, n);
        fb = be.fallback_len - before;
        FUZZ_CHECK(done <= n, "write of %zu reports %zu", n, done);
        FUZZ_CHECK(c.broken || done == n, "write of %zu stopped at %zu, not broken", n, done);
        FUZZ_CHECK(fb <= done, "%zu bytes to the fallback of %zu written", fb, done);
        if (away)
            FUZZ_CHECK(ring.out_prod == prod && fb == n, "disconnected: %zu of %zu bytes to the "
                       "fallback, producer moved by %u", fb, n, ring.out_prod - prod);
        if (!c.broken)
            FUZZ_CHECK(ring.out_prod - prod == n - fb, "producer moved by %u for %zu bytes",
                       ring.out_prod - prod, n - fb);
        /* The fallback took the tail of this write: the ring never sees it. */
        be.sent_len -= n - done + fb;
    }
    if (pvh_xencons_flush(&c) && ring.connection == XENCONSOLE_CONNECTED)
        FUZZ_CHECK(ring.out_prod == ring.out_cons, "flush returned with bytes pending");
    free(be.sent);
    return 0;
}

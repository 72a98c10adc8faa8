/*
 * common/xen/xen_console_ring.c against a simulated backend: the tests play
 * xenconsoled, consuming from out[] inside the wait() callback as much
 * as they choose, so full rings, wrap-around, partial consumption, a
 * backend that stops and one that corrupts the indices are all seen.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/xen/xen_console_ring.h"
#include "tests/unit/support.h"

struct backend {
    struct xencons_interface ring;
    char fallback[64 * 1024];   /* what went to the fallback (Xen's console_io), in order */
    size_t nr_fallback;
    char received[64 * 1024];   /* what the backend has consumed, in order */
    size_t nr_received;
    unsigned notifies, waits;
    size_t consume_per_wait;    /* bytes taken each time the guest waits; 0: stalled */
    unsigned stall_after;       /* waits after which the backend stops (0: never) */
    bool disconnect_on_wait;    /* the backend marks the ring disconnected when waited on */
};

static struct backend B;

static void consume(size_t n)
{
    while (n-- && B.ring.out_cons != B.ring.out_prod) {
        assert_true(B.nr_received < sizeof(B.received));
        B.received[B.nr_received++] = B.ring.out[B.ring.out_cons % XENCONS_OUT_SIZE];
        B.ring.out_cons++;
    }
}

static void notify(void *ctx)
{
    (void)ctx;
    B.notifies++;
}

static bool wait_for_backend(void *ctx)
{
    (void)ctx;
    B.waits++;
    if (B.disconnect_on_wait)
        B.ring.connection = XENCONSOLE_DISCONNECTED;
    if (B.stall_after && B.waits > B.stall_after)
        return false;
    if (!B.consume_per_wait)
        return false;
    consume(B.consume_per_wait);
    return true;
}

static void console_io(const char *buf, size_t len)
{
    assert_true(len <= sizeof(B.fallback) - B.nr_fallback);
    memcpy(B.fallback + B.nr_fallback, buf, len);
    B.nr_fallback += len;
}

static struct pvh_xencons console(void)
{
    return (struct pvh_xencons){ .ring = &B.ring, .notify = notify, .wait = wait_for_backend,
                                 .fallback = console_io };
}

static int setup(void **state)
{
    (void)state;
    memset(&B, 0, sizeof(B));
    return 0;
}

/* Text of n bytes that shows its own position, so misplacement is visible. */
static char *pattern(size_t n)
{
    char *p = malloc(n);

    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (char)('a' + (i * 7 + i / 26) % 26);
    return p;
}

static void short_write_is_queued_and_notified(void **state)
{
    struct pvh_xencons c = console();

    assert_int_equal(pvh_xencons_write(&c, "hello", 5), 5);
    assert_int_equal(B.ring.out_prod, 5);
    assert_memory_equal(B.ring.out, "hello", 5);
    assert_true(B.notifies >= 1);
    assert_int_equal(B.waits, 0);
}

/* Indices that run past the ring's size write at prod modulo the size. */
static void wraps_around_the_end_of_the_ring(void **state)
{
    struct pvh_xencons c = console();
    char *text = pattern(100);

    B.ring.out_prod = B.ring.out_cons = XENCONS_OUT_SIZE - 30; /* 30 bytes before the end */
    assert_int_equal(pvh_xencons_write(&c, text, 100), 100);
    assert_memory_equal(B.ring.out + XENCONS_OUT_SIZE - 30, text, 30);
    assert_memory_equal(B.ring.out, text + 30, 70);
    consume(100);
    assert_memory_equal(B.received, text, 100);
    free(text);
}

/* Free-running 32-bit indices wrap past 2^32 without losing bytes. */
static void indices_wrap_past_2_to_32(void **state)
{
    struct pvh_xencons c = console();
    char *text = pattern(3000);

    B.ring.out_prod = B.ring.out_cons = 0xffffffffu - 100;
    B.consume_per_wait = 500;
    assert_int_equal(pvh_xencons_write(&c, text, 3000), 3000);
    consume(SIZE_MAX);
    assert_int_equal(B.nr_received, 3000);
    assert_memory_equal(B.received, text, 3000);
    free(text);
}

/* More than the ring holds: the writer waits, the backend drains a bit
 * at a time, and every byte arrives once, in order. */
static void full_ring_waits_for_partial_consumption(void **state)
{
    struct pvh_xencons c = console();
    size_t n = 5 * XENCONS_OUT_SIZE + 123;
    char *text = pattern(n);

    B.consume_per_wait = 333; /* not a divisor of the ring size */
    assert_int_equal(pvh_xencons_write(&c, text, n), n);
    assert_true(B.waits >= 5);
    consume(SIZE_MAX);
    assert_int_equal(B.nr_received, n);
    assert_memory_equal(B.received, text, n);
    free(text);
}

/* Never more than the ring's size outstanding. */
static void never_overwrites_unconsumed_bytes(void **state)
{
    struct pvh_xencons c = console();
    char *text = pattern(XENCONS_OUT_SIZE + 10);

    B.consume_per_wait = 1;
    assert_int_equal(pvh_xencons_write(&c, text, XENCONS_OUT_SIZE + 10), XENCONS_OUT_SIZE + 10);
    assert_true(B.ring.out_prod - B.ring.out_cons <= XENCONS_OUT_SIZE);
    consume(SIZE_MAX);
    assert_memory_equal(B.received, text, XENCONS_OUT_SIZE + 10);
    free(text);
}

/* A backend that stops consuming: the writer gives up instead of hanging,
 * and later writes are dropped at once. */
static void stalled_backend_drops_output_without_hanging(void **state)
{
    struct pvh_xencons c = console();
    char *text = pattern(XENCONS_OUT_SIZE + 100);

    B.consume_per_wait = 0;
    assert_int_equal(pvh_xencons_write(&c, text, XENCONS_OUT_SIZE + 100), XENCONS_OUT_SIZE);
    assert_true(c.broken);
    B.waits = 0;
    assert_int_equal(pvh_xencons_write(&c, "more", 4), 0);
    assert_int_equal(B.waits, 0);
    free(text);
}

/* Flush waits until the backend consumed everything queued. */
static void flush_waits_until_consumed(void **state)
{
    struct pvh_xencons c = console();

    assert_int_equal(pvh_xencons_write(&c, "0123456789", 10), 10);
    B.consume_per_wait = 3;
    assert_true(pvh_xencons_flush(&c));
    assert_int_equal(B.ring.out_cons, B.ring.out_prod);
    assert_int_equal(B.waits, 4);
    assert_memory_equal(B.received, "0123456789", 10);
}

static void flush_gives_up_on_stalled_backend(void **state)
{
    struct pvh_xencons c = console();

    assert_int_equal(pvh_xencons_write(&c, "abc", 3), 3);
    B.consume_per_wait = 1;
    B.stall_after = 1;
    assert_false(pvh_xencons_flush(&c));
    assert_true(c.broken);
}

/* A backend whose consumer index is further behind than the ring is long
 * has corrupted the ring: nothing more is written into it. */
static void corrupted_indices_stop_output(void **state)
{
    struct pvh_xencons c = console();

    B.ring.out_prod = 5000;
    B.ring.out_cons = 100; /* 4900 outstanding: impossible */
    assert_int_equal(pvh_xencons_write(&c, "x", 1), 0);
    assert_true(c.broken);
    assert_int_equal(B.ring.out_prod, 5000);
}

/* Xen 4.21's toolstack marks the ring disconnected until xenconsoled
 * serves it, and nobody drains it meanwhile: everything goes to the
 * fallback, far more than the ring holds, without waiting on the ring
 * or touching it; a flush returns at once. */
static void disconnected_ring_writes_through_the_fallback(void **state)
{
    struct pvh_xencons c = console();
    size_t n = 10 * XENCONS_OUT_SIZE + 7;
    char *text = pattern(n);

    B.ring.connection = XENCONSOLE_DISCONNECTED;
    B.consume_per_wait = 0; /* nobody drains */
    for (size_t done = 0; done < n; done += 100)
        assert_int_equal(pvh_xencons_write(&c, text + done, n - done < 100 ? n - done : 100),
                         n - done < 100 ? n - done : 100);
    assert_true(pvh_xencons_flush(&c));
    assert_int_equal(B.nr_fallback, n);
    assert_memory_equal(B.fallback, text, n);
    assert_int_equal(B.ring.out_prod, 0);
    assert_int_equal(B.waits, 0);
    assert_int_equal(B.notifies, 0);
    assert_false(c.broken);
    free(text);
}

/* Once xenconsoled has connected (written 0), output goes to the ring
 * again; what went to the fallback is not repeated there. */
static void connected_later_goes_back_to_the_ring(void **state)
{
    struct pvh_xencons c = console();

    B.ring.connection = XENCONSOLE_DISCONNECTED;
    assert_int_equal(pvh_xencons_write(&c, "early ", 6), 6);
    B.ring.connection = XENCONSOLE_CONNECTED;
    assert_int_equal(pvh_xencons_write(&c, "late", 4), 4);
    assert_int_equal(B.nr_fallback, 6);
    assert_memory_equal(B.fallback, "early ", 6);
    assert_int_equal(B.ring.out_prod, 4);
    assert_memory_equal(B.ring.out, "late", 4);
}

/* A ring that reads disconnected in the middle of a write (the backend
 * went away while the writer waited for room): the rest goes to the
 * fallback, nothing is lost or repeated, and nobody waits again. */
static void disconnect_during_a_write_sends_the_rest_to_the_fallback(void **state)
{
    struct pvh_xencons c = console();
    size_t n = XENCONS_OUT_SIZE + 500;
    char *text = pattern(n);

    B.consume_per_wait = 100;
    B.disconnect_on_wait = true;
    assert_int_equal(pvh_xencons_write(&c, text, n), n);
    assert_int_equal(B.waits, 1);
    consume(SIZE_MAX);
    assert_int_equal(B.nr_received + B.nr_fallback, n);
    assert_memory_equal(B.received, text, B.nr_received);
    assert_memory_equal(B.fallback, text + B.nr_received, B.nr_fallback);
    assert_true(pvh_xencons_flush(&c));
    free(text);
}

/* Only 0 means connected: no other value promises a reader. */
static void other_connection_values_count_as_disconnected(void **state)
{
    struct pvh_xencons c = console();

    B.ring.connection = 0x80;
    assert_int_equal(pvh_xencons_write(&c, "x", 1), 1);
    assert_int_equal(B.nr_fallback, 1);
    assert_int_equal(B.ring.out_prod, 0);
}

/* Disconnected and no fallback: dropped, never waited for. */
static void disconnected_without_fallback_drops(void **state)
{
    struct pvh_xencons c = console();
    char *text = pattern(3 * XENCONS_OUT_SIZE);

    c.fallback = NULL;
    B.ring.connection = XENCONSOLE_DISCONNECTED;
    assert_int_equal(pvh_xencons_write(&c, text, 3 * XENCONS_OUT_SIZE), 3 * XENCONS_OUT_SIZE);
    assert_int_equal(B.ring.out_prod, 0);
    assert_int_equal(B.waits, 0);
    free(text);
}

/* The field lies where Xen's public io/console.h puts it. */
static void connection_flag_follows_the_indices(void **state)
{
    assert_int_equal(offsetof(struct xencons_interface, connection), 3088);
    assert_int_equal(XENCONSOLE_CONNECTED, 0);
    assert_int_equal(XENCONSOLE_DISCONNECTED, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, NULL)
    const struct CMUnitTest tests[] = {
        T(short_write_is_queued_and_notified),
        T(wraps_around_the_end_of_the_ring),
        T(indices_wrap_past_2_to_32),
        T(full_ring_waits_for_partial_consumption),
        T(never_overwrites_unconsumed_bytes),
        T(stalled_backend_drops_output_without_hanging),
        T(flush_waits_until_consumed),
        T(flush_gives_up_on_stalled_backend),
        T(corrupted_indices_stop_output),
        T(disconnected_ring_writes_through_the_fallback),
        T(connected_later_goes_back_to_the_ring),
        T(disconnect_during_a_write_sends_the_rest_to_the_fallback),
        T(other_connection_values_count_as_disconnected),
        T(disconnected_without_fallback_drops),
        T(connection_flag_follows_the_indices),
    };
    return cmocka_run_group_tests_name("xen_console_ring", tests, NULL, NULL);
}

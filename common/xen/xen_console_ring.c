#include "common/xen/xen_console_ring.h"

#include <stdint.h>

/* The backend updates out_cons concurrently: read it once per use, and
 * order the data writes before the producer index becomes visible. */
static XENCONS_RING_IDX read_cons(const struct pvh_xencons *c)
{
    XENCONS_RING_IDX cons = c->ring->out_cons;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return cons;
}

/* Bytes queued and not yet consumed; marks the console broken if the
 * backend left the indices further apart than the ring is long. */
static XENCONS_RING_IDX pending(struct pvh_xencons *c)
{
    XENCONS_RING_IDX used = c->ring->out_prod - read_cons(c);

    if (used > XENCONS_OUT_SIZE)
        c->broken = true;
    return used;
}

/* Only 0 is "connected": a page older toolstacks zeroed reads so, and
 * any other value is not a promise that someone drains the ring. */
static bool disconnected(const struct pvh_xencons *c)
{
    return c->ring->connection != XENCONSOLE_CONNECTED;
}

size_t pvh_xencons_write(struct pvh_xencons *c, const char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        XENCONS_RING_IDX used, prod, n;

        /* Checked again after every wait: a backend may say so late. */
        if (disconnected(c)) {
            if (c->fallback)
                c->fallback(buf + done, len - done);
            return len;
        }
        used = pending(c); /* may find the ring corrupted, or it was */
        prod = c->ring->out_prod;
        if (c->broken)
            break;
        if (used == XENCONS_OUT_SIZE) {
            c->notify(c->ctx);
            if (!c->wait(c->ctx))
                c->broken = true;
            continue;
        }
        n = XENCONS_OUT_SIZE - used;
        if (n > len - done)
            n = (XENCONS_RING_IDX)(len - done);
        for (XENCONS_RING_IDX i = 0; i < n; i++)
            c->ring->out[(prod + i) & (XENCONS_OUT_SIZE - 1)] = buf[done + i];
        __atomic_thread_fence(__ATOMIC_RELEASE);
        c->ring->out_prod = prod + n;
        done += n;
        c->notify(c->ctx);
    }
    return done;
}

bool pvh_xencons_flush(struct pvh_xencons *c)
{
    /* pending() may find the ring corrupted: checked after it, too. */
    while (!c->broken && !disconnected(c) && pending(c) && !c->broken) {
        c->notify(c->ctx);
        if (!c->wait(c->ctx))
            c->broken = true;
    }
    return !c->broken;
}

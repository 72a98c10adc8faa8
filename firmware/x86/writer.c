/* The bounded writer the hand-offs build their boot information with. */
#include "firmware/x86/writer.h"

#include "common/lib/string.h"

void x86_put(struct x86_writer *w, const void *data, size_t len)
{
    if (w->base)
        memcpy(w->base + w->used, data, len);
    w->used += len;
}

void x86_put_u32(struct x86_writer *w, uint32_t v)
{
    x86_put(w, &v, sizeof(v));
}

void x86_put_u64(struct x86_writer *w, uint64_t v)
{
    x86_put(w, &v, sizeof(v));
}

void x86_put_zero(struct x86_writer *w, size_t len)
{
    if (w->base)
        memset(w->base + w->used, 0, len);
    w->used += len;
}

void x86_align(struct x86_writer *w, size_t align)
{
    x86_put_zero(w, (align - w->used % align) % align);
}

uint64_t x86_here(const struct x86_writer *w)
{
    return w->pa + w->used;
}

/*
 * Helpers the fuzz targets share (see fuzz.h), and what common/ and
 * firmware/ need from an architecture on the host.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/e820.h>

#include "common/boot/arch_hooks.h"
#include "tests/fuzz/fuzz.h"

/* A fatal error in common/: on the host, a crash libFuzzer keeps. */
void pvh_arch_stop_failure(void)
{
    abort();
}

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s:%d: invariant broken: %s\n  ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

bool fuzz_terminated(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

void fuzz_check_memmap(const struct pvh_region *r, unsigned n, const char *what)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        uint64_t end = r[i].base + r[i].size;

        FUZZ_CHECK(r[i].size != 0, "%s: region %u is empty", what, i);
        FUZZ_CHECK(end > r[i].base, "%s: region %u 0x%llx+0x%llx wraps", what, i,
                   (unsigned long long)r[i].base, (unsigned long long)r[i].size);
        if (r[i].type == E820_TYPE_RAM)
            FUZZ_CHECK(r[i].base % PVH_PAGE_SIZE == 0 && r[i].size % PVH_PAGE_SIZE == 0,
                       "%s: RAM region %u 0x%llx+0x%llx not page-aligned", what, i,
                       (unsigned long long)r[i].base, (unsigned long long)r[i].size);
        if (i + 1 == n)
            break;
        FUZZ_CHECK(end <= r[i + 1].base, "%s: region %u ends at 0x%llx, past %u at 0x%llx", what,
                   i, (unsigned long long)end, i + 1, (unsigned long long)r[i + 1].base);
        FUZZ_CHECK(!(end == r[i + 1].base && r[i].type == r[i + 1].type &&
                     r[i].flags == r[i + 1].flags),
                   "%s: regions %u and %u touch with type %u flags 0x%x: not merged", what, i,
                   i + 1, r[i].type, r[i].flags);
    }
}

const struct pvh_region *fuzz_memmap_find(const struct pvh_region *r, unsigned n, uint64_t pa)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (pa >= r[i].base && pa - r[i].base < r[i].size)
            return &r[i];
    return NULL;
}

/* ---- the input as fields ----------------------------------------------- */

static uint64_t take(struct fuzz_in *in, unsigned bytes)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < bytes && in->left; i++, in->left--)
        v |= (uint64_t)*in->p++ << (8 * i);
    return v;
}

uint8_t fuzz_u8(struct fuzz_in *in)
{
    return (uint8_t)take(in, 1);
}

uint16_t fuzz_u16(struct fuzz_in *in)
{
    return (uint16_t)take(in, 2);
}

uint32_t fuzz_u32(struct fuzz_in *in)
{
    return (uint32_t)take(in, 4);
}

uint64_t fuzz_u64(struct fuzz_in *in)
{
    return take(in, 8);
}

const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
    const uint8_t *p = in->p;

    *got = n < in->left ? n : in->left;
    in->p += *got;
    in->left -= *got;
    return p;
}

/* ---- simulated physical memory ------------------------------------------- */

static const void *mem_map(const struct pvh_phys *phys, uint64_t pa, uint64_t len)
{
    const struct fuzz_mem *m = (const struct fuzz_mem *)phys;

    FUZZ_CHECK(len != 0, "map() asked for 0 bytes at 0x%llx (struct pvh_phys forbids it)",
               (unsigned long long)pa);
    return fuzz_mem_at(m, pa, len);
}

const uint8_t *fuzz_mem_at(const struct fuzz_mem *m, uint64_t pa, uint64_t len)
{
    unsigned i;

    for (i = 0; i < m->nr; i++) {
        uint64_t off = pa - m->seg[i].pa;

        if (pa >= m->seg[i].pa && off <= m->seg[i].len && len <= m->seg[i].len - off)
            return m->seg[i].buf + off;
    }
    return NULL;
}

/* A byte of memory has one value: a segment over an earlier one is dropped
 * (two views of one address would be memory changing between reads). */
static bool overlaps_earlier(const struct fuzz_mem *m, uint64_t pa, uint64_t len)
{
    unsigned i;

    for (i = 0; i < m->nr; i++)
        if (pa < m->seg[i].pa + m->seg[i].len && m->seg[i].pa < pa + len)
            return true;
    return false;
}

void fuzz_mem_from_input(struct fuzz_mem *m, struct fuzz_in *in, unsigned max)
{
    unsigned taken;

    memset(m, 0, sizeof(*m));
    m->phys.map = mem_map;
    for (taken = 0; in->left >= 12 && taken < max && m->nr < FUZZ_MEM_SEGMENTS; taken++) {
        uint64_t pa = fuzz_u64(in);
        size_t want = fuzz_u16(in), zeros = fuzz_u16(in), got;
        const uint8_t *data = fuzz_bytes(in, want, &got);

        if ((!got && !zeros) || overlaps_earlier(m, pa, got + zeros))
            continue;
        /* Exactly this long: one byte more is out of bounds for ASan. */
        m->seg[m->nr].buf = calloc(1, got + zeros);
        if (!m->seg[m->nr].buf)
            abort();
        memcpy(m->seg[m->nr].buf, data, got);
        m->seg[m->nr].pa = pa;
        m->seg[m->nr].len = got + zeros;
        m->nr++;
    }
}

void fuzz_mem_free(struct fuzz_mem *m)
{
    unsigned i;

    for (i = 0; i < m->nr; i++)
        free(m->seg[i].buf);
    m->nr = 0;
}

/* ---- sparse images ----------------------------------------------------------- */

#define IMAGE_PIECES 32

static uint8_t *image_area;   /* FUZZ_IMAGE_MAX bytes, then a guard page */
static struct {
    uint8_t *at;
    size_t len;
} dirty[IMAGE_PIECES];
static unsigned nr_dirty;

static void image_area_init(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint8_t *p;

    /* Untouched pages read as zero and cost nothing. */
    p = mmap(NULL, FUZZ_IMAGE_MAX + page, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED || mprotect(p + FUZZ_IMAGE_MAX, page, PROT_NONE)) {
        perror("fuzz: image area");
        abort();
    }
    image_area = p;
}

const uint8_t *fuzz_image_from_input(struct fuzz_in *in, uint64_t *len)
{
    uint8_t *img;
    unsigned i;

    if (!image_area)
        image_area_init();
    for (i = 0; i < nr_dirty; i++)
        memset(dirty[i].at, 0, dirty[i].len);
    nr_dirty = 0;

    *len = fuzz_u32(in);
    if (*len > FUZZ_IMAGE_MAX)
        *len = FUZZ_IMAGE_MAX;
    img = image_area + FUZZ_IMAGE_MAX - *len;
    while (in->left >= 6 && nr_dirty < IMAGE_PIECES) {
        uint64_t off = fuzz_u32(in);
        size_t want = fuzz_u16(in), got;
        const uint8_t *data = fuzz_bytes(in, want, &got);

        if (off >= *len)
            continue;
        if (got > *len - off)
            got = (size_t)(*len - off);
        memcpy(img + off, data, got);
        dirty[nr_dirty].at = img + off;
        dirty[nr_dirty].len = got;
        nr_dirty++;
    }
    return img;
}

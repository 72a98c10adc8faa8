/*
 * Boot Loader Specification type #1 entries and loader.conf: a line
 * walker over "key value" text, and the keys pvhboot uses.
 */
#include "firmware/disk/bls.h"

#include <stdint.h>

#include <pvhboot/console.h>

#include "common/lib/string.h"
#include "firmware/disk/version.h"

struct line_walk {
    const char *text;
    size_t len, at;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The next non-empty, non-comment line's key and value (trimmed). */
static bool next_line(struct line_walk *w, const char **key, size_t *klen, const char **val,
                      size_t *vlen)
{
    while (w->at < w->len) {
        size_t start = w->at, end, k;

        while (w->at < w->len && w->text[w->at] != '\n')
            w->at++;
        end = w->at;
        if (w->at < w->len)
            w->at++;
        while (start < end && is_space(w->text[start]))
            start++;
        while (end > start && is_space(w->text[end - 1]))
            end--;
        if (start == end || w->text[start] == '#')
            continue;
        for (k = start; k < end && !is_space(w->text[k]); k++)
            ;
        *key = w->text + start;
        *klen = k - start;
        while (k < end && is_space(w->text[k]))
            k++;
        *val = w->text + k;
        *vlen = end - k;
        return true;
    }
    return false;
}

static bool key_is(const char *key, size_t klen, const char *name)
{
    return strlen(name) == klen && !memcmp(key, name, klen);
}

static int set(char *field, size_t size, const char *key, size_t klen, const char *val,
               size_t vlen, struct pvh_error *err)
{
    if (vlen >= size)
        return pvh_fail(err, PVH_E2BIG, "key '%.*s': %zu bytes (at most %zu)", (int)klen,
                        key, vlen, size - 1);
    memcpy(field, val, vlen);
    field[vlen] = '\0';
    return PVH_OK;
}

size_t pvh_bls_join(char *dst, size_t size, const char *src, size_t n)
{
    size_t have = strlen(dst), sep = have && n ? 1 : 0;

    if (have + sep + n >= size)
        return have + sep + n;
    if (sep)
        dst[have++] = ' ';
    memcpy(dst + have, src, n);
    dst[have + n] = '\0';
    return 0;
}

/* The keys pvhboot takes, in their fields' order (offs), then initrd and
 * options; the first five are PVH_BLS_TEXT_MAX long, the rest paths. */
static const char keys[] = "title\0version\0machine-id\0sort-key\0architecture\0linux\0"
                           "devicetree\0initrd\0options";
static const uint16_t offs[] = {
    offsetof(struct pvh_bls_entry, title), offsetof(struct pvh_bls_entry, version),
    offsetof(struct pvh_bls_entry, machine_id), offsetof(struct pvh_bls_entry, sort_key),
    offsetof(struct pvh_bls_entry, architecture), offsetof(struct pvh_bls_entry, linux_path),
    offsetof(struct pvh_bls_entry, devicetree),
};
#define KEY_INITRD 7
#define KEY_OPTIONS 8

/* The lines' keys and values, each to take (which returns 0 to go on).
 * The caller's file is named in front of a fault's line. */
typedef int (*take_fn)(void *ctx, const char *k, size_t kl, const char *v, size_t vl,
                       struct pvh_error *err);

static int walk(const char *text, size_t len, take_fn take, void *ctx, struct pvh_error *err)
{
    struct line_walk w = { text, len, 0 };
    const char *k, *v, *nul = memchr(text, '\0', len);
    size_t kl, vl;
    int rc = PVH_OK;

    if (nul)
        return pvh_fail(err, PVH_EINVAL, "a NUL byte at offset %zu", (size_t)(nul - text));
    while (rc == PVH_OK && next_line(&w, &k, &kl, &v, &vl))
        rc = take(ctx, k, kl, v, vl, err);
    return rc;
}

static int take_key(void *ctx, const char *k, size_t kl, const char *v, size_t vl,
                    struct pvh_error *err)
{
    struct pvh_bls_entry *e = ctx;
    const char *name = keys;
    unsigned i = 0;
    size_t total;
    char *field;

    while (!key_is(k, kl, name)) {
        if (i++ == KEY_OPTIONS)
            return PVH_OK;
        name += strlen(name) + 1;
    }
    if (i == KEY_OPTIONS) {
        total = pvh_bls_join(e->options, sizeof(e->options), v, vl);
        return total ? pvh_fail(err, PVH_E2BIG, "key 'options': %zu bytes in all "
                                "(at most %zu)", total, sizeof(e->options) - 1) : PVH_OK;
    }
    if (i == KEY_INITRD) {
        if (e->nr_initrd == PVH_BLS_INITRD_MAX)
            return pvh_fail(err, PVH_E2BIG, "more than %u initrd lines",
                            PVH_BLS_INITRD_MAX);
        field = e->initrd[e->nr_initrd++];
    } else {
        field = (char *)e + offs[i];
    }
    return set(field, i < 5 ? PVH_BLS_TEXT_MAX : PVH_BLS_PATH_MAX, k, kl, v, vl, err);
}

int pvh_bls_parse(const char *text, size_t len, struct pvh_bls_entry *out,
                  struct pvh_error *err)
{
    memset(out, 0, sizeof(*out));
    return walk(text, len, take_key, out, err);
}

const char *pvh_bls_arch(void)
{
#if defined(__aarch64__)
    return "aa64";
#else
    return "x64";
#endif
}

bool pvh_bls_arch_ok(const struct pvh_bls_entry *e)
{
    const char *want = pvh_bls_arch();

    return !e->architecture[0] || pvh_same_name(e->architecture, want, strlen(want));
}

struct loader_default {
    char *out;
    size_t size;
};

static int take_default(void *ctx, const char *k, size_t kl, const char *v, size_t vl,
                        struct pvh_error *err)
{
    const struct loader_default *d = ctx;

    return key_is(k, kl, "default") ? set(d->out, d->size, k, kl, v, vl, err) : PVH_OK;
}

int pvh_bls_loader_default(const char *text, size_t len, char *out, size_t out_size,
                           struct pvh_error *err)
{
    struct loader_default d = { out, out_size };

    out[0] = '\0';
    return walk(text, len, take_default, &d, err);
}

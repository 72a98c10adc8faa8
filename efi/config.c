#include "efi/config.h"

#include "common/lib/string.h"

#define SEPARATOR "---"

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static char *skip_blanks(char *p, const char *end)
{
    while (p < end && blank(*p))
        p++;
    return p;
}

static char *word_end(char *p, const char *end)
{
    while (p < end && !blank(*p))
        p++;
    return p;
}

static bool word_is(const char *w, const char *we, const char *s)
{
    size_t n = strlen(s);

    return (size_t)(we - w) == n && !memcmp(w, s, n);
}

/* Leading "--name" words; stops at the first other word. */
static int parse_options(char **at, const char *end, struct pvh_efi_config *out,
                         struct pvh_error *err)
{
    for (;;) {
        char *w = skip_blanks(*at, end), *we = word_end(w, end);

        if (we - w < 2 || w[0] != '-' || w[1] != '-' || word_is(w, we, SEPARATOR))
            return PVH_OK;
        if (!word_is(w, we, "--verbose"))
            return pvh_fail(err, PVH_EINVAL, "unknown option \"%.*s\" (only --verbose)",
                            (int)(we - w), w);
        out->verbose = true;
        *at = we;
    }
}

/* One entry from *at: PATH [CMDLINE]. On return *at is past the "---"
 * that ended it, or NULL at the end of the text. */
static int parse_entry(char **at, char *end, unsigned index, struct pvh_efi_entry *e,
                       struct pvh_error *err)
{
    char *path = skip_blanks(*at, end), *path_end = word_end(path, end);
    char *cmd, *cmd_end, *w, *we, *next = NULL;

    if (path == path_end)
        return pvh_fail(err, PVH_EINVAL, index ? "nothing after the last \"" SEPARATOR "\""
                                               : "no kernel named");
    if (word_is(path, path_end, SEPARATOR))
        return pvh_fail(err, PVH_EINVAL, "entry %u: no file before \"" SEPARATOR "\"", index);
    cmd = skip_blanks(path_end, end);
    cmd_end = cmd;
    for (w = cmd; (w = skip_blanks(w, end)) < end; w = we) {
        we = word_end(w, end);
        if (word_is(w, we, SEPARATOR)) {
            next = we;
            break;
        }
        cmd_end = we;
    }
    /* path_end and a non-empty cmd_end sit on a blank or on text[len]. */
    *path_end = '\0';
    e->path = path;
    if (cmd_end == cmd) {
        e->cmdline = "";
    } else {
        *cmd_end = '\0';
        e->cmdline = cmd;
    }
    *at = next;
    return PVH_OK;
}

int pvh_efi_config_parse(char *text, size_t len, struct pvh_efi_config *out,
                         struct pvh_error *err)
{
    char *at = text, *end = text + len;
    unsigned n;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < len; i++)
        if (!text[i])
            return pvh_fail(err, PVH_EINVAL, "NUL byte at offset %zu", i);
    text[len] = '\0';
    rc = parse_options(&at, end, out, err);
    for (n = 0; !rc && at; n++) {
        if (n > PVH_EFI_MAX_MODULES)
            return pvh_fail(err, PVH_E2BIG, "more than %u modules", PVH_EFI_MAX_MODULES);
        rc = parse_entry(&at, end, n, n ? &out->modules[n - 1] : &out->kernel, err);
    }
    out->nr_modules = n ? n - 1 : 0;
    return rc;
}

size_t pvh_efi_config_join_lines(char *text, size_t len)
{
    size_t out = 0, at = 0;

    /* Each line's bytes move down or stay: out never passes at. */
    while (at < len) {
        size_t start = at, stop;

        while (at < len && text[at] != '\n')
            at++;
        stop = at++;
        while (start < stop && (blank(text[start]) || text[start] == '\r'))
            start++;
        while (stop > start && (blank(text[stop - 1]) || text[stop - 1] == '\r'))
            stop--;
        if (start == stop || text[start] == '#')
            continue;
        if (out)
            text[out++] = ' ';
        memmove(text + out, text + start, stop - start);
        out += stop - start;
    }
    text[out] = '\0';
    return out;
}

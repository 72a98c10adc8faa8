/*
 * Fuzz target: the pvhboot.<name>[=value] cmdline options and the
 * stripping of them for a chainloaded kernel (common/boot/options.c).
 *
 * Input: u16 room (bytes of the strip destination), u8 name length (up
 * to 32), the name, u8 expected length, the expected value, then the
 * cmdline (up to its first NUL).
 *
 * Checked: pvh_option finds what a plain reading of the words finds (the
 * last matching word wins; the value lies inside the cmdline);
 * pvh_option_present and pvh_option_is agree with it; stripping keeps
 * every word that is not a pvhboot.* word, in order, drops all of those,
 * writes only bytes of the cmdline in their order, leaves a cmdline
 * without option words untouched, always terminates what it returns,
 * and fails exactly when the result does not fit the room.
 */
#include <stdlib.h>
#include <string.h>

#include "common/boot/options.h"
#include "tests/fuzz/fuzz.h"

#define PREFIX "pvhboot."
#define PREFIX_LEN 8u

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next word at or after *s: its start and length; false at the end. */
static bool next_word(const char **s, const char **word, size_t *len)
{
    while (**s && space(**s))
        (*s)++;
    if (!**s)
        return false;
    *word = *s;
    while (**s && !space(**s))
        (*s)++;
    *len = (size_t)(*s - *word);
    return true;
}

static bool option_word(const char *w, size_t len)
{
    return len >= PREFIX_LEN && !memcmp(w, PREFIX, PREFIX_LEN);
}

static void check_lookup(const char *cmdline, const char *name, const char *expected)
{
    const char *s = cmdline, *w, *want_value = NULL, *value = NULL;
    size_t n = strlen(name), wl, want_len = 0, len = 0, cl = strlen(cmdline);
    bool found;

    while (next_word(&s, &w, &wl)) {
        if (!option_word(w, wl) || wl < PREFIX_LEN + n || memcmp(w + PREFIX_LEN, name, n))
            continue;
        if (wl == PREFIX_LEN + n) {
            want_value = w + wl;
            want_len = 0;
        } else if (w[PREFIX_LEN + n] == '=') {
            want_value = w + PREFIX_LEN + n + 1;
            want_len = wl - PREFIX_LEN - n - 1;
        }
    }
    found = pvh_option(cmdline, name, &value, &len);
    FUZZ_CHECK(found == (want_value != NULL), "pvh_option(\"%s\"): found %d", name, found);
    if (found) {
        FUZZ_CHECK(value == want_value && len == want_len,
                   "pvh_option(\"%s\"): value at +%td len %zu, expected +%td len %zu", name,
                   value - cmdline, len, want_value - cmdline, want_len);
        FUZZ_CHECK(value >= cmdline && value + len <= cmdline + cl, "value outside the cmdline");
    }
    FUZZ_CHECK(pvh_option_present(cmdline, name) == found, "pvh_option_present disagrees");
    FUZZ_CHECK(pvh_option_is(cmdline, name, expected) ==
                   (found && len == strlen(expected) && !memcmp(value, expected, len)),
               "pvh_option_is(\"%s\", \"%s\") disagrees", name, expected);
}

/* Is a a subsequence of b (its bytes appear in b in order)? */
static bool subsequence(const char *a, const char *b)
{
    for (; *a; a++) {
        while (*b && *b != *a)
            b++;
        if (!*b)
            return false;
        b++;
    }
    return true;
}

static void check_same_words_minus_options(const char *stripped, const char *cmdline)
{
    const char *s = cmdline, *t = stripped, *w, *v;
    size_t wl, vl;

    while (next_word(&s, &w, &wl)) {
        if (option_word(w, wl))
            continue;
        FUZZ_CHECK(next_word(&t, &v, &vl), "stripping lost the word at +%td", w - cmdline);
        FUZZ_CHECK(vl == wl && !memcmp(v, w, wl), "stripping changed the word at +%td",
                   w - cmdline);
    }
    FUZZ_CHECK(!next_word(&t, &v, &vl), "stripping added a word at +%td", v - stripped);
}

static void check_strip(const char *cmdline, size_t room)
{
    size_t cl = strlen(cmdline), full_len, len;
    char *full = malloc(cl + 1), *dst = malloc(room ? room : 1);
    const char *s = cmdline, *w;
    size_t wl;
    bool any = false;

    if (!full || !dst)
        abort();
    /* The result is never longer than the cmdline: its length plus one always fits. */
    full_len = pvh_cmdline_strip_options(full, cl + 1, cmdline);
    FUZZ_CHECK(full_len != (size_t)-1 && full_len <= cl, "strip with room for all failed");
    FUZZ_CHECK(full[full_len] == '\0' && strlen(full) == full_len, "strip: length %zu, NUL not there",
               full_len);
    FUZZ_CHECK(subsequence(full, cmdline), "strip wrote bytes not taken from the cmdline in order");
    check_same_words_minus_options(full, cmdline);
    while (next_word(&s, &w, &wl))
        any |= option_word(w, wl);
    if (!any)
        FUZZ_CHECK(!strcmp(full, cmdline), "strip changed a cmdline without pvhboot.* words");

    /* The same with the fuzzed room: the same answer, or -1 exactly when it does not fit. */
    len = pvh_cmdline_strip_options(room ? dst : NULL, room, cmdline);
    if (full_len < room) {
        FUZZ_CHECK(len == full_len && !memcmp(dst, full, full_len + 1),
                   "strip into %zu bytes gave %zu, not the %zu-byte result", room, len, full_len);
    } else {
        FUZZ_CHECK(len == (size_t)-1, "strip of a %zu-byte result into %zu bytes returned %zu",
                   full_len, room, len);
    }
    free(full);
    free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    size_t room = fuzz_u16(&in), got;
    char name[33], expected[33], *cmdline;
    const uint8_t *p;

    p = fuzz_bytes(&in, fuzz_u8(&in) % 33, &got);
    memcpy(name, p, got);
    name[got] = '\0';
    p = fuzz_bytes(&in, fuzz_u8(&in) % 33, &got);
    memcpy(expected, p, got);
    expected[got] = '\0';
    p = fuzz_bytes(&in, in.left, &got);
    /* Exactly as long as the string: a read past its NUL is caught. */
    cmdline = malloc(got + 1);
    if (!cmdline)
        abort();
    memcpy(cmdline, p, got);
    cmdline[got] = '\0';
    cmdline = realloc(cmdline, strlen(cmdline) + 1);
    if (!cmdline)
        abort();
    check_lookup(cmdline, name, expected);
    check_strip(cmdline, room);
    free(cmdline);
    return 0;
}

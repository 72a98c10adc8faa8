#include "common/boot/options.h"

#include "common/lib/compiler.h"
#include "common/lib/string.h"

#define PREFIX "pvhboot."
#define PREFIX_LEN (sizeof(PREFIX) - 1)

PVH_INLINE bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next word at or after *s: [*word, *end); *s moves past it. Returns
 * false at the end of the string (then *word == *end == *s). */
PVH_INLINE bool next_word(const char **s, const char **word, const char **end)
{
    while (is_space(**s))
        (*s)++;
    *word = *s;
    while (**s && !is_space(**s))
        (*s)++;
    *end = *s;
    return *word != *end;
}

bool pvh_option(const char *cmdline, const char *name, const char **value, size_t *len)
{
    size_t name_len = strlen(name);
    bool found = false;
    const char *s = cmdline, *word, *end;

    while (next_word(&s, &word, &end)) {
        if ((size_t)(end - word) < PREFIX_LEN + name_len ||
            memcmp(word, PREFIX, PREFIX_LEN) || memcmp(word + PREFIX_LEN, name, name_len))
            continue;
        word += PREFIX_LEN + name_len;
        /* "pvhboot.<name>" (an empty value) or "pvhboot.<name>=<value>" */
        if (word == end || *word == '=') {
            *value = word + (word != end);
            *len = (size_t)(end - *value);
            found = true;
        }
    }
    return found;
}

bool pvh_option_present(const char *cmdline, const char *name)
{
    const char *value;
    size_t len;

    return pvh_option(cmdline, name, &value, &len);
}

bool pvh_option_is(const char *cmdline, const char *name, const char *expected)
{
    const char *value;
    size_t len;

    return pvh_option(cmdline, name, &value, &len) && len == strlen(expected) &&
           !memcmp(value, expected, len);
}

static bool is_option_word(const char *word, size_t len)
{
    return len >= PREFIX_LEN && !memcmp(word, PREFIX, PREFIX_LEN);
}

size_t pvh_cmdline_strip_options(char *dst, size_t size, const char *cmdline)
{
    const char *s = cmdline;
    size_t used = 0;
    bool dropped = false;

    while (*s) {
        const char *gap = s, *word, *end;

        if (!next_word(&s, &word, &end)) { /* trailing spaces */
            if (used + (size_t)(end - gap) >= size)
                return (size_t)-1;
            memcpy(dst + used, gap, (size_t)(end - gap));
            used += (size_t)(end - gap);
            break;
        }
        if (is_option_word(word, (size_t)(end - word))) {
            dropped = true;
            continue; /* drop the word and the spaces before it */
        }
        if (used == 0 && dropped)
            gap = word; /* no leading spaces where a removed word stood */
        if (used + (size_t)(end - gap) >= size)
            return (size_t)-1;
        memcpy(dst + used, gap, (size_t)(end - gap));
        used += (size_t)(end - gap);
    }
    if (!size)
        return (size_t)-1;
    dst[used] = '\0';
    return used;
}

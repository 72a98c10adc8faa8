#include "common/options.h"

#include "common/string.h"

#define PREFIX "pvhboot."
#define PREFIX_LEN (sizeof(PREFIX) - 1)

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool pvh_option(const char *cmdline, const char *name, const char **value, size_t *len)
{
    size_t name_len = strlen(name);
    bool found = false;
    const char *s = cmdline;

    while (*s) {
        const char *word, *end;

        while (is_space(*s))
            s++;
        word = s;
        while (*s && !is_space(*s))
            s++;
        end = s;
        if ((size_t)(end - word) < PREFIX_LEN + name_len ||
            memcmp(word, PREFIX, PREFIX_LEN) || memcmp(word + PREFIX_LEN, name, name_len))
            continue;
        word += PREFIX_LEN + name_len;
        if (word == end) {
            *value = word;
            *len = 0;
            found = true;
        } else if (*word == '=') {
            *value = word + 1;
            *len = (size_t)(end - word - 1);
            found = true;
        }
    }
    return found;
}

bool pvh_option_is(const char *cmdline, const char *name, const char *expected)
{
    const char *value;
    size_t len;

    return pvh_option(cmdline, name, &value, &len) && len == strlen(expected) &&
           !memcmp(value, expected, len);
}

/*
 * exit: a test unikernel that ends through pvh_exit() with the status
 * its cmdline names, "exit=<decimal>" as one of its words. It prints
 *   pvhboot: exit status <the number, as pvh_exit gets it>
 * and then calls pvh_exit. A value past unsigned int's range is given
 * as its maximum (strtoul's clamp, then ours). Without the word, or with
 * something other than digits after "exit=", it panics.
 * (tests/boot/test_x86_exit.py, test_arm64_exit.py)
 */
#include <stddef.h>

#include <pvhboot/pvhboot.h>

#define WORD "exit="

/* The word of s that starts with WORD, past WORD; NULL if none. */
static const char *find_word(const char *s)
{
    size_t n = strlen(WORD);

    while (*s) {
        while (*s == ' ')
            s++;
        if (!strncmp(s, WORD, n))
            return s + n;
        while (*s && *s != ' ')
            s++;
    }
    return NULL;
}

void pvh_main(const struct pvh_boot *boot)
{
    const char *digits = find_word(boot->cmdline);
    unsigned long value;
    char *end;

    if (!digits || *digits < '0' || *digits > '9')
        pvh_panic("exit: need exit=<decimal> on the cmdline");
    value = strtoul(digits, &end, 10);
    if (*end && *end != ' ')
        pvh_panic("exit: exit=<decimal>: not a decimal number");
    if (value > ~0u)
        value = ~0u;
    pvh_info("exit status %lu", value);
    pvh_exit((unsigned int)value);
}

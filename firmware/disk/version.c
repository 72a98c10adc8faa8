/*
 * Version comparison (UAPI Version Format Specification): the strings
 * are walked together; characters outside [A-Za-z0-9.~^-] are skipped;
 * at each step a '~' sorts below anything, the end of a string below
 * anything but '~', then '-', '^' and '.' each sort below what is not
 * that separator; then a numeric run (leading zeros dropped) compares by
 * value and is above a letter run, and letter runs compare bytewise, the
 * longer above its prefix.
 *
 * Glob matching for loader.conf's default: '*', '?', '[...]'.
 */
#include "firmware/disk/version.h"

#include "common/lib/string.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_version_char(char c)
{
    return is_digit(c) || is_alpha(c) || (c && memchr(".-~^", c, sizeof(".-~^")));
}

static bool in_run(char c, bool digits)
{
    return digits ? is_digit(c) : is_alpha(c);
}

int pvh_version_cmp(const char *a, const char *b)
{
    /* In their order: '~' below anything, the end below anything else,
     * then '-', '^', '.': the side at the one and not the other is the
     * lower; both at it step over it (both at their end: equal). */
    static const char steps[5] = { '~', '\0', '-', '^', '.' };
    size_t la, lb, i;
    bool digits;
    int r;

    for (;;) {
        while (*a && !is_version_char(*a))
            a++;
        while (*b && !is_version_char(*b))
            b++;
        for (i = 0; i < sizeof(steps); i++) {
            if ((*a == steps[i]) != (*b == steps[i]))
                return *a == steps[i] ? -1 : 1;
            if (*a == steps[i]) {
                if (!*a)
                    return 0;
                a++;
                b++;
            }
        }
        /* A numeric run (leading zeros dropped) compares by its length
         * first; letters bytewise, the longer above its prefix. */
        digits = is_digit(*a) || is_digit(*b);
        while (digits && *a == '0')
            a++;
        while (digits && *b == '0')
            b++;
        for (la = 0; in_run(a[la], digits); la++)
            ;
        for (lb = 0; in_run(b[lb], digits); lb++)
            ;
        if (!digits || la == lb) {
            r = memcmp(a, b, la < lb ? la : lb);
            if (r)
                return r < 0 ? -1 : 1;
        }
        if (la != lb)
            return la < lb ? -1 : 1;
        a += la;
        b += lb;
    }
}

bool pvh_same_name(const char *a, const char *b, size_t blen)
{
    size_t i;
    char x, y;

    for (i = 0; i < blen; i++) {
        x = a[i];
        y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x + 'a' - 'A');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y + 'a' - 'A');
        if (x != y || !x)
            return false;
    }
    return a[blen] == '\0';
}

/* Does c match the set at *p ('[' already passed)? *p ends past ']'.
 * A set without its ']' matches nothing. */
static bool set_match(const char **p, char c, bool *ok)
{
    const char *s = *p;
    bool neg = false, hit = false;
    char lo, hi;

    if (*s == '!' || *s == '^') {
        neg = true;
        s++;
    }
    do {
        if (!*s) {
            *ok = false;
            return false;
        }
        lo = *s++;
        hi = lo;
        if (*s == '-' && s[1] && s[1] != ']') {
            hi = s[1];
            s += 2;
        }
        if (c >= lo && c <= hi)
            hit = true;
    } while (*s != ']');
    *p = s + 1;
    *ok = true;
    return hit != neg;
}

bool pvh_glob_match(const char *pattern, const char *name)
{
    const char *p = pattern, *n = name, *star_p = NULL, *star_n = NULL;
    bool ok;

    while (*n) {
        const char *q = p;
        bool step = false;

        if (*q == '*') {
            star_p = ++p;
            star_n = n;
            continue;
        }
        if (*q == '?') {
            step = true;
            q++;
        } else if (*q == '[') {
            q++;
            step = set_match(&q, *n, &ok) && ok;
        } else if (*q == '\\' && q[1]) {
            step = q[1] == *n;
            q += 2;
        } else if (*q) {
            step = *q == *n;
            q++;
        }
        if (step) {
            p = q;
            n++;
        } else if (star_p) {
            /* Let the last '*' take one more byte, and try again from there. */
            p = star_p;
            n = ++star_n;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return !*p;
}

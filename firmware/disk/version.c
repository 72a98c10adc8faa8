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
    return is_digit(c) || is_alpha(c) || c == '.' || c == '-' || c == '~' || c == '^';
}

/* The separator rule: the side starting with sep is the lower one; both
 * starting with it step over it. Returns the order, or 0 to go on. */
static int separator(const char **a, const char **b, char sep)
{
    if (**a != sep && **b != sep)
        return 0;
    if (**a != sep)
        return 1;
    if (**b != sep)
        return -1;
    (*a)++;
    (*b)++;
    return 0;
}

static int cmp_run(const char **a, const char **b, bool (*in_run)(char))
{
    size_t la = 0, lb = 0, n;
    int r;

    if (in_run == is_digit) {
        while (**a == '0')
            (*a)++;
        while (**b == '0')
            (*b)++;
    }
    while (in_run((*a)[la]))
        la++;
    while (in_run((*b)[lb]))
        lb++;
    if (in_run == is_digit && la != lb)
        return la < lb ? -1 : 1;
    n = la < lb ? la : lb;
    r = memcmp(*a, *b, n);
    if (r)
        return r < 0 ? -1 : 1;
    if (la != lb)
        return la < lb ? -1 : 1;
    *a += la;
    *b += lb;
    return 0;
}

int pvh_version_cmp(const char *a, const char *b)
{
    int r;

    for (;;) {
        while (*a && !is_version_char(*a))
            a++;
        while (*b && !is_version_char(*b))
            b++;
        r = separator(&a, &b, '~');
        if (r)
            return r;
        if (!*a || !*b)
            return !*a && !*b ? 0 : !*a ? -1 : 1;
        r = separator(&a, &b, '-');
        if (!r)
            r = separator(&a, &b, '^');
        if (!r)
            r = separator(&a, &b, '.');
        if (r)
            return r;
        if (is_digit(*a) || is_digit(*b))
            r = cmp_run(&a, &b, is_digit);
        else
            r = cmp_run(&a, &b, is_alpha);
        if (r)
            return r;
    }
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

/*
 * pvhboot's own cmdline options: words of the form "pvhboot.<name>" or
 * "pvhboot.<name>=<value>". They stay in the cmdline pvh_main() sees.
 */
#ifndef PVH_COMMON_OPTIONS_H
#define PVH_COMMON_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* Find the last "pvhboot.<name>[=value]" word. On success *value points
 * at the value in cmdline (not terminated), *len is its length, 0 when
 * the word has no '='. */
bool pvh_option(const char *cmdline, const char *name, const char **value, size_t *len);

/* Is "pvhboot.<name>=<expected>" the last word setting <name>? */
bool pvh_option_is(const char *cmdline, const char *name, const char *expected);

#endif

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

/* Is there a "pvhboot.<name>" or "pvhboot.<name>=..." word? */
bool pvh_option_present(const char *cmdline, const char *name);

/* Is "pvhboot.<name>=<expected>" the last word setting <name>? */
bool pvh_option_is(const char *cmdline, const char *name, const char *expected);

/* Copy cmdline to dst (room for size bytes) without its pvhboot.* words:
 * what a chainloaded kernel is given. Every other byte, spacing
 * included, is kept; the spaces that separated a removed word go with
 * it. Returns the length of the result, or (size_t)-1 when it does not
 * fit (dst then holds nothing useful). */
size_t pvh_cmdline_strip_options(char *dst, size_t size, const char *cmdline);

#endif

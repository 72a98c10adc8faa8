# Static checks of the host build of common/ and firmware/: cppcheck and
# clang-tidy, with the configuration checked in (.clang-tidy at the top,
# and tests/lint/cppcheck.supp). Any finding fails. Included by the
# top-level Makefile; make check runs it.
#
#   make lint            both tools over every file (incremental: a file is
#                        checked again when it, a header or a configuration
#                        changes)
#   make lint-cppcheck | lint-clang-tidy
#   make layering        no include or call circles between files (after make all)
#
# The files: what the host unit tests and fuzzers build (common/ without
# string.c, panic.c, xen_calls.c, which are freestanding only, and
# firmware/'s architecture-neutral code) and arm64's FDT code, with the
# host build's flags.

CPPCHECK ?= cppcheck
CLANG_TIDY ?= clang-tidy
LINTBUILD := $(O)/lint
LINT_SRCS := $(HOST_SRCS) common/fdt/fdt.c common/fdt/fdt_write.c common/fdt/fdt_boot.c \
             $(patsubst $(HOSTBUILD)/obj/%.o,%.c,$(DISK_HOST_OBJS))
LINT_HEADERS := $(wildcard common/*/*.h firmware/*.h firmware/*/*.h include/*/*.h)
LINT_CFLAGS := -std=gnu11 -Iinclude -I. $(WARNINGS)
LINT_TIDY_STAMPS := $(patsubst %.c,$(LINTBUILD)/%.tidy,$(LINT_SRCS))

# Warnings and style as errors; --inconclusive, since what it adds has been
# worth fixing (a parameter named one way in a header and another here).
CPPCHECK_FLAGS := --enable=warning,style,performance,portability --inconclusive --std=c11 \
                  --platform=unix64 --error-exitcode=1 --inline-suppr --quiet --template=gcc \
                  --suppressions-list=tests/lint/cppcheck.supp -Iinclude -I.

.PHONY: lint lint-cppcheck lint-clang-tidy lint-deps
# Its packages first, then the checks (a sub-make, so that nothing starts
# before they are there).
lint: lint-deps
	$(Q)$(MAKE) --no-print-directory lint-cppcheck lint-clang-tidy
lint-cppcheck: $(LINTBUILD)/cppcheck.stamp
lint-clang-tidy: $(LINT_TIDY_STAMPS)

lint-deps:
	$(call need,build lint)

$(LINTBUILD)/cppcheck.stamp: $(LINT_SRCS) $(LINT_HEADERS) tests/lint/cppcheck.supp tests/lint/lint.mk
	$(call quiet,CPPCHECK,common/ firmware/)
	@mkdir -p $(dir $@)
	$(Q)$(CPPCHECK) $(CPPCHECK_FLAGS) $(LINT_SRCS)
	@touch $@

$(LINTBUILD)/%.tidy: %.c $(LINT_HEADERS) .clang-tidy tests/lint/lint.mk
	$(call quiet,TIDY,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG_TIDY) --quiet $< -- $(LINT_CFLAGS) > $@.log 2>&1; rc=$$?; \
		grep -v 'warnings\{0,1\} generated\.$$' $@.log; exit $$rc
	@touch $@

# No circles between files (tests/lint/layering.py): includes, and calls
# between the objects of each image; run after the build.
.PHONY: layering
layering:
	$(call quiet,LAYERING,$(SELECTED_ARCHS))
	$(Q)$(PYTHON) tests/lint/layering.py --build-root $(O) $(addprefix --arch ,$(SELECTED_ARCHS))

CHECK_EXTRA += lint layering

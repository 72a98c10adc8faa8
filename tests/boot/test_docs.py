"""The documentation against the tree it describes.

- The README's sample of what `make run` prints is what a boot made the
  way the Makefile's `run` goal makes it prints today, line for line.
- The README stays a front door: short, naming `make run` and
  `make check`, linking into docs/.
- Every relative link in README.md and docs/*.md reaches a file of the
  repository, and every #anchor a heading of its target.
- Every build variable the makefiles offer is listed in docs/building.md
  (or the README).
"""

ARCH = "x86_64"

import glob
import os
import re
import shlex
import subprocess

from common import check, expect_poweroff
from qemu import DEBUG_EXIT, run_qemu

README_MAX_LINES = 250
# Lines of the `make run` sample whose numbers change from run to run (two
# runs of `make run` differ only there): the ticks the CPU start-up took.
# Their digits are compared as "some number"; every other line exactly.
VARYING = [re.compile(r"^pvhboot: cpus-up ticks "),
           re.compile(r"^pvhboot: timing ")]
# The makefiles whose `?=` variables are user settings.
MAKEFILES = ["Makefile", "mk/*.mk", "arch/*/build.mk", "efi/build.mk", "tests/fuzz/fuzz.mk",
             "tests/lint/lint.mk"]
# Variables set with ?= that are not meant for users, so not documented.
# Empty today: every one of them is a setting someone may want.
INTERNAL_VARIABLES = set()


def read(ctx, path):
    with open(os.path.join(ctx.root, path), encoding="utf-8") as f:
        return f.read()


def doc_files(ctx):
    return ["README.md"] + sorted(os.path.relpath(p, ctx.root)
                                  for p in glob.glob(os.path.join(ctx.root, "docs", "*.md")))


# ---------------------------------------------------------------------------
# The make run sample

def makefile_rule(text, target):
    """The recipe lines of target's rule, continuations joined."""
    lines = text.replace("\\\n", " ").splitlines()
    start = [i for i, l in enumerate(lines) if re.match(r"^%s\s*:" % re.escape(target), l)]
    check(len(start) == 1, "the Makefile has no single '%s:' rule" % target)
    recipe = []
    for l in lines[start[0] + 1:]:
        if not l.startswith("\t"):
            break
        recipe.append(l.strip())
    return recipe


def run_goal_boot(ctx):
    """The QEMU arguments and the module of the Makefile's `run` goal, with
    $(O) and $(RUN_CMDLINE) put in: ([args], module path, module bytes)."""
    text = read(ctx, "Makefile")
    m = re.search(r"^RUN_CMDLINE\s*\?=\s*(.*)$", text, re.M)
    check(m is not None, "no 'RUN_CMDLINE ?=' in the Makefile")
    values = {"$(O)": ctx.build_root, "$(RUN_CMDLINE)": m.group(1).strip()}

    def expand(s):
        for k, v in values.items():
            s = s.replace(k, v)
        return s

    recipe = makefile_rule(text, "run")
    module = None
    for line in recipe:
        m = re.match(r"^@?printf\s+('[^']*')\s*>\s*(\S+)$", line)
        if m:
            # printf itself gives the bytes, escapes and all, as make's shell would.
            data = subprocess.run(["printf", shlex.split(m.group(1))[0]], check=True,
                                  stdout=subprocess.PIPE).stdout
            module = (expand(m.group(2)), data)
    check(module is not None, "the run goal writes no module with printf: %r" % recipe)
    qemu = [l for l in recipe if "$(QEMU_X86_64)" in l]
    check(len(qemu) == 1, "the run goal has no single $(QEMU_X86_64) line: %r" % recipe)
    words = shlex.split(expand(qemu[0].split("$(QEMU_X86_64)", 1)[1]))
    # What run_qemu adds itself; -serial goes to a file there, not stdio.
    own = {"-nographic": 0, "-nodefaults": 0, "-no-reboot": 0, "-serial": 1}
    args, i = [], 0
    while i < len(words):
        w = words[i]
        if w in own:
            i += 1 + own[w]
        elif w == "-device" and words[i + 1] == DEBUG_EXIT:
            i += 2
        else:
            args.append(w)
            i += 1
    return args, module[0], module[1]


def readme_sample(ctx):
    """The fenced block under the README line that says what make run prints:
    (line number of its first line, [lines])."""
    lines = read(ctx, "README.md").splitlines()
    at = [i for i, l in enumerate(lines) if "make run prints" in l.replace("`", "")]
    check(len(at) == 1, "README.md needs exactly one line saying what 'make run prints', "
          "found %d" % len(at))
    i = at[0] + 1
    check(i < len(lines) and lines[i].strip() == "```text",
          "README.md line %d: the line after 'make run prints' must open a ```text block" % (i + 1))
    end = i + 1
    while end < len(lines) and lines[end].strip() != "```":
        end += 1
    check(end < len(lines), "README.md: the make run sample block is not closed")
    return i + 2, lines[i + 1:end]


def line_pattern(line):
    """A README sample line as a regex; for a varying line every number
    becomes \\d+."""
    if any(v.match(line) for v in VARYING):
        return "^" + re.sub(r"\d+", r"\\d+", re.escape(line)) + "$"
    return None


def readme_make_run_sample_matches_a_real_run(ctx):
    def test():
        args, module_path, data = run_goal_boot(ctx)
        module = os.path.join(ctx.tmp, "docs-sample-module.txt")
        with open(module, "wb") as f:
            f.write(data)
        args = [module if a == module_path else a for a in args]
        kernel = args[args.index("-kernel") + 1]
        check(os.path.exists(kernel), "%s is missing: build it (make run, or make)" % kernel)
        result = run_qemu(args, 60, qemu=ctx.qemu)
        expect_poweroff(result)
        real = [l.decode("utf-8", "backslashreplace") for l in result.lines()]
        first, sample = readme_sample(ctx)

        def both_sides(why):
            return ("%s\nREADME.md's sample (from line %d), then the real boot (%s):\n"
                    "--- README.md\n%s\n--- real boot\n%s\n"
                    "Paste the real boot's lines into README.md (make run prints them)."
                    % (why, first, " ".join(args), "\n".join(sample), "\n".join(real)))

        check(len(sample) == len(real),
              both_sides("the sample has %d lines, the boot printed %d" % (len(sample), len(real))))
        for n, (want, got) in enumerate(zip(sample, real)):
            pattern = line_pattern(want)
            same = re.match(pattern, got) is not None if pattern else want == got
            check(same, both_sides("line %d differs:\n  README.md: %s\n  real boot: %s"
                                   % (n + 1, want, got)))
        return "%d lines" % len(real)
    return test


# ---------------------------------------------------------------------------
# The front door

def readme_is_a_front_door(ctx):
    def test():
        text = read(ctx, "README.md")
        n = len(text.splitlines())
        check(n < README_MAX_LINES, "README.md has %d lines, fewer than %d wanted: move detail "
              "into docs/" % (n, README_MAX_LINES))
        for goal in ("make run", "make check"):
            check(goal in text, "README.md does not name `%s`" % goal)
        check(re.search(r"\]\(docs/[^)]+\)", text), "README.md links nowhere into docs/")
        return "%d lines" % n
    return test


# ---------------------------------------------------------------------------
# Links and anchors

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`[^`]*`")
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)")


def prose_lines(text):
    """(line number, line) outside fenced code blocks."""
    fenced = False
    for n, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


def slug(heading):
    """GitHub's anchor for a heading: the text as rendered (links become
    their text, inline code its content), lowercase, punctuation other
    than - and _ dropped, each space a -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text):
    """Every heading's anchor, with GitHub's -1, -2 ... for repeats."""
    seen, out = {}, set()
    for _, line in prose_lines(text):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else "%s-%d" % (base, n))
    return out


def links(text):
    for n, line in prose_lines(text):
        bare = INLINE_CODE.sub("", line)
        for m in LINK.finditer(bare):
            yield n, m.group(1)
        m = REFERENCE.match(bare)
        if m:
            yield n, m.group(1)


def docs_links_resolve(ctx):
    def test():
        root = os.path.realpath(ctx.root)
        bad, count = [], 0
        for doc in doc_files(ctx):
            text = read(ctx, doc)
            for n, target in links(text):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                    continue
                count += 1
                where = "%s:%d: %s" % (doc, n, target)
                path, _, anchor = target.partition("#")
                if path:
                    full = os.path.realpath(os.path.join(ctx.root, os.path.dirname(doc), path))
                    if full != root and not full.startswith(root + os.sep):
                        bad.append(where + " (outside the repository)")
                        continue
                    if not os.path.exists(full):
                        bad.append(where + " (no such file)")
                        continue
                else:
                    full = os.path.join(root, doc)
                if anchor:
                    if not full.endswith(".md") or os.path.isdir(full):
                        bad.append(where + " (an anchor into a file that is not Markdown)")
                    else:
                        with open(full, encoding="utf-8") as f:
                            if anchor not in anchors(f.read()):
                                bad.append(where + " (no heading makes #%s)" % anchor)
        check(not bad, "links that do not resolve:\n" + "\n".join(bad))
        return "%d links" % count
    return test


# ---------------------------------------------------------------------------
# QEMU command lines

def fenced_commands(text):
    """(line number, command) of each shell command in fenced blocks,
    continuation lines joined."""
    fenced, command, start = False, "", 0
    for n, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced, command = not fenced, ""
            continue
        if not fenced:
            continue
        if not command:
            start = n
        command += line.rstrip("\\") + " "
        if not line.endswith("\\"):
            yield start, command
            command = ""


def docs_x86_qemu_commands_end_on_failure(ctx):
    """Every x86 QEMU command line shown carries -no-reboot and the
    isa-debug-exit device, so that a fatal error ends QEMU with status 3
    instead of leaving it on a halted CPU (the README says why once)."""
    def test():
        bad, count = [], 0
        for doc in doc_files(ctx):
            for n, command in fenced_commands(read(ctx, doc)):
                if not re.match(r"^\s*(timeout \d+ )?qemu-system-x86_64\s", command):
                    continue
                count += 1
                words = command.split()
                if "-no-reboot" not in words or DEBUG_EXIT not in words:
                    bad.append("%s:%d: %s" % (doc, n, " ".join(words)[:120]))
        check(not bad, "x86 QEMU command lines without -no-reboot -device %s:\n%s"
              % (DEBUG_EXIT, "\n".join(bad)))
        return "%d command lines" % count
    return test


# ---------------------------------------------------------------------------
# Build variables

def header_variables(makefile):
    """The names in the Makefile's header comment, from "Variables:" to the
    end of that paragraph."""
    lines = makefile.splitlines()
    start = [i for i, l in enumerate(lines) if l.startswith("# Variables:")]
    check(len(start) == 1, "the Makefile's header has no single '# Variables:' paragraph")
    text = []
    for l in lines[start[0]:]:
        if not l.startswith("#") or not l[1:].strip():
            break
        text.append(l[1:])
    return set(re.findall(r"\b[A-Z][A-Z0-9_]*\b", " ".join(text).replace("Variables:", "")))


def assigned_variables(ctx):
    names = {}
    for pattern in MAKEFILES:
        for path in sorted(glob.glob(os.path.join(ctx.root, pattern))):
            with open(path) as f:
                for m in re.finditer(r"^\s*([A-Z][A-Z0-9_]*)\s*\?=", f.read(), re.M):
                    names.setdefault(m.group(1), os.path.relpath(path, ctx.root))
    return names


def docs_list_every_build_variable(ctx):
    def test():
        wanted = {n: "the Makefile's header" for n in header_variables(read(ctx, "Makefile"))}
        for n, where in assigned_variables(ctx).items():
            wanted.setdefault(n, where)
        docs = read(ctx, "docs/building.md") + read(ctx, "README.md")
        missing = ["%s (%s)" % (n, where) for n, where in sorted(wanted.items())
                   if n not in INTERNAL_VARIABLES
                   and not re.search(r"`%s(=[^`]*)?`" % re.escape(n), docs)]
        check(not missing, "build variables that docs/building.md does not list (as `NAME` or "
              "`NAME=...`):\n  " + "\n  ".join(missing))
        return "%d variables" % len(wanted)
    return test


def collect(ctx):
    return [
        ("readme_make_run_sample_matches_a_real_run",
         readme_make_run_sample_matches_a_real_run(ctx)),
        ("readme_is_a_front_door", readme_is_a_front_door(ctx)),
        ("docs_links_resolve", docs_links_resolve(ctx)),
        ("docs_list_every_build_variable", docs_list_every_build_variable(ctx)),
        ("docs_x86_qemu_commands_end_on_failure", docs_x86_qemu_commands_end_on_failure(ctx)),
    ]

"""The front door: each make goal a new user types on a fresh Debian 12
installs, before anything else, every Debian package it goes on to use.

`make -n -B V=1 GOAL` lists every command the goal would run, the nested
makes' too. Each program those commands start and each system file they
name belongs to a Debian package (dpkg -S); that package must be one of
the packages of the tools/deps.sh groups the goal installs first, or one
those depend on, or Essential (on every Debian system). A goal that, say,
links pvhboot.efi without installing gnu-efi fails here, on a machine that
has gnu-efi.

What a command uses without naming it counts too: the system headers each
compile line's source includes (the compiler's own -M list, one run per
set of flags) and the libraries its -lNAME options link (the compiler's
-print-file-name). `make fuzz` compiling tests/fuzz/fuzz_fdt.c, which
includes <libfdt.h>, without installing libfdt-dev fails here.
A static check of `make -n`, not a fresh machine: the packages it checks
against are the ones the goal's groups name, so it needs no reinstall.
"""

import os
import re
import shlex
import shutil
import subprocess

from common import check

ARCH = "x86_64"

# The goals a reader types, each checked on its own. (check and bench run
# `make deps` first, which installs every group; deps itself is the sum.)
GOALS = ("run", "run-linux", "all", "install", "unit", "fuzz", "lint")
COMPILERS = re.compile(r"^(\S*-)?(gcc|cc|clang)(-\d+)?$")
# Options of a compile line that name its outputs, and -M options: dropped
# when the line is rerun to list its headers.
OUTPUT_OPTIONS = {"-o", "-MF", "-MT", "-MQ"}
DEP_FLAGS = {"-MD", "-MMD", "-MP", "-c"}
SYSTEM_DIRS = ("/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/etc/")
WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def dry_run(ctx, goal):
    out = os.path.join(ctx.tmp, "front-door-" + goal)
    proc = subprocess.run(ctx.make.split() + ["--no-print-directory", "-n", "-B", "V=1", "O=" + out, goal],
                          cwd=ctx.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    text = proc.stdout.decode("utf-8", "replace")
    check(proc.returncode == 0, "make -n %s failed:\n%s" % (goal, text[-3000:]))
    return text.replace("\\\n", " ").splitlines()


def deps_groups(lines):
    """The groups of the first command, which must be tools/deps.sh."""
    first = [l for l in lines if l.strip() and not l.startswith("make")]
    check(first and first[0].startswith("tools/deps.sh "),
          "the first command is not tools/deps.sh: %r" % (first[:1],))
    return first[0].split()[1:]


def group_packages(ctx, groups):
    out = subprocess.run([os.path.join(ctx.root, "tools", "deps.sh"), "--list"] + groups,
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    return set(out.split())


def closure(packages):
    """The packages and everything they depend on (installed ones)."""
    out = subprocess.run(["apt-cache", "depends", "--recurse", "--installed", "--no-recommends",
                          "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces",
                          "--no-enhances"] + sorted(packages),
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    return {l.split(":")[0] for l in out.splitlines() if l and not l[0].isspace()}


def essential():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Essential}\n"], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    return {p for p, e in (l.split(" ", 1) for l in out.splitlines()) if e == "yes"}


def owners(path):
    """The Debian packages that hold path: as named, resolved, and with
    /usr added or taken away (merged /usr)."""
    real = os.path.realpath(path)
    tries = [path, real]
    for p in (path, real):
        tries.append(p[4:] if p.startswith("/usr/") else "/usr" + p)
    for p in tries:
        proc = subprocess.run(["dpkg", "-S", p], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        # "pkg[:arch], pkg2[:arch]: path"; a diversion's lines start "diversion by".
        found = {name.split(":")[0] for line in proc.stdout.decode().splitlines()
                 if not line.startswith("diversion") for name in line.split(": ", 1)[0].split(", ")}
        if found:
            return found
    return set()


SEPARATORS = {";", "&&", "||", "|", "(", ")", "&", "then", "do", "else", "if", "while", "!"}
# Programs that start the word after their options as a command.
WRAPPERS = {"timeout", "env", "nice", "exec", "command"}


def system_files(line):
    """The programs a command line starts, and the system files it names."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:
        words = line.split()
    found = set()
    at_command = True
    for word in words:
        if word in SEPARATORS:
            at_command = True
            continue
        if at_command:
            if "=" in word and WORD.match(word.split("=", 1)[0]):
                continue  # VAR=value before the command
            if word.startswith("-") or word.replace(".", "").isdigit():
                continue  # a wrapper's option or duration
            # The project's own scripts (tools/...) are not looked into.
            where = shutil.which(word) if "/" not in word else word
            if where and where.startswith(SYSTEM_DIRS):
                found.add(where)
            at_command = os.path.basename(word) in WRAPPERS
            continue
        for part in re.split(r"[,=]", word):
            if part.startswith(SYSTEM_DIRS) and os.path.isfile(part):
                found.add(part)
    return found


def compile_words(line):
    """(compiler, flags, sources) of a compile or link line, else None."""
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    if not words or not COMPILERS.match(os.path.basename(words[0])):
        return None
    flags, sources, skip = [], [], False
    for w in words[1:]:
        if skip:
            skip = False
        elif w in OUTPUT_OPTIONS:
            skip = True
        elif w in DEP_FLAGS:
            pass
        elif w.endswith(".c") and not w.startswith("-"):
            sources.append(w)
        else:
            flags.append(w)
    return words[0], flags, sources


def used_files(ctx, lines):
    """The system headers the compile lines include and the system
    libraries their -l options link."""
    groups, libs = {}, set()
    for line in lines:
        found = compile_words(line)
        if not found:
            continue
        cc, flags, sources = found
        # Sources the build generates (under O) are the project's own.
        sources = [src for src in sources if os.path.exists(os.path.join(ctx.root, src))]
        if sources:
            key = (cc, tuple(f for f in flags if not f.endswith((".o", ".a"))))
            groups.setdefault(key, set()).update(sources)
        libs |= {(cc, f[2:]) for f in flags if f.startswith("-l")}
    files = set()
    for (cc, flags), sources in groups.items():
        proc = subprocess.run([cc] + list(flags) + ["-M"] + sorted(sources), cwd=ctx.root,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        text = proc.stdout.decode("utf-8", "replace")
        check(proc.returncode == 0, "%s -M failed (a header missing here?):\n%s" % (cc, text[-2000:]))
        files |= {w for w in text.replace("\\\n", " ").split()
                  if w.startswith(SYSTEM_DIRS) and os.path.isfile(w)}
    for cc, name in libs:
        for suffix in (".so", ".a"):
            out = subprocess.run([cc, "-print-file-name=lib%s%s" % (name, suffix)],
                                 stdout=subprocess.PIPE).stdout.decode().strip()
            if out.startswith(SYSTEM_DIRS) and os.path.isfile(out):
                files.add(out)
                break
    return files


def goal_uses_only_what_it_installs(ctx, goal):
    def test():
        lines = dry_run(ctx, goal)
        groups = deps_groups(lines)
        allowed = closure(group_packages(ctx, groups)) | essential()
        files = used_files(ctx, lines)
        for line in lines:
            files |= system_files(line)
        check(files, "make -n %s named no program at all" % goal)
        uncovered = {}
        for path in sorted(files):
            pkgs = owners(path)
            if not pkgs:
                uncovered[path] = "in no Debian package"
            elif not pkgs & allowed:
                uncovered[path] = "from %s" % " or ".join(sorted(pkgs))
        check(not uncovered, "make %s installs the groups %s, but uses %s" % (
            goal, " ".join(groups), "; ".join("%s (%s)" % kv for kv in sorted(uncovered.items()))))
        return "%d programs and files, groups %s" % (len(files), " ".join(groups))
    return test


def collect(ctx):
    return [("make-%s-installs-what-it-uses" % goal, goal_uses_only_what_it_installs(ctx, goal))
            for goal in GOALS]

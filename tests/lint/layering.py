#!/usr/bin/env python3
"""No circles between files: the layering check of make check.

Two rules, each a failure with the files named:
  1. No #include cycle among the project's sources (C, assembly, nasm).
  2. No two C files whose objects call each other. Read from the built
     objects (nm), one link unit at a time: the library and firmware
     objects of each architecture, and pvhboot.efi's. Not counted:
       - the architecture hooks (pvh_arch_*): common/ declares them
         (common/boot/arch_hooks.h, common/cpu/cpu_arch.h) and calls down
         into each architecture, which may call common/ back;
       - weak references: an optional part a file uses only where a
         program links it (idt.c asks smp.c which CPU faulted);
       - references to data, and from or to assembly: entry code jumps
         into C, and C names the entry code's labels, by design.

  tests/lint/layering.py --build-root build [--arch x86_64 ...]
"""
import argparse
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*(?:#\s*include|%include)\s+"([^"]+)"', re.M)
SOURCE_EXT = ('.c', '.h', '.S', '.asm', '.inc')


def tracked_sources():
    """The sources git knows (or would add); without git (a tarball, a
    machine without it), every source below the top but the build's and
    the cache's folders."""
    try:
        out = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard'],
                             capture_output=True, text=True, check=True).stdout
        names = out.split('\n')
    except (OSError, subprocess.CalledProcessError):
        names = []
        for d, dirs, files in os.walk('.'):
            dirs[:] = [x for x in dirs if not x.startswith(('.', 'build', 'cache'))]
            names += [os.path.relpath(os.path.join(d, f)) for f in files]
    return sorted({f for f in names if f.endswith(SOURCE_EXT) and os.path.isfile(f)})


def include_graph(files):
    known = set(files)
    graph = {}
    for f in files:
        with open(f, errors='replace') as src:
            text = src.read()
        targets = set()
        for name in INCLUDE.findall(text):
            # Paths are from the top (-I.), or include/, or beside the file.
            for cand in (name, 'include/' + name, os.path.normpath(os.path.join(os.path.dirname(f), name))):
                if cand in known:
                    targets.add(cand)
                    break
        graph[f] = targets
    return graph


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == node:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def c_objects(folder):
    """The objects built from C under folder, by their source's path."""
    objs = {}
    for d, _, names in os.walk(folder):
        for n in names:
            if not n.endswith('.o'):
                continue
            path = os.path.join(d, n)
            src = os.path.relpath(path, folder)[:-2] + '.c'
            if os.path.exists(src) and not src.startswith('tests/'):
                objs[src] = path
    return objs


def symbols(obj, nm):
    out = subprocess.run([nm, obj], capture_output=True, text=True, check=True).stdout
    defined, strong_undefined = set(), set()
    for line in out.split('\n'):
        parts = line.split()
        if len(parts) == 3 and parts[1] in ('T', 'W'):
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == 'U':
            strong_undefined.add(parts[1])
    return defined, strong_undefined


def mutual_calls(objs, nm):
    defined, calls = {}, {}
    for src, obj in objs.items():
        defs, undef = symbols(obj, nm)
        for s in defs:
            defined.setdefault(s, src)
        calls[src] = undef
    edges = {}
    for src, undef in calls.items():
        for s in undef:
            to = defined.get(s)
            if to and to != src and not s.startswith('pvh_arch_'):
                edges.setdefault((src, to), []).append(s)
    return sorted((a, b, sorted(edges[(a, b)]), sorted(edges[(b, a)]))
                  for (a, b) in edges if (b, a) in edges and a < b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build-root', default='build')
    ap.add_argument('--arch', action='append', default=[])
    ap.add_argument('--nm', default='nm')
    args = ap.parse_args()

    failures = []
    for comp in cycles(include_graph(tracked_sources())):
        failures.append('include cycle: ' + ' -> '.join(comp))

    units = 0
    for arch in args.arch or ['x86_64', 'arm64']:
        for unit in ('obj', 'efi'):
            folder = os.path.join(args.build_root, arch, unit)
            objs = c_objects(folder) if os.path.isdir(folder) else {}
            if not objs:
                continue
            units += 1
            for a, b, ab, ba in mutual_calls(objs, args.nm):
                failures.append(f'{arch}: {a} and {b} call each other '
                                f'({a} -> {", ".join(ab)}; {b} -> {", ".join(ba)})')
    if not units:
        failures.append(f'no objects under {args.build_root}: build first')
    for f in failures:
        print('layering: ' + f)
    print(f'layering: {units} link units, {"FAIL" if failures else "no circles"}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Run pvhboot's libFuzzer targets, each for a fixed time; one line per target.

  tests/fuzz/run.py --bin-dir build/fuzz --seconds 180 --work-dir build/fuzz [TARGET...]
  tests/fuzz/run.py --bin-dir build/fuzz --seconds 4 --smoke [TARGET...]

Each target runs every seed in tests/fuzz/corpus/<target>/ first (a seed
that crashes fails at once), then searches for the rest of its time.
With --work-dir the inputs it finds are kept in <work-dir>/corpus/<target>
for the next run; with --smoke they go to a scratch folder. A crash, a
broken invariant (abort), a leak or a timeout fails the target; the input
is saved in <bin-dir>/crashes/<target>/ and can be rerun with
<bin-dir>/fuzz_<target> FILE. The last line is "N passed, N failed".
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# Longest input each target takes: room for its largest seed and some more.
MAX_LEN = {
    "memmap": 24 * 1024,
    "start_info": 16 * 1024,
    "fdt": 16 * 1024,
    "fdt_write": 16 * 1024,
    "bzimage": 8 * 1024,
    "elf": 8 * 1024,
    "multiboot": 12 * 1024,
    "options": 4 * 1024,
    "acpi": 16 * 1024,
    "rsdp_scan": 4 * 1024,
    "madt": 16 * 1024,
    "firmware": 12 * 1024,
    "xen_console_ring": 8 * 1024,
    "pack": 4 * 1024,
    "fdt_cpus": 16 * 1024,
    "efi_fit": 128,   # 2 + 16 spans of 4 bytes + 13
    "disk_part": 8 * 1024,
    "disk_fat": 16 * 1024,
    "disk_bls": 4 * 1024,
    "disk_uki": 8 * 1024,
    "disk_entries": 16 * 1024,
    "mcfg": 1024,     # 8 regions of 17 bytes, a table of 50 allocations
}

print_lock = threading.Lock()


def say(text):
    with print_lock:
        print(text, flush=True)


def stat(output, name):
    m = re.search(r"stat::%s:\s*(\d+)" % name, output)
    return int(m.group(1)) if m else None


def run_target(args, target):
    binary = os.path.join(args.bin_dir, "fuzz_" + target)
    seeds = os.path.join(HERE, "corpus", target)
    crashes = os.path.join(args.bin_dir, "crashes", target)
    os.makedirs(crashes, exist_ok=True)
    scratch = None
    if args.smoke:
        scratch = tempfile.mkdtemp(prefix="pvhboot-fuzz-%s-" % target)
        corpus = scratch
    else:
        corpus = os.path.join(args.work_dir, "corpus", target)
        os.makedirs(corpus, exist_ok=True)
    cmd = [binary, "-max_total_time=%d" % args.seconds, "-timeout=10", "-rss_limit_mb=2560",
           "-max_len=%d" % MAX_LEN.get(target, 8192), "-print_final_stats=1",
           "-artifact_prefix=%s/" % crashes]
    dictionary = os.path.join(HERE, "dict", target + ".dict")
    if os.path.exists(dictionary):
        cmd.append("-dict=" + dictionary)
    cmd.append(corpus)
    if os.path.isdir(seeds):
        cmd.append(seeds)
    env = dict(os.environ, UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                              timeout=args.seconds + 120)
        out, rc = proc.stdout.decode("utf-8", "replace"), proc.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b"").decode("utf-8", "replace") + "\n(run.py: hung)", -1
    seconds = time.monotonic() - start
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    execs = stat(out, "number_of_executed_units")
    result = {"target": target, "seconds": round(seconds, 1), "execs": execs,
              "rss_mb": stat(out, "peak_rss_mb"), "ok": rc == 0,
              "corpus": None if args.smoke else len(os.listdir(corpus))}
    if rc == 0:
        note = "%s runs" % execs if execs is not None else "runs unknown"
        if result["corpus"] is not None:
            note += ", corpus %d" % result["corpus"]
        say("PASS fuzz/%s (%.1fs, %s)" % (target, seconds, note))
    else:
        saved = re.findall(r"Test unit written to (\S+)", out)
        say("FAIL fuzz/%s (%.1fs): exit %d%s" % (target, seconds, rc,
                                                  ", input saved in " + saved[-1] if saved else ""))
        with print_lock:
            for line in out.rstrip().splitlines()[-60:]:
                print("     | " + line)
            sys.stdout.flush()
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--seconds", type=int, required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--smoke", action="store_true", help="scratch corpus, nothing kept")
    ap.add_argument("--work-dir", help="keep the growing corpus and a run log here")
    ap.add_argument("targets", nargs="*")
    args = ap.parse_args()
    if not args.smoke and not args.work_dir:
        ap.error("--work-dir or --smoke")
    targets = args.targets or sorted(MAX_LEN)
    unknown = [t for t in targets if t not in MAX_LEN]
    if unknown:
        ap.error("unknown targets: %s (known: %s)" % (" ".join(unknown), " ".join(sorted(MAX_LEN))))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda t: run_target(args, t), targets))
    if args.work_dir:
        with open(os.path.join(args.work_dir, "runs.log"), "a") as log:
            for r in results:
                r["when"] = time.strftime("%Y-%m-%d %H:%M:%S")
                log.write(json.dumps(r) + "\n")
    passed = sum(r["ok"] for r in results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""pvhboot as a PVH domU that Xen's own toolstack builds: `xl create`
with type = "pvh" in a PV dom0, under Xen 4.17 nested in QEMU (TCG).
See xen_domu.py for the test bed; one run starts every guest below.

What is checked, guest by guest:
- hello: its whole report arrives on the PV console ring (xenconsoled's
  log): the cmdline exactly as the config gave it, the ramdisk as module
  0 with its CRC-32, RAM equal to `memory =`, no note about features a
  domU has no use for, every vCPU started (APIC IDs from the MADT libxl
  builds), `hello done`; xl sees a poweroff (reason 0). Also with three
  vCPUs, and with RAM above 4 GiB.
- Failures end as a crash (reason 3) with the error line on the console:
  an image requiring a feature Xen does not grant a domU, a cmdline
  longer than pvhboot takes (refused while reading the boot description,
  the earliest refusal xl's input can cause), and a stack overflow (an
  exception report).
- The feature declarations as libxc reads them: a required feature whose
  bit is missing from the image's own SUPPORTED_FEATURES note, and a
  required feature named in XEN_ELFNOTE_FEATURES that Xen's note parser
  does not know.
- Linux through pvhboot.elf, with the config of docs/loaders.md: packed with
  --pvh, and with the vmlinux as xl's ramdisk (the loader's module 0).
"""

import os
import re
import struct
import zlib

from common import check, file_made_once, file_once
from hello_report import checked_report, compression_of
from linux import InitReport, bzimage, initramfs, pack_tool, vmlinux
from test_x86_xen import check_xen_vcpus
from xen_domu import Guest, SharedSession

ARCH = "x86_64"

HELLO_CMDLINE = 'first "quoted words"  two  spaces \\ backslash pvhboot=kept'
HELLO_MEMORY_MB = 64
DOMU_VCPUS = 3                 # more vCPUs than the outer QEMU's two CPUs
HIGH_MEMORY_MB = 4400          # RAM continues above 4 GiB
FOUR_GIB = 1 << 32
LINUX_MEMORY_MB = 1024         # docs/loaders.md's config
LINUX_CMDLINE = "console=hvc0 quiet pvhtest.words=\"two words\" end"
SHUTDOWN_POWEROFF, SHUTDOWN_CRASH = 0, 3
XEN_ELFNOTE_FEATURES, XEN_ELFNOTE_SUPPORTED_FEATURES = 10, 17
XENFEAT_AUTO_TRANSLATED_PHYSMAP = 2


def module_bytes():
    return bytes((i * 167 + 11) & 0xff for i in range(90001))


def pvhboot_cmdline_max(ctx):
    """PVH_CMDLINE_MAX, read from the header the build used."""
    with open(os.path.join(ctx.root, "include", "pvhboot", "boot.h")) as f:
        m = re.search(r"#define PVH_CMDLINE_MAX\s+(\d+)u", f.read())
    check(m, "no PVH_CMDLINE_MAX in include/pvhboot/boot.h")
    return int(m.group(1))


# --- Images with other feature declarations (made from hello.elf) ---------

def xen_notes(data):
    """(type, desc offset, desc size) of each Xen note in an ELF64's PT_NOTE segments."""
    check(data[:4] == b"\x7fELF" and data[4] == 2, "not an ELF64")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    out = []
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data,
                                                                  phoff + i * phentsize)
        if p_type != 4:  # PT_NOTE
            continue
        at, end = p_offset, p_offset + p_filesz
        while at + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", data, at)
            name = data[at + 12:at + 12 + namesz]
            desc = at + 12 + (namesz + 3) // 4 * 4
            if name == b"Xen\0":
                out.append((ntype, desc, descsz))
            at = desc + (descsz + 3) // 4 * 4
    return out


def note_variant(ctx, name, change):
    """hello.elf with its notes changed by change(bytearray, notes), once per run."""
    path = os.path.join(ctx.tmp, name + ".elf")

    def write(part):
        with open(os.path.join(ctx.build, "hello.elf"), "rb") as f:
            data = bytearray(f.read())
        change(data, {t: (off, size) for t, off, size in xen_notes(data)})
        with open(part, "wb") as f:
            f.write(data)
    return file_made_once(path, write)


def features_string(data, notes):
    off, size = notes[XEN_ELFNOTE_FEATURES]
    return bytes(data[off:off + size]).rstrip(b"\0")


def set_features_string(data, notes, text):
    """Write text over the FEATURES note (no longer than it), NUL-padded."""
    off, size = notes[XEN_ELFNOTE_FEATURES]
    check(len(text) < size, "features string %r does not fit in %d bytes" % (text, size))
    data[off:off + size] = text + b"\0" * (size - len(text))


def required_not_supported(data, notes):
    """Keep '!auto_translated_physmap' in FEATURES, drop its bit from SUPPORTED_FEATURES."""
    check(b"!auto_translated_physmap" in features_string(data, notes), "hello's features changed")
    off, size = notes[XEN_ELFNOTE_SUPPORTED_FEATURES]
    bitmap, = struct.unpack_from("<I", data, off)
    check(bitmap & (1 << XENFEAT_AUTO_TRANSLATED_PHYSMAP), "hello does not declare the bit")
    struct.pack_into("<I", data, off, bitmap & ~(1 << XENFEAT_AUTO_TRANSLATED_PHYSMAP))


UNKNOWN_REQUIRED = b"hvm_safe_pvclock"  # a real XENFEAT name that libelf 4.17 does not know


def unknown_name_required(data, notes):
    """Mark hvm_safe_pvclock, which hello supports, as required in FEATURES
    (dropping dom0, which a domU never has, to make room for the '!')."""
    text = features_string(data, notes)
    check(b"|" + UNKNOWN_REQUIRED + b"|" in text and text.endswith(b"|dom0"),
          "hello's features changed: %r" % text)
    text = text[:-len(b"|dom0")].replace(b"|" + UNKNOWN_REQUIRED, b"|!" + UNKNOWN_REQUIRED)
    set_features_string(data, notes, text)


# --- Linux through the firmware ------------------------------------------

def linux_packed(ctx):
    """pvhboot.elf with Debian's kernel packed as its vmlinux (--pvh) and the
    oracle initramfs: docs/loaders.md's linux-pvh.elf."""
    path = os.path.join(ctx.tmp, "domu-linux-pvh.elf")
    return file_made_once(path, lambda part: pack_tool(
        ctx, "pack", "--firmware", os.path.join(ctx.build, "pvhboot.elf"), "--pvh",
        "--kernel", bzimage(ctx), "--module", initramfs(ctx), "-o", part))


def firmware_with_initramfs(ctx):
    """pvhboot.elf with the initramfs packed and no kernel: the loader's
    module 0 is the kernel."""
    path = os.path.join(ctx.tmp, "domu-fw-initramfs.elf")
    return file_made_once(path, lambda part: pack_tool(
        ctx, "pack", "--firmware", os.path.join(ctx.build, "pvhboot.elf"),
        "--module", initramfs(ctx), "-o", part))


# --- The guests ------------------------------------------------------------

def pvh(kernel, memory, cmdline=None, ramdisk=None, extra=()):
    config = [("type", "pvh"), ("kernel", "/guests/" + kernel)]
    if ramdisk:
        config.append(("ramdisk", "/guests/" + ramdisk))
    if cmdline is not None:
        config.append(("cmdline", cmdline))
    config += [("memory", memory), ("on_poweroff", "destroy"), ("on_crash", "destroy")]
    return config + list(extra)


def make_guests(ctx):
    mod = os.path.join(ctx.tmp, "domu-module.bin")
    file_once(mod, module_bytes)
    hello = os.path.join(ctx.build, "hello.elf")
    hello_files = {"hello.elf": hello, "module.bin": mod}
    long_cmdline = "x" * (pvhboot_cmdline_max(ctx) + 1)
    return [
        Guest("hello", pvh("hello.elf", HELLO_MEMORY_MB, HELLO_CMDLINE, "module.bin"), hello_files),
        Guest("hello-3-vcpus", pvh("hello.elf", HELLO_MEMORY_MB, HELLO_CMDLINE, "module.bin",
                                   [("vcpus", DOMU_VCPUS)]), hello_files),
        Guest("refuses-ungranted", pvh("ungranted.elf", HELLO_MEMORY_MB, "x"),
              {"ungranted.elf": os.path.join(ctx.build, "tests", "hello-require-ungranted.elf")}),
        Guest("cmdline-too-long", pvh("hello.elf", HELLO_MEMORY_MB, long_cmdline), hello_files),
        Guest("stack-overflow", pvh("stack-overflow.elf", HELLO_MEMORY_MB, "x"),
              {"stack-overflow.elf": os.path.join(ctx.build, "tests", "stack-overflow.elf")}),
        Guest("required-not-supported", pvh("required-not-supported.elf", HELLO_MEMORY_MB, "x"),
              {"required-not-supported.elf":
               note_variant(ctx, "required-not-supported", required_not_supported)}),
        Guest("unknown-required-name", pvh("unknown-required-name.elf", HELLO_MEMORY_MB, "x"),
              {"unknown-required-name.elf":
               note_variant(ctx, "unknown-required-name", unknown_name_required)}, "-vvv"),
        # TCG's nested SVM cannot emulate the rdtscp Xen intercepts in
        # its default TSC mode (docs/xen.md, the xl test bed).
        Guest("linux-packed", pvh("linux-pvh.elf", LINUX_MEMORY_MB, LINUX_CMDLINE,
                                  extra=[("tsc_mode", "native")]),
              {"linux-pvh.elf": linux_packed(ctx)}),
        Guest("linux-vmlinux-as-module", pvh("fw.elf", LINUX_MEMORY_MB, LINUX_CMDLINE, "vmlinux",
                                             [("tsc_mode", "native")]),
              {"fw.elf": firmware_with_initramfs(ctx), "vmlinux": vmlinux(ctx)}),
        # Last: the 4.4 GiB Xen scrubs once it is destroyed would cost the
        # host that much memory while later guests ran.
        Guest("hello-above-4g", pvh("hello.elf", HIGH_MEMORY_MB, HELLO_CMDLINE, "module.bin"),
              hello_files),
    ]


SESSION = SharedSession(make_guests)


# --- The checks --------------------------------------------------------------

def expect_shutdown(run, reason):
    check(run.xl_status == 0, "xl create -F failed (status %d): %s" % (run.xl_status, run.describe()))
    check(run.shutdown_reason == reason, "expected shutdown reason %d: %s" % (reason, run.describe()))


def hello_report(run):
    lines = run.pvhboot_lines()
    report = checked_report(lines, run.describe())
    return report


def check_hello(run, memory_mb):
    expect_shutdown(run, SHUTDOWN_POWEROFF)
    report = hello_report(run)
    check(report.loader == "pvh-v1", "xl gives start info v1, got %r" % report.loader)
    check(report.hypervisor == "xen 4.17", "hypervisor %r" % report.hypervisor)
    check(b"pvhboot: start flags 0x0" in run.pvhboot_lines(), "a domU's start flags are 0")
    check(report.cmdline == HELLO_CMDLINE.encode(),
          "cmdline %r, the config said %r" % (report.cmdline, HELLO_CMDLINE))
    data = module_bytes()
    check(len(report.modules) == 1, "modules: %r" % report.modules)
    m = report.modules[0]
    check(m["format"] == compression_of(data), "module format %r, expected %r" %
          (m["format"], compression_of(data)))
    check((m["size"], m["crc32"], m["cmdline"]) == (len(data), zlib.crc32(data), b""),
          "module 0 size %d crc32 0x%08x cmdline %r; the ramdisk is %d bytes, crc32 0x%08x" %
          (m["size"], m["crc32"], m["cmdline"], len(data), zlib.crc32(data)))
    check(report.ram == memory_mb << 20, "ram %d, the config said memory = %d MiB (%d)" %
          (report.ram, memory_mb, memory_mb << 20))
    notes = [l for l in run.pvhboot_lines() if l.startswith(b"pvhboot: note:")]
    check(not notes, "notes a domU cannot act on: %r" % notes)
    check(not any(l.startswith((b"pvhboot: warning", b"pvhboot: error")) for l in run.pvhboot_lines()),
          "warnings or errors: " + run.describe())
    return report


def hello_case(ctx, name, memory_mb, vcpus=1):
    def test():
        run = SESSION.get(ctx).guest(name)
        report = check_hello(run, memory_mb)
        ticks = check_xen_vcpus(report, vcpus, run.describe)
        if memory_mb << 20 > FOUR_GIB:
            high = sum(r["last"] + 1 - max(r["first"], FOUR_GIB) for r in report.memmap
                       if r["type"] == 1 and r["last"] >= FOUR_GIB)
            check(high > 0, "no RAM above 4 GiB in the map")
        return "%.1fs in xl, cpus-up ticks %d" % (run.seconds, ticks)
    return test


def failure_case(ctx, name, expected):
    """The one error line (bytes, or a regex) on the PV console, then a crash."""
    def test():
        run = SESSION.get(ctx).guest(name)
        expect_shutdown(run, SHUTDOWN_CRASH)
        errors = [l for l in run.pvhboot_lines() if l.startswith(b"pvhboot: error: ")]
        ok = len(errors) == 1 and (errors[0] == expected if isinstance(expected, bytes)
                                   else re.match(expected, errors[0]))
        check(ok, "expected the error line %r, got %r\n%s" % (expected, errors, run.describe()))
        check(b"pvhboot: hello done" not in run.pvhboot_lines(), "hello ran anyway")
        return "%.1fs in xl" % run.seconds
    return test


def boots_anyway(ctx, name):
    """libxc reads FEATURES as declaring support for every feature it
    names, so a bitmap without a required bit changes nothing: the domain
    is built and hello runs."""
    def test():
        run = SESSION.get(ctx).guest(name)
        expect_shutdown(run, SHUTDOWN_POWEROFF)
        hello_report(run)
    return test


def xl_refuses(ctx, name, message):
    """xl create fails before the domain runs, saying message.

    For an unknown name marked required, Xen 4.17's libxc does not say
    so: its note parser fails, so the PVH (ELF) loader does not claim the
    image, the HVM-generic loader takes it and reports "ELF image is not
    32bit", then "xc_dom_parse_image failed". The image differs from
    hello.elf, which boots, by the one '!'."""
    def test():
        run = SESSION.get(ctx).guest(name)
        check(run.xl_status != 0, "xl create succeeded: " + run.describe())
        check(any(message in l for l in run.xl), "xl did not say %r: %s" % (message, run.describe()))
        check(not run.pvhboot_lines(), "the guest ran: " + run.describe())
    return test


def linux_case(ctx, name):
    def test():
        run = SESSION.get(ctx).guest(name)
        expect_shutdown(run, SHUTDOWN_POWEROFF)
        report = InitReport(b"\n".join(run.console))
        check(report.cmdline == LINUX_CMDLINE.encode(),
              "Linux got cmdline %r, the config said %r" % (report.cmdline, LINUX_CMDLINE))
        check(b"Booting kernel on Xen PVH" in report.dmesg,
              "Linux did not start through its PVH entry: %r" % report.dmesg[:12])
        # Linux keeps the legacy 0xa0000-0xfffff for itself.
        ram = report.ram()
        check((LINUX_MEMORY_MB - 1) << 20 <= ram <= LINUX_MEMORY_MB << 20,
              "Linux has %d bytes of RAM, the config said %d MiB" % (ram, LINUX_MEMORY_MB))
        return "%.1fs in xl" % run.seconds
    return test


def collect(ctx):
    max_cmdline = pvhboot_cmdline_max(ctx)
    return [
        ("domU-hello", hello_case(ctx, "hello", HELLO_MEMORY_MB)),
        ("domU-hello-3-vcpus", hello_case(ctx, "hello-3-vcpus", HELLO_MEMORY_MB, DOMU_VCPUS)),
        ("domU-hello-ram-above-4g", hello_case(ctx, "hello-above-4g", HIGH_MEMORY_MB)),
        ("domU-refuses-ungranted-feature-and-crashes",
         failure_case(ctx, "refuses-ungranted",
                      b"pvhboot: error: Xen lacks required feature writable_descriptor_tables")),
        ("domU-cmdline-too-long-crashes",
         failure_case(ctx, "cmdline-too-long", re.compile(
             rb"^pvhboot: error: cmdline at 0x[0-9a-f]+: longer than %d bytes$" % max_cmdline))),
        ("domU-exception-crashes",
         failure_case(ctx, "stack-overflow",
                      re.compile(rb"^pvhboot: error: exception double fault \(vector 8\) "))),
        ("domU-libxc-required-feature-not-in-supported-bitmap",
         boots_anyway(ctx, "required-not-supported")),
        ("domU-libxc-refuses-unknown-required-feature-name",
         xl_refuses(ctx, "unknown-required-name", b"xc_dom_parse_image failed")),
        ("domU-linux-packed-readme-config", linux_case(ctx, "linux-packed")),
        ("domU-linux-vmlinux-as-xl-ramdisk", linux_case(ctx, "linux-vmlinux-as-module")),
    ]

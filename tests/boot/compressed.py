"""Modules in each compression format a loader may hand over as they are
(Xen 4.20 on no longer decompresses them), for the tests of hello's
` format <name>` (hello_report.compression_of says what each must be
named, from its own first bytes).

gzip, xz, .lzma and bzip2 are real streams from Python's own
compressors; Python has none for zstd, LZ4 or lzo, so those are a
format's header written from its specification followed by pattern
bytes (what is after the magic is not read). Near misses: a module
shorter than its magic, and bytes one off a magic.
"""

import bz2
import gzip
import lzma

PAYLOAD = b"".join(b"module line %05d: some words to compress\n" % i for i in range(300))


def samples():
    """[(name, bytes)]: name a file-name-safe label."""
    tail = bytes((i * 37 + 11) & 0xff for i in range(3000))
    return [
        ("gzip", gzip.compress(PAYLOAD, mtime=0)),
        ("xz", lzma.compress(PAYLOAD, format=lzma.FORMAT_XZ)),
        ("lzma", lzma.compress(PAYLOAD, format=lzma.FORMAT_ALONE)),
        ("bzip2", bz2.compress(PAYLOAD)),
        # RFC 8878: frame magic 0xfd2fb528, then a frame header descriptor.
        ("zstd", bytes([0x28, 0xb5, 0x2f, 0xfd, 0x24]) + tail),
        # LZ4 legacy frame (what Linux's make builds), magic 0x184c2102, a block size.
        ("lz4-legacy", bytes([0x02, 0x21, 0x4c, 0x18, 0x00, 0x10, 0x00, 0x00]) + tail),
        # LZ4 frame format, magic 0x184d2204, FLG and BD.
        ("lz4-frame", bytes([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7]) + tail),
        # lzop's file magic, then its version.
        ("lzo", b"\x89LZO\x00\r\n\x1a\n\x10\x40" + tail),
        ("plain", PAYLOAD),
        ("xz-cut-short", b"\xfd7zXZ"),
        ("gzip-one-off", b"\x1f\x8c" + tail),
    ]

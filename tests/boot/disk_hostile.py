"""Hostile disks for pvhboot-disk's boot tests (test_x86_disk_hostile.py,
test_arm64_disk_hostile.py): disks made by tools/make-disk.py with the
real tools, then broken in place. Every offset written is computed from
the structures read here, written from the specifications (UEFI's GPT,
Microsoft's FAT and PE/COFF), independently of firmware/disk/: the
partition table, a FAT volume's BPB, allocation table and directories
(long names too), and a PE file's section table.
"""

import mmap
import os
import struct
import zlib

from common import file_once

SECTOR = 512
GPT_ENTRY_FIRST_LBA = 32
ESP_GUID = bytes.fromhex("28732ac11ff8d211ba4b00a0c93ec93b")  # C12A7328-F81F-11D2-...
LFN_ATTR = 0x0f
ATTR_DIR = 0x10
ATTR_VOLUME = 0x08


class Image:
    """A disk image file, mapped for reading and writing in place."""

    def __init__(self, path):
        self.file = open(path, "r+b")
        self.map = mmap.mmap(self.file.fileno(), 0)
        self.sectors = len(self.map) // SECTOR

    def read(self, off, n):
        return bytes(self.map[off:off + n])

    def write(self, off, data):
        self.map[off:off + len(data)] = data

    def close(self):
        self.map.flush()
        self.map.close()
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Gpt:
    """One GPT header (at lba) and its entry array."""

    def __init__(self, img, lba):
        self.img, self.lba = img, lba
        head = img.read(lba * SECTOR, SECTOR)
        assert head[:8] == b"EFI PART", "no GPT header at LBA %d" % lba
        (self.header_size,) = struct.unpack_from("<I", head, 12)
        self.first_usable, self.last_usable = struct.unpack_from("<QQ", head, 40)
        self.entries_lba, self.nr_entries, self.entry_size = struct.unpack_from("<QII", head, 72)

    def entry_off(self, index):
        return self.entries_lba * SECTOR + index * self.entry_size

    def find(self, type_guid):
        """The index of the first entry of that type."""
        for i in range(self.nr_entries):
            if self.img.read(self.entry_off(i), 16) == type_guid:
                return i
        raise AssertionError("no partition of type %s" % type_guid.hex())

    def set_range(self, index, first, last):
        """Entry index's LBAs first-last, then both CRC32s made right again."""
        self.img.write(self.entry_off(index) + GPT_ENTRY_FIRST_LBA, struct.pack("<QQ", first, last))
        array = self.img.read(self.entry_off(0), self.nr_entries * self.entry_size)
        at = self.lba * SECTOR
        self.img.write(at + 88, struct.pack("<I", zlib.crc32(array)))
        self.img.write(at + 16, b"\0" * 4)
        crc = zlib.crc32(self.img.read(at, self.header_size))
        self.img.write(at + 16, struct.pack("<I", crc))


def gpt_headers(img):
    """The primary GPT (LBA 1) and the backup (the disk's last LBA)."""
    return Gpt(img, 1), Gpt(img, img.sectors - 1)


class Node:
    """A directory entry: name (the long one when there is one), its first
    cluster, size, whether a directory, and where its 32 bytes are."""

    def __init__(self, name, cluster, size, is_dir, at):
        self.name, self.cluster, self.size, self.is_dir, self.at = name, cluster, size, is_dir, at


class Fat:
    """A FAT12/16/32 volume at partition LBA lba of img."""

    def __init__(self, img, lba):
        self.img, self.base = img, lba * SECTOR
        b = img.read(self.base, SECTOR)
        bps, self.spc, reserved, self.nfats, root_entries, tot16 = struct.unpack_from(
            "<HBHBHH", b, 11)
        assert bps == SECTOR, "%d bytes per sector" % bps
        fat16, = struct.unpack_from("<H", b, 22)
        tot32, fat32, self.root_cluster = struct.unpack_from("<II4xI", b, 32)
        total = tot16 or tot32
        self.fat_sectors = fat16 or fat32
        self.fat_off = self.base + reserved * SECTOR
        root_sectors = (root_entries * 32 + SECTOR - 1) // SECTOR
        self.root_off = self.fat_off + self.nfats * self.fat_sectors * SECTOR
        data = reserved + self.nfats * self.fat_sectors + root_sectors
        self.data_off = self.base + data * SECTOR
        self.clusters = (total - data) // self.spc
        self.type = 12 if self.clusters < 4085 else 16 if self.clusters < 65525 else 32
        assert self.type != 12, "FAT12 is not written by make-disk.py"
        self.root_bytes = root_sectors * SECTOR
        self.cluster_bytes = self.spc * SECTOR
        self.eoc = 0xfff8 if self.type == 16 else 0x0ffffff8

    def entry(self, c):
        if self.type == 16:
            return struct.unpack("<H", self.img.read(self.fat_off + 2 * c, 2))[0]
        return struct.unpack("<I", self.img.read(self.fat_off + 4 * c, 4))[0] & 0x0fffffff

    def set_entry(self, c, value):
        """FAT entry c is value, in every copy of the FAT."""
        for i in range(self.nfats):
            at = self.fat_off + i * self.fat_sectors * SECTOR
            if self.type == 16:
                self.img.write(at + 2 * c, struct.pack("<H", value))
            else:
                old = struct.unpack("<I", self.img.read(at + 4 * c, 4))[0]
                self.img.write(at + 4 * c, struct.pack("<I", (old & 0xf0000000) | value))

    def chain(self, first):
        """The clusters of a chain, first to its end mark (a loop is an error here)."""
        out, seen, c = [], set(), first
        while c < self.eoc:
            assert 2 <= c < self.clusters + 2 and c not in seen, "broken chain at %d" % c
            out.append(c)
            seen.add(c)
            c = self.entry(c)
        return out

    def cluster_off(self, c):
        return self.data_off + (c - 2) * self.cluster_bytes

    def dir_slots(self, node):
        """(byte offset, 32 bytes) of each slot of a directory."""
        if node is None and self.type == 16:
            spans = [(self.root_off, self.root_bytes)]
        else:
            first = self.root_cluster if node is None else node.cluster
            spans = [(self.cluster_off(c), self.cluster_bytes) for c in self.chain(first)]
        for off, size in spans:
            for at in range(off, off + size, 32):
                yield at, self.img.read(at, 32)

    def listdir(self, node=None):
        """The entries of a directory (None: the root), long names
        assembled (checked only as far as this test needs: the pieces
        before a short entry, in order)."""
        out, pieces = [], []
        for at, e in self.dir_slots(node):
            if e[0] == 0:
                break
            if e[0] == 0xe5:
                pieces = []
                continue
            if e[11] == LFN_ATTR:
                units = e[1:11] + e[14:26] + e[28:32]
                # The last piece of the name comes first; piece 1 just before
                # the short entry.
                pieces = [units] if e[0] & 0x40 else pieces + [units]
                continue
            if e[11] & ATTR_VOLUME or e[:2] in (b". ", b".."):
                pieces = []
                continue
            base, ext = e[:8].rstrip(b" ").decode(), e[8:11].rstrip(b" ").decode()
            # NTRes: the base name (0x08) or extension (0x10) shown in lower case.
            base = base.lower() if e[12] & 0x08 else base
            ext = ext.lower() if e[12] & 0x10 else ext
            name = base + ("." + ext if ext else "")
            if pieces:
                long = b"".join(reversed(pieces)).decode("utf-16-le")
                name = long.split("\0")[0]
            cluster = struct.unpack_from("<H", e, 26)[0]
            if self.type == 32:
                cluster |= struct.unpack_from("<H", e, 20)[0] << 16
            out.append(Node(name, cluster, struct.unpack_from("<I", e, 28)[0],
                            bool(e[11] & ATTR_DIR), at))
            pieces = []
        return out

    def lookup(self, path):
        node = None
        for part in path.strip("/").split("/"):
            found = [n for n in self.listdir(node) if n.name.lower() == part.lower()]
            assert found, "no %s on the volume" % path
            node = found[0]
        return node

    def file_off(self, node, off):
        """The disk byte offset of byte off of a file."""
        chain = self.chain(node.cluster)
        return self.cluster_off(chain[off // self.cluster_bytes]) + off % self.cluster_bytes

    def write_file(self, node, off, data):
        """Bytes of a file rewritten in place, each where its cluster is."""
        for i, b in enumerate(data):
            self.img.write(self.file_off(node, off + i), bytes([b]))

    def read_file(self, node, off, n):
        chain, out = self.chain(node.cluster), b""
        while n:
            k, inside = divmod(off, self.cluster_bytes)
            piece = min(n, self.cluster_bytes - inside)
            out += self.img.read(self.cluster_off(chain[k]) + inside, piece)
            off, n = off + piece, n - piece
        return out


def pe_sections(head):
    """{name: (offset of its 40-byte header in the file, VirtualSize,
    SizeOfRawData, PointerToRawData)} from a PE file's first bytes."""
    assert head[:2] == b"MZ"
    pe = struct.unpack_from("<I", head, 0x3c)[0]
    assert head[pe:pe + 4] == b"PE\0\0"
    count, opt_size = struct.unpack_from("<H12xH", head, pe + 6)
    table = pe + 24 + opt_size
    out = {}
    for i in range(count):
        at = table + 40 * i
        name = head[at:at + 8].rstrip(b"\0").decode()
        vsize, _, raw, ptr = struct.unpack_from("<IIII", head, at + 8)
        out[name] = (at, vsize, raw, ptr)
    return out


def fake_kernel(ctx, size=64 * 1024):
    """A 'kernel' of size bytes that is never run (the disk is refused
    before): many clusters for a chain to break."""
    path = os.path.join(ctx.tmp, "hostile-kernel-%d" % size)
    file_once(path, lambda: bytes((i * 7 + (i >> 11)) & 0xff for i in range(size)))
    return path


def esp(img, m):
    return Fat(img, m["esp"]["first_lba"])


def loop_chain(img, m, path):
    """Link the middle cluster of path's chain (on the ESP) back to its
    third: the chain never ends. The reason a reader that walks the
    clusters the size needs, then looks for the end mark, gives."""
    fs = esp(img, m)
    node = fs.lookup(path)
    chain = fs.chain(node.cluster)
    assert len(chain) >= 8, "%s: %d clusters, too few to loop" % (path, len(chain))
    fs.set_entry(chain[len(chain) // 2], chain[2])
    walked = [node.cluster]
    while len(walked) < (node.size + fs.cluster_bytes - 1) // fs.cluster_bytes:
        walked.append(fs.entry(walked[-1]))
    last = walked[-1]
    return "FAT: '%s': chain goes on past its size %d (cluster %d links to %d)" % (
        node.name, node.size, last, fs.entry(last))


def loop_directory(img, m, path):
    """Link the last full cluster of directory path (on the ESP) back to
    its first: the walk never meets the end mark, which is in a later
    cluster. Returns the directory's name."""
    fs = esp(img, m)
    node = fs.lookup(path)
    chain = fs.chain(node.cluster)
    ends = [k for k, c in enumerate(chain)
            if any(fs.img.read(fs.cluster_off(c) + at, 1) == b"\0"
                   for at in range(0, fs.cluster_bytes, 32))]
    assert ends and ends[0] >= 1, "directory %s: no full cluster (chain %r)" % (path, chain)
    fs.set_entry(chain[ends[0] - 1], chain[0])
    return node.name


def gpt_entry_past_disk(img, headers):
    """Make the ESP's entry in each of headers end past the disk (CRCs
    made right again); the reason a reader gives for the last of them."""
    for h in headers:
        i = h.find(ESP_GUID)
        first = struct.unpack("<Q", img.read(h.entry_off(i) + GPT_ENTRY_FIRST_LBA, 8))[0]
        last = img.sectors + 100
        h.set_range(i, first, last)
        why = "GPT entry %d: LBAs %d-%d outside the usable %d-%d" % (
            i + 1, first, last, h.first_usable, h.last_usable)
    return why


def uki_section_past_file(img, m, path, section=".linux", past=4096):
    """Make section of the UKI at path (on the ESP) run past the file's end
    by past bytes: its raw size (and virtual size) grown. The reason."""
    fs = esp(img, m)
    node = fs.lookup(path)
    head = fs.read_file(node, 0, min(node.size, 4096))
    at, _, _, ptr = pe_sections(head)[section]
    size = node.size - ptr + past
    fs.write_file(node, at + 8, struct.pack("<I", size))    # VirtualSize
    fs.write_file(node, at + 16, struct.pack("<I", size))   # SizeOfRawData
    return "UKI section %s: bytes %d+%d past the file's %d" % (section, ptr, size, node.size)

"""A reference model of pvhboot's memory-map normalisation, written from
its documented promises (include/pvhboot/boot.h, common/boot/memmap.h), not
from its code: what a correct pvhboot must report for a raw map.

  sorted; zero-size entries dropped; where entries overlap the most
  restrictive type wins (RAM < ACPI < NVS < PMEM < unusable < disabled <
  reserved and unknown types; between two of the last class the larger
  number); neighbours of one type merged; RAM shrunk inwards to whole
  pages; an entry reaching or passing 2^64 is an error. Then pvhboot's
  own pages [self_base, self_end) are carved out of one RAM region and
  flagged.
"""

PAGE = 4096
TOP = 1 << 64
RAM, ACPI, NVS, UNUSABLE, DISABLED, PMEM = 1, 3, 4, 5, 6, 7
RANK = {RAM: 0, ACPI: 1, NVS: 2, PMEM: 3, UNUSABLE: 4, DISABLED: 5}


class MapError(Exception):
    pass


def _wins(a, b):
    ra, rb = RANK.get(a, 6), RANK.get(b, 6)
    return ra > rb if ra != rb else a > b


def normalise(entries):
    """entries: [(base, size, type)] -> [[first, last, type, pvhboot=False]]."""
    events = []
    for i, (base, size, typ) in enumerate(entries):
        if not size:
            continue
        if base + size >= TOP:
            raise MapError("memory map entry %d wraps past 2^64: base 0x%x size 0x%x" %
                           (i, base, size))
        events.append((base, +1, typ))
        events.append((base + size, -1, typ))
    events.sort(key=lambda e: e[0])
    active = {}
    regions = []
    at = events[0][0] if events else 0
    for addr, delta, typ in events:
        if addr != at:
            live = [t for t, n in active.items() if n]
            if live:
                winner = live[0]
                for t in live[1:]:
                    if _wins(t, winner):
                        winner = t
                if regions and regions[-1][2] == winner and regions[-1][1] == at:
                    regions[-1][1] = addr
                else:
                    regions.append([at, addr, winner])
            at = addr
        active[typ] = active.get(typ, 0) + delta
    out = []
    for base, end, typ in regions:
        if typ == RAM:
            base, end = -(-base // PAGE) * PAGE, end // PAGE * PAGE
            if end <= base:
                continue
        out.append([base, end - 1, typ, False])
    return out


def claim(regions, self_base, self_end):
    """Carve pvhboot's pages out of the RAM region holding them (flagged);
    None when no single unclaimed RAM region holds them all."""
    base = self_base // PAGE * PAGE
    end = -(-self_end // PAGE) * PAGE
    for i, (first, last, typ, mine) in enumerate(regions):
        if not first <= base <= last:
            continue
        if typ != RAM or mine or end - 1 > last:
            return None
        pieces = []
        if base > first:
            pieces.append([first, base - 1, RAM, False])
        pieces.append([base, end - 1, RAM, True])
        if end - 1 < last:
            pieces.append([end, last, RAM, False])
        return regions[:i] + pieces + regions[i + 1:]
    return None


def ram_total(regions):
    return sum(last - first + 1 for first, last, typ, _ in regions if typ == RAM)

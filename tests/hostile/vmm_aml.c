/*
 * The few AML terms the VMMs' DSDT devices are made of, encoded as the
 * Rust crates they build with encode them (ACPI 6.5 §20.2 for the
 * grammar, §6.4 for the resource descriptors). Firecracker has its own
 * copy of the crate (src/acpi-tables/src/aml.rs at its tags); Cloud
 * Hypervisor v53.0 uses rust-vmm's acpi_tables 0.2.1 (src/aml.rs). They
 * differ in one way that shows here: an integer. Firecracker's writes a
 * u8 with BytePrefix always (0 is 0x0a 0x00); acpi_tables writes the
 * shortest form (ZeroOp, OneOp, then BytePrefix, WordPrefix...).
 *
 * A package (Device, Method, Buffer) gets its PkgLength once its body is
 * known: aml_open() marks where the body starts, aml_close() moves it up
 * to make room for the length and writes it there.
 */
#include "tests/hostile/vmm.h"

#include "tests/hostile/console.h"

#define NAME_OP          0x08
#define BYTE_PREFIX      0x0a
#define WORD_PREFIX      0x0b
#define DWORD_PREFIX     0x0c
#define STRING_PREFIX    0x0d
#define ZERO_OP          0x00
#define ONE_OP           0x01
#define DUAL_NAME_PREFIX 0x2e
#define BUFFER_OP        0x11
#define METHOD_OP        0x14
#define RETURN_OP        0xa4
#define EXT_OP_PREFIX    0x5b
#define DEVICE_OP        0x82
#define IO_DESCRIPTOR    0x47 /* small item 8, 7 bytes follow */
#define MEM32_FIXED_DESCRIPTOR 0x86 /* large item 6 */
#define EXT_IRQ_DESCRIPTOR 0x89 /* large item 9 */
#define END_TAG          0x79 /* small item 15, 1 byte follows: the checksum */

void aml_byte(struct aml *a, uint8_t b)
{
    if (a->len >= a->max)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: AML longer than %u bytes", a->max);
    a->buf[a->len++] = b;
}

static void aml_le(struct aml *a, uint32_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        aml_byte(a, (uint8_t)(v >> (8 * i)));
}

static void aml_chars(struct aml *a, const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        aml_byte(a, (uint8_t)s[i]);
}

/* In Firecracker's crate the prefix follows the Rust type; what is
 * written here through it is a u8 (or a usize, made a u8 below 256) or
 * an EISA ID, a u32 above 0xffff. */
void aml_integer(struct aml *a, uint32_t v)
{
    if (a->ints == AML_INTS_SHORTEST && v <= 1) {
        aml_byte(a, v ? ONE_OP : ZERO_OP);
    } else if (v <= 0xff) {
        aml_byte(a, BYTE_PREFIX);
        aml_byte(a, (uint8_t)v);
    } else if (v <= 0xffff && a->ints == AML_INTS_SHORTEST) {
        aml_byte(a, WORD_PREFIX);
        aml_le(a, v, 2);
    } else {
        aml_byte(a, DWORD_PREFIX);
        aml_le(a, v, 4);
    }
}

uint32_t aml_open(struct aml *a)
{
    return a->len;
}

/*
 * PkgLength (§20.2.4): the body's length plus its own 1 to 4 bytes; one
 * byte up to 63, else the low nibble in the first byte (bits 6-7: how
 * many bytes follow) and the rest 8 bits a byte. The crates choose the
 * size from the body alone (under 63, under 4094, ...), as here.
 */
void aml_close(struct aml *a, uint32_t at)
{
    uint32_t body = a->len - at;
    unsigned n = body < 63 ? 1 : body < 4094 ? 2 : 3;
    uint32_t total = body + n;
    uint8_t len[3];

    if (n == 1) {
        len[0] = (uint8_t)total;
    } else {
        len[0] = (uint8_t)((n - 1) << 6 | (total & 0xf));
        for (unsigned i = 1; i < n; i++)
            len[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
    }
    if (a->len + n > a->max)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: AML longer than %u bytes", a->max);
    for (uint32_t i = a->len; i-- > at;)
        a->buf[i + n] = a->buf[i];
    for (unsigned i = 0; i < n; i++)
        a->buf[at + i] = len[i];
    a->len += n;
}

/* Device(\_SB_.<name>) opened: its path is the two segments _SB_ and name. */
uint32_t aml_device(struct aml *a, const char *name)
{
    uint32_t at;

    aml_byte(a, EXT_OP_PREFIX);
    aml_byte(a, DEVICE_OP);
    at = aml_open(a);
    aml_byte(a, DUAL_NAME_PREFIX);
    aml_chars(a, "_SB_", 4);
    aml_chars(a, name, 4);
    return at;
}

/* Device(<name>) opened with a one-segment path, in the scope the table
 * opens (the root): Firecracker's virtio devices are named so. */
uint32_t aml_device_seg(struct aml *a, const char *name)
{
    uint32_t at;

    aml_byte(a, EXT_OP_PREFIX);
    aml_byte(a, DEVICE_OP);
    at = aml_open(a);
    aml_chars(a, name, 4);
    return at;
}

/* A u32 in Firecracker's crate: DWordPrefix whatever its value. */
void aml_dword(struct aml *a, uint32_t v)
{
    aml_byte(a, DWORD_PREFIX);
    aml_le(a, v, 4);
}

/* The crates' aml::ONE: OneOp. */
void aml_one(struct aml *a)
{
    aml_byte(a, ONE_OP);
}

/* Name(<name>, ...): the value is the caller's next term. */
void aml_name(struct aml *a, const char *name)
{
    aml_byte(a, NAME_OP);
    aml_chars(a, name, 4);
}

void aml_string(struct aml *a, const char *s)
{
    aml_byte(a, STRING_PREFIX);
    while (*s)
        aml_byte(a, (uint8_t)*s++);
    aml_byte(a, 0);
}

/* EISAID("UUUNNNN"): three letters of 5 bits, four hex digits, stored
 * big-endian as a DWord (both crates: always DWordPrefix, the value
 * being above 0xffff). */
void aml_eisa_id(struct aml *a, const char *id)
{
    uint32_t v = (uint32_t)(id[0] - 0x40) << 26 | (uint32_t)(id[1] - 0x40) << 21 |
                 (uint32_t)(id[2] - 0x40) << 16;

    for (unsigned i = 3; i < 7; i++)
        v |= (uint32_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'A' + 10) << (4 * (6 - i));
    aml_integer(a, v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24);
}

/* Method(<name>, 0, NotSerialized) { Return(v) } */
void aml_method_return(struct aml *a, const char *name, uint32_t v)
{
    uint32_t at;

    aml_byte(a, METHOD_OP);
    at = aml_open(a);
    aml_chars(a, name, 4);
    aml_byte(a, 0);               /* no arguments, not serialized */
    aml_byte(a, RETURN_OP);
    aml_integer(a, v);
    aml_close(a, at);
}

/*
 * A ResourceTemplate is a Buffer: BufferOp, PkgLength, the buffer's size
 * as an integer, then the descriptors and an end tag with a zero
 * checksum (§6.4.2.9: zero means none). The size is known only at the
 * end: aml_resources_close() writes it in front of the descriptors.
 */
uint32_t aml_resources_open(struct aml *a)
{
    aml_byte(a, BUFFER_OP);
    return aml_open(a);
}

void aml_resources_close(struct aml *a, uint32_t at)
{
    uint8_t size_term[8];
    struct aml sz = { size_term, 0, sizeof(size_term), a->ints };
    uint32_t size;

    aml_byte(a, END_TAG);
    aml_byte(a, 0);
    size = a->len - at;
    aml_integer(&sz, size);
    if (a->len + sz.len > a->max)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: AML longer than %u bytes", a->max);
    for (uint32_t i = a->len; i-- > at;)
        a->buf[i + sz.len] = a->buf[i];
    for (uint32_t i = 0; i < sz.len; i++)
        a->buf[at + i] = size_term[i];
    a->len += sz.len;
    aml_close(a, at);
}

/* IO(Decode16, min, max, alignment, length) (§6.4.2.5). */
void aml_io(struct aml *a, uint16_t min, uint16_t max, uint8_t alignment, uint8_t length)
{
    aml_byte(a, IO_DESCRIPTOR);
    aml_byte(a, 1);               /* 16-bit decode */
    aml_le(a, min, 2);
    aml_le(a, max, 2);
    aml_byte(a, alignment);
    aml_byte(a, length);
}

/* Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) {gsi}
 * (§6.4.3.6): the only kind either VMM writes for its legacy devices. */
void aml_interrupt_edge_high(struct aml *a, uint32_t gsi)
{
    aml_byte(a, EXT_IRQ_DESCRIPTOR);
    aml_le(a, 6, 2);              /* the bytes that follow */
    aml_byte(a, 1u << 1 | 1u);    /* edge triggered, consumer */
    aml_byte(a, 1);               /* one interrupt */
    aml_le(a, gsi, 4);
}

/* Memory32Fixed(ReadWrite or ReadOnly, base, length) (§6.4.3.4). */
void aml_memory32_fixed(struct aml *a, bool read_write, uint32_t base, uint32_t length)
{
    aml_byte(a, MEM32_FIXED_DESCRIPTOR);
    aml_le(a, 9, 2);              /* the bytes that follow */
    aml_byte(a, read_write ? 1 : 0);
    aml_le(a, base, 4);
    aml_le(a, length, 4);
}

"""Low-level pieces of TensorFlow's V2 checkpoint format, without TensorFlow: CRC32C, the SSTable of the
``.index`` file (LevelDB table format) and the protobuf wire format of its values.

Table layout (tensorflow/core/lib/io/format.h, table_builder.cc): blocks, each followed by a 5-byte trailer
(1 byte compression type, 4 bytes masked CRC32C of the block and that type byte); an index block whose values are
block handles (two varints: offset, size); a metaindex block (empty in checkpoints); a 48-byte footer holding the
metaindex and index handles, zero padding and the magic 0xdb4775248b80fb57. A block is a run of entries
(``shared``, ``non_shared``, ``value_length`` varints, the key suffix, the value) ended by a restart array of fixed32
offsets and its fixed32 count. TensorFlow writes checkpoint indexes uncompressed (BundleWriter sets
``kNoCompression``), so a snappy block is refused.
"""

from __future__ import annotations

import struct

import numpy as np

from ..core.errors import CheckpointError

try:  # the C extension is fast; its pure-Python fallback is slower than the numpy code below
    import google_crc32c as _google_crc32c

    if getattr(_google_crc32c, "implementation", "c") != "c":
        _google_crc32c = None
except ImportError:  # pragma: no cover - depends on the environment
    _google_crc32c = None

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
_TRAILER_SIZE = 5
_NO_COMPRESSION, _SNAPPY = 0, 1
_MASK_DELTA = 0xA282EAD8
_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected


def _make_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _make_table()
_TABLE_NP = np.array(_TABLE, dtype=np.uint32)


def _update_bytes(reg: int, data: bytes | memoryview) -> int:
    table = _TABLE
    for byte in bytes(data):
        reg = table[(reg ^ byte) & 0xFF] ^ (reg >> 8)
    return reg


def _update_numpy(reg: int, data: bytes | memoryview) -> int:
    """The same register update, run on ~sqrt(n) equal lanes at once and stitched together (CRC is linear)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    lanes = max(64, int(np.sqrt(buf.size)))
    length = buf.size // lanes
    columns = np.ascontiguousarray(buf[: lanes * length].reshape(lanes, length).T)
    # 32 extra lanes fed zeros from the basis vectors give the "shift by `length` zero bytes" operator
    regs = np.concatenate([np.zeros(lanes, np.uint32), (np.uint32(1) << np.arange(32, dtype=np.uint32))])
    zeros = np.zeros(32, np.uint8)
    for column in columns:
        regs = _TABLE_NP[(regs ^ np.concatenate([column, zeros])) & 0xFF] ^ (regs >> 8)
    basis = [int(v) for v in regs[lanes:]]
    shift = [[0] * 256 for _ in range(4)]
    for part in range(4):
        for value in range(1, 256):
            low = value & -value
            shift[part][value] = shift[part][value ^ low] ^ basis[8 * part + low.bit_length() - 1]
    for lane_reg in regs[:lanes].tolist():
        reg = shift[0][reg & 0xFF] ^ shift[1][(reg >> 8) & 0xFF] ^ shift[2][(reg >> 16) & 0xFF] ^ shift[3][reg >> 24]
        reg ^= lane_reg
    return _update_bytes(reg, buf[lanes * length :].tobytes())


def crc32c(data: bytes | memoryview, crc: int = 0) -> int:
    """CRC-32C of ``data``, extending ``crc`` (google_crc32c when installed, else numpy)."""
    if _google_crc32c is not None:
        return _google_crc32c.extend(crc, bytes(data))
    reg = crc ^ 0xFFFFFFFF
    reg = _update_numpy(reg, data) if len(data) >= 8192 else _update_bytes(reg, data)
    return reg ^ 0xFFFFFFFF


def mask_crc(crc: int) -> int:
    """TensorFlow's crc32c::Mask: rotate right by 15 and add a constant."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode one base-128 varint at ``pos``; return (value, next position)."""
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def parse_proto(data: bytes) -> dict[int, list[int | bytes]]:
    """Protobuf wire format -> {field number: [values]} (varint/fixed as int, length-delimited as bytes)."""
    fields: dict[int, list[int | bytes]] = {}
    pos = 0
    while pos < len(data):
        tag, pos = read_varint(data, pos)
        number, wire = tag >> 3, tag & 7
        value: int | bytes
        if wire == 0:
            value, pos = read_varint(data, pos)
        elif wire == 1:
            value, pos = int.from_bytes(data[pos : pos + 8], "little"), pos + 8
        elif wire == 2:
            length, pos = read_varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        elif wire == 5:
            value, pos = int.from_bytes(data[pos : pos + 4], "little"), pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        if pos > len(data):
            raise ValueError("truncated protobuf field")
        fields.setdefault(number, []).append(value)
    return fields


def _read_block(data: bytes, handle: bytes, where: str) -> bytes:
    offset, pos = read_varint(handle, 0)
    size, _ = read_varint(handle, pos)
    end = offset + size
    if end + _TRAILER_SIZE > len(data) - FOOTER_SIZE:
        raise CheckpointError(f"{where}: a block runs past the end of the file (truncated or damaged index)")
    contents, kind = data[offset:end], data[end]
    (stored,) = struct.unpack_from("<I", data, end + 1)
    if mask_crc(crc32c(data[offset : end + 1])) != stored:
        raise CheckpointError(f"{where}: index block at byte {offset} fails its checksum (damaged file)")
    if kind == _SNAPPY:
        raise CheckpointError(f"{where}: snappy-compressed index block; TensorFlow checkpoints are uncompressed")
    if kind != _NO_COMPRESSION:
        raise CheckpointError(f"{where}: unknown index block compression type {kind}")
    return contents


def _block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    limit = len(block) - 4 - 4 * restarts
    if limit < 0:
        raise ValueError("bad restart array")
    entries, key, pos = [], b"", 0
    while pos < limit:
        shared, pos = read_varint(block, pos)
        non_shared, pos = read_varint(block, pos)
        value_length, pos = read_varint(block, pos)
        if shared > len(key) or pos + non_shared + value_length > limit:
            raise ValueError("bad block entry")
        key = key[:shared] + block[pos : pos + non_shared]
        pos += non_shared
        entries.append((key, block[pos : pos + value_length]))
        pos += value_length
    return entries


def read_table(data: bytes, where: str) -> list[tuple[bytes, bytes]]:
    """All (key, value) pairs of an SSTable, in key order; block checksums verified."""
    if len(data) < FOOTER_SIZE:
        raise CheckpointError(f"{where}: {len(data)} bytes, too short for a TensorFlow checkpoint index")
    lo, hi = struct.unpack_from("<II", data, len(data) - 8)
    if (hi << 32) | lo != TABLE_MAGIC:
        raise CheckpointError(f"{where}: not a TensorFlow checkpoint index (bad table magic number)")
    try:
        footer = data[-FOOTER_SIZE:]
        _, pos = read_varint(footer, read_varint(footer, 0)[1])  # skip the metaindex handle
        index_handle = footer[pos:]
        pairs = []
        for _, handle in _block_entries(_read_block(data, index_handle, where)):
            pairs.extend(_block_entries(_read_block(data, handle, where)))
    except (ValueError, struct.error, IndexError) as exc:
        raise CheckpointError(f"{where}: damaged checkpoint index ({exc})") from None
    return pairs

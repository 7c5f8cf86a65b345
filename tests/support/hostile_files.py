"""Small files whose headers lie about their size (issue 23's findings), for the Python and C++ tests.

Each is a real, well-formed encoding of a tiny image with its size fields rewritten, so a decoder that trusts
the header allocates for the claimed size before it finds out the data is missing.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def _noise(size: int, seed: int = 0) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def jpeg_claiming(width: int, height: int, progressive: bool = True) -> bytes:
    """A 24 x 24 JPEG of about 1.2 KB (progressive: SOF2, else baseline SOF0) whose frame header claims
    ``width x height``.

    Progressive decoders (libjpeg's ``jpeg_start_decompress``) allocate coefficient buffers for the whole
    image before reading any scan: the 65500 x 65500 case took 12.6 GB in the C++ runner (finding C1)."""
    buffer = io.BytesIO()
    _noise(24).save(buffer, "JPEG", quality=90, progressive=progressive)
    data = bytearray(buffer.getvalue())
    marker = b"\xff\xc2" if progressive else b"\xff\xc0"
    at = data.index(marker)
    # SOFn: marker, length (2), precision (1), height (2), width (2), ...
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int, bit_depth: int = 16, rows: int = 64) -> bytes:
    """An RGB PNG whose IHDR claims ``width x height`` at ``bit_depth`` and whose data holds ``rows`` zero rows
    of that width (compressed to a few KB): a decoder that allocates the image from IHDR pays for all of it
    (finding C2: 1.07 GB for 16384 x 16384 at 16 bit)."""
    row = b"\0" + bytes(width * 3 * bit_depth // 8)
    payload = zlib.compress(row * rows, 9)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", payload) + _chunk(b"IEND", b"")

"""Read TensorFlow V2 checkpoints (tensor bundles) without TensorFlow, e.g. the official taki0112/UGATIT releases.

A checkpoint is a prefix such as ``checkpoint/UGATIT_light_.../UGATIT_light.model-1000000`` with
``<prefix>.index`` (an SSTable: the empty key holds a BundleHeaderProto, every other key is a tensor name whose
value is a BundleEntryProto) and ``<prefix>.data-00000-of-00001`` shards (raw little-endian tensors). Every tensor
carries a masked CRC32C, checked on read. Folders written by ``tf.train.Saver`` also hold a ``checkpoint`` state file
naming the latest prefix, often as an absolute path on the author's machine.

    ckpt = open_tf_checkpoint("UGATIT_light_selfie2anime_.../")   # folder, state file or prefix
    if ckpt.note: print(ckpt.note)
    weights = ckpt.read_all("generator_B/")                      # {name: np.ndarray}
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..core.errors import CheckpointError
from .tf_sstable import crc32c, mask_crc, parse_proto, read_table

STATE_FILE = "checkpoint"
DTYPE_NAMES = {
    1: "float32",
    2: "float64",
    3: "int32",
    4: "uint8",
    5: "int16",
    6: "int8",
    7: "string",
    9: "int64",
    10: "bool",
    14: "bfloat16",
    19: "float16",
    20: "resource",
    21: "variant",
}
_DECODABLE = {1: "<f4", 2: "<f8", 3: "<i4", 9: "<i8"}
_STEP = re.compile(r"-(\d+)$")
_SHARD = re.compile(r"^(.*)\.data-\d{5}-of-\d{5}$")
_MAX_CONSUMER = 1  # tensor bundle format version this reader understands (kTensorBundleVersion)


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lives: BundleEntryProto, decoded."""

    name: str
    dtype: int
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int
    sliced: bool = False

    @property
    def dtype_name(self) -> str:
        return DTYPE_NAMES.get(self.dtype, f"dtype#{self.dtype}")

    @property
    def decodable(self) -> bool:
        return self.dtype in _DECODABLE and not self.sliced


@dataclass
class TFCheckpoint:
    """An opened TensorFlow checkpoint: the index is parsed, tensors are read on demand."""

    prefix: Path
    note: str | None
    entries: dict[str, TensorEntry]
    num_shards: int = 1

    def names(self) -> list[str]:
        """Tensor names, sorted (as TensorFlow lists them)."""
        return sorted(self.entries)

    def shape(self, name: str) -> tuple[int, ...]:
        return self._entry(name).shape

    def shard_path(self, shard_id: int) -> Path:
        return Path(f"{self.prefix}.data-{shard_id:05d}-of-{self.num_shards:05d}")

    def read(self, name: str) -> np.ndarray:
        """One tensor as a numpy array; its checksum is verified."""
        entry = self._entry(name)
        with self._open(entry.shard_id) as handle:
            return self._decode(entry, handle)

    def read_all(self, prefix_filter: str = "") -> dict[str, np.ndarray]:
        """Every decodable tensor whose name starts with ``prefix_filter`` (string tensors etc. are skipped)."""
        wanted = [e for e in self.entries.values() if e.name.startswith(prefix_filter) and e.decodable]
        out: dict[str, np.ndarray] = {}
        for shard_id in sorted({e.shard_id for e in wanted}):
            with self._open(shard_id) as handle:
                for entry in sorted((e for e in wanted if e.shard_id == shard_id), key=lambda e: e.offset):
                    out[entry.name] = self._decode(entry, handle)
        return dict(sorted(out.items()))

    def _entry(self, name: str) -> TensorEntry:
        try:
            return self.entries[name]
        except KeyError:
            raise CheckpointError(f"no tensor {name!r} in TensorFlow checkpoint {self.prefix.name}") from None

    def _shard(self, shard_id: int) -> Path:
        path = self.shard_path(shard_id)
        if not path.is_file():
            raise CheckpointError(f"missing data shard {path.name} of TensorFlow checkpoint {self.prefix}")
        return path

    def _open(self, shard_id: int) -> BinaryIO:
        path = self._shard(shard_id)
        try:
            return open(path, "rb")
        except OSError as exc:
            raise CheckpointError(f"cannot read {path}: {exc.strerror or exc}") from None

    def _decode(self, entry: TensorEntry, handle: BinaryIO) -> np.ndarray:
        if not entry.decodable:
            what = "a partitioned (sliced) tensor" if entry.sliced else f"dtype {entry.dtype_name}"
            raise CheckpointError(f"tensor {entry.name!r} has {what}, which this reader does not decode")
        dtype = np.dtype(_DECODABLE[entry.dtype])
        if entry.size != dtype.itemsize * math.prod(entry.shape):
            raise CheckpointError(f"tensor {entry.name!r}: {entry.size} bytes do not hold {entry.shape} {dtype}")
        handle.seek(entry.offset)
        data = handle.read(entry.size)
        shard = self.shard_path(entry.shard_id).name
        if len(data) != entry.size:
            raise CheckpointError(f"data shard {shard} is truncated: tensor {entry.name!r} runs past its end")
        if mask_crc(crc32c(data)) != entry.crc32c:
            raise CheckpointError(f"tensor {entry.name!r} in {shard} fails its checksum (damaged or partial download)")
        return np.frombuffer(data, dtype=dtype).reshape(entry.shape).astype(dtype.newbyteorder("="))


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _int(fields: dict[int, list[int | bytes]], number: int, default: int = 0) -> int:
    """The last value of a number field; ValueError if the file put bytes there."""
    value = fields.get(number, [default])[-1]
    if isinstance(value, bytes):
        raise ValueError(f"protobuf field {number} holds bytes, not a number")
    return value


def _message(fields: dict[int, list[int | bytes]], number: int) -> list[dict[int, list[int | bytes]]]:
    """Every value of a message field, parsed; ValueError if the file put a number there."""
    values = fields.get(number, [])
    if not all(isinstance(value, bytes) for value in values):
        raise ValueError(f"protobuf field {number} holds a number, not a message")
    return [parse_proto(value) for value in values]  # type: ignore[arg-type]


def _parse_entry(name: str, value: bytes) -> TensorEntry:
    fields = parse_proto(value)
    shape = (_message(fields, 2) or [{}])[-1]
    dims = [_signed(_int(dim, 1)) for dim in _message(shape, 2)]
    return TensorEntry(
        name=name,
        dtype=_int(fields, 1),
        shape=tuple(dims),
        shard_id=_int(fields, 3),
        offset=_int(fields, 4),
        size=_int(fields, 5),
        crc32c=_int(fields, 6),
        sliced=7 in fields,
    )


def _read_index(prefix: Path) -> tuple[int, dict[str, TensorEntry]]:
    index = Path(f"{prefix}.index")
    where = f"TensorFlow checkpoint index {index}"
    try:
        data = index.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"missing {index.name}: {prefix} is not a complete TensorFlow checkpoint") from None
    except OSError as exc:
        raise CheckpointError(f"cannot read {index}: {exc.strerror or exc}") from None
    if not data:
        raise CheckpointError(f"{where} is empty (interrupted download?)")
    pairs = read_table(data, where)
    if not pairs or pairs[0][0] != b"":
        raise CheckpointError(f"{where} has no bundle header: not a V2 tensor bundle")
    try:
        header = parse_proto(pairs[0][1])
        version = (_message(header, 3) or [{}])[-1]
        num_shards, endianness, min_consumer = _int(header, 1, 1), _int(header, 2), _int(version, 2)
        entries = {}
        for key, value in pairs[1:]:
            if key.startswith(b"\x00"):  # slices of partitioned variables, listed under their full tensor
                continue
            name = key.decode("utf-8")
            entries[name] = _parse_entry(name, value)
    except (ValueError, UnicodeDecodeError, TypeError) as exc:
        raise CheckpointError(f"{where} is damaged ({exc})") from None
    if endianness != 0:
        raise CheckpointError(f"{where} holds big-endian tensors, which this reader does not support")
    if min_consumer > _MAX_CONSUMER:
        raise CheckpointError(f"{where} needs a newer reader (bundle min_consumer {min_consumer})")
    return num_shards or 1, entries


def _check_shards(ckpt: TFCheckpoint) -> None:
    ends: dict[int, int] = {}
    for entry in ckpt.entries.values():
        ends[entry.shard_id] = max(ends.get(entry.shard_id, 0), entry.offset + entry.size)
    for shard_id, end in sorted(ends.items()):
        path = ckpt._shard(shard_id)
        size = path.stat().st_size
        if size < end:
            raise CheckpointError(f"data shard {path.name} is truncated: {size} bytes, the index needs {end}")


def _step(prefix: str) -> int:
    match = _STEP.search(prefix)
    return int(match.group(1)) if match else -1


def _state_path(state: Path) -> str | None:
    """``model_checkpoint_path`` from a text-format CheckpointState file, or None."""
    try:
        text = state.read_bytes()
    except OSError:
        return None
    match = re.search(rb'^\s*model_checkpoint_path:\s*"((?:[^"\\]|\\.)*)"', text, re.MULTILINE)
    if not match:
        return None
    escapes = {"n": b"\n", "r": b"\r", "t": b"\t"}

    def unescape(m: re.Match[bytes]) -> bytes:  # C escapes, as protobuf text format writes them
        code = m.group(1).decode()
        if code[0] in "01234567":
            return bytes([int(code, 8) & 0xFF])
        if code[0] == "x":
            return bytes([int(code[1:], 16)])
        return escapes.get(code, code.encode())

    raw = re.sub(rb"\\([0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)", unescape, match.group(1))
    return raw.decode("utf-8", errors="replace")


def _resolve_folder(folder: Path, state: Path) -> tuple[Path, str | None]:
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise CheckpointError(f"cannot read folder {folder}: {exc.strerror or exc}") from None
    prefixes = sorted((n[: -len(".index")] for n in names if n.endswith(".index")), key=lambda p: (_step(p), p))
    target = _state_path(state) if STATE_FILE in names or state.is_file() else None
    if target:
        # the official UGATIT.load() joins the basename with its own folder; then the path as written
        # os.path.isfile, not Path.is_file: a name the OS refuses (too long, a NUL byte) is just not there
        for candidate in (folder / Path(target).name, folder / target):
            if os.path.isfile(f"{candidate}.index"):
                moved = Path(target).is_absolute() and not os.path.isfile(f"{target}.index")
                note = f"the checkpoint state file points to {target}, which is not here; using {candidate.name} here"
                return candidate, note if moved else None
    if not prefixes:
        subfolders = sorted(n for n in names if (folder / n).is_dir() and looks_like_tf_checkpoint(folder / n))
        if len(subfolders) == 1:  # e.g. the archive's checkpoint/ folder holding one model_dir
            prefix, note = _resolve_folder(folder / subfolders[0], folder / subfolders[0] / STATE_FILE)
            return prefix, note or f"using the TensorFlow checkpoint in subfolder {subfolders[0]}"
        if subfolders:
            raise CheckpointError(f"{len(subfolders)} TensorFlow checkpoint folders in {folder}: pass one of them")
        raise CheckpointError(f"{folder} is a directory with no TensorFlow checkpoint (*.index) in it")
    newest = folder / prefixes[-1]
    why = f"points to {target}, which is not here" if target else "is missing or names no checkpoint"
    return newest, f"the checkpoint state file {why}; using the newest checkpoint in the folder: {newest.name}"


def resolve_prefix(path: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """Folder, ``checkpoint`` state file, ``.index``/``.data-*`` file or prefix -> (prefix, note or None)."""
    path = Path(path)
    if path.is_dir():
        return _resolve_folder(path, path / STATE_FILE)
    if path.name == STATE_FILE and path.is_file():
        return _resolve_folder(path.parent, path)
    if path.suffix == ".index" and path.is_file():
        return path.with_suffix(""), None
    shard = _SHARD.match(path.name)
    if shard and path.is_file():
        return path.with_name(shard.group(1)), None
    if Path(f"{path}.index").exists():
        return path, None
    raise CheckpointError(f"no TensorFlow checkpoint at {path} (expected a folder, a 'checkpoint' file or a prefix)")


def open_tf_checkpoint(path: str | os.PathLike[str]) -> TFCheckpoint:
    """Open a TensorFlow V2 checkpoint: parse its index and check that its data shards are complete."""
    prefix, note = resolve_prefix(path)
    num_shards, entries = _read_index(prefix)
    ckpt = TFCheckpoint(prefix=prefix, note=note, entries=entries, num_shards=num_shards)
    _check_shards(ckpt)
    return ckpt


def looks_like_tf_checkpoint(path: str | os.PathLike[str]) -> bool:
    """Cheap test (no parsing): a folder with a state file or ``*.index`` files, an ``.index`` file or a prefix."""
    path = Path(path)
    try:
        if path.is_dir():
            return any(n == STATE_FILE or n.endswith(".index") for n in os.listdir(path))
        if path.is_file():
            if path.suffix == ".index":
                return True
            shard = _SHARD.match(path.name)
            if shard:
                return path.with_name(shard.group(1) + ".index").is_file()
            if path.name == STATE_FILE:
                with open(path, "rb") as handle:
                    return handle.read(64).lstrip().startswith(b"model_checkpoint_path")
            return False
        return Path(f"{path}.index").is_file()
    except OSError:
        return False

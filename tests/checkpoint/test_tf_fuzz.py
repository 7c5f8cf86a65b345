"""Mutation tests of the TensorFlow checkpoint reader: whatever happens to the files of a real checkpoint (the light
tiny fixture), reading it as the CLI does gives the original weights or one line of CheckpointError, never another
exception, a hang or an allocation sized by a length field in the file.

"Damaged" mutations change bytes as a disk or a download would; "forged" ones rewrite the index with valid
checksums, as a hostile file would, so they reach the protobuf and shape handling behind the checksums.
"""

from __future__ import annotations

import functools
import math
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.paths import TF_DATA

from ugatit_deploy.checkpoint import open_generators
from ugatit_deploy.checkpoint.tf_bundle import open_tf_checkpoint
from ugatit_deploy.checkpoint.tf_sstable import FOOTER_SIZE, TABLE_MAGIC, crc32c, mask_crc, parse_proto, read_table
from ugatit_deploy.core.errors import UgatitDeployError

LIGHT = TF_DATA / "checkpoint" / "UGATIT_light_tiny_lsgan_4resblock_6dis_1_1_10_10_1000_sn_smoothing"
PREFIX = "UGATIT_light.model-2"
INDEX, DATA, STATE = f"{PREFIX}.index", f"{PREFIX}.data-00000-of-00001", "checkpoint"
ORIGINAL = {name: (LIGHT / name).read_bytes() for name in (INDEX, DATA, STATE)}
PAIRS = read_table(ORIGINAL[INDEX], "fixture")  # (key, value): the header first, then one entry per tensor
GENERATOR = [i for i, (key, _) in enumerate(PAIRS) if key.startswith(b"generator_B/")]
HUGE = [2**31, 2**32, 2**40, 2**63 - 1, 2**64 - 1]
PEAK_LIMIT = 50 * 2**20
_WRITTEN: dict[Path, bytes] = {}


def fuzz(examples: int) -> settings:
    """Fixed examples, no deadline, no example database: the same run every time."""
    return settings(
        derandomize=True,
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


# ------------------------------------------------------------------------------------------------ reading


def read_or_refuse(folder: Path) -> tuple[dict[str, np.ndarray], dict[str, dict[str, torch.Tensor]]] | None:
    """(every tensor, the generators' state_dicts as ``convert`` loads them), or None after a one-line error."""
    try:
        weights = open_tf_checkpoint(folder).read_all()
        _, models = open_generators(folder)
    except UgatitDeployError as exc:
        message = str(exc)
        assert message.strip() and "\n" not in message, message
        return None
    return weights, {direction: model.state_dict() for direction, model in models.items()}


@functools.cache
def reference() -> tuple[dict[str, np.ndarray], dict[str, dict[str, torch.Tensor]]]:
    result = read_or_refuse(LIGHT)
    assert result is not None
    return result


def assert_same_or_refused(folder: Path) -> None:
    """The reader refuses cleanly, or every tensor and generator weight is bit for bit the original."""
    result = read_or_refuse(folder)
    if result is None:
        return
    (weights, models), (expected_weights, expected_models) = result, reference()
    assert list(weights) == list(expected_weights)
    for name, array in expected_weights.items():
        got = weights[name]
        assert got.dtype == array.dtype and got.shape == array.shape and got.tobytes() == array.tobytes(), name
    for direction, state_dict in expected_models.items():
        assert list(models[direction]) == list(state_dict)
        assert all(torch.equal(models[direction][key], value) for key, value in state_dict.items()), direction


def write_checkpoint(tmp_path: Path, changed: dict[str, bytes]) -> Path:
    """The fixture folder (same name, so the same smoothing) under ``tmp_path``, with some files replaced."""
    folder = tmp_path / LIGHT.name
    folder.mkdir(exist_ok=True)
    for name, data in {**ORIGINAL, **changed}.items():
        if _WRITTEN.get(folder / name) is not data:  # the 1.4 MB shard is written once per test, not per example
            (folder / name).write_bytes(data)
            _WRITTEN[folder / name] = data
    return folder


# ------------------------------------------------------------------------------------------------ writing


def varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode_proto(fields: dict[int, list[int | bytes]]) -> bytes:
    """Protobuf wire format: ints as varints (negatives as 64-bit two's complement), bytes length-delimited."""
    out = b""
    for number, values in sorted(fields.items()):
        for value in values:
            if isinstance(value, bytes):
                out += varint(number << 3 | 2) + varint(len(value)) + value
            else:
                out += varint(number << 3) + varint(value % 2**64)
    return out


def encode_shape(dims: list[int]) -> bytes:
    return encode_proto({2: [encode_proto({1: [dim]}) for dim in dims]})


def _block(pairs: list[tuple[bytes, bytes]]) -> bytes:
    entries = b"".join(varint(0) + varint(len(key)) + varint(len(value)) + key + value for key, value in pairs)
    contents = entries + struct.pack("<II", 0, 1)  # one restart point, at 0
    return contents + b"\0" + struct.pack("<I", mask_crc(crc32c(contents + b"\0")))


def build_index(pairs: list[tuple[bytes, bytes]]) -> bytes:
    """An SSTable with valid checksums: one data block holding ``pairs``, an empty metaindex, an index block."""
    data = _block(pairs)
    meta = _block([])
    index = _block([(b"\xff", varint(0) + varint(len(data) - 5))])
    handles = varint(len(data)) + varint(len(meta) - 5) + varint(len(data) + len(meta)) + varint(len(index) - 5)
    footer = handles.ljust(FOOTER_SIZE - 8, b"\0") + struct.pack("<Q", TABLE_MAGIC)
    return data + meta + index + footer


# ------------------------------------------------------------------------------------------------ strategies


def damage(size: int, tail: int = 0) -> st.SearchStrategy[tuple[str, int, int | bytes]]:
    """(kind, offset, argument) of one byte flip, insertion, deletion, truncation or huge varint (over the bytes
    there, or in place of one byte) in ``size`` bytes; the last ``tail`` bytes are hit more often."""
    where = st.integers(0, size - 1) | st.integers(size - tail, size - 1) if tail else st.integers(0, size - 1)
    return st.one_of(
        st.tuples(st.just("flip"), where, st.integers(1, 255)),
        st.tuples(st.just("insert"), where, st.binary(min_size=1, max_size=8)),
        st.tuples(st.just("delete"), where, st.integers(1, 16)),
        st.tuples(st.just("truncate"), where, st.just(0)),
        st.tuples(st.sampled_from(["overwrite", "splice"]), where, st.sampled_from(HUGE)),
    )


def damaged(data: bytes, how: tuple[str, int, int | bytes]) -> bytes:
    kind, where, argument = how
    if kind == "flip":
        return data[:where] + bytes([data[where] ^ int(argument)]) + data[where + 1 :]
    if kind == "insert":
        return data[:where] + bytes(argument) + data[where:]
    if kind == "delete":
        return data[:where] + data[where + int(argument) :]
    if kind == "truncate":
        return data[:where]
    huge = varint(int(argument))
    return data[:where] + huge + data[where + (len(huge) if kind == "overwrite" else 1) :]


def reshaped(count: int) -> list[list[int]]:
    """Other shapes of ``count`` elements: the size check passes, the layout is wrong."""
    return [[count], [1, count], [count, 1, 1, 1], [1, 1, 1, 1, count], *([[]] if count == 1 else [])]


@st.composite
def forged_value(draw: st.DrawFn, value: bytes) -> bytes:
    """A BundleEntryProto (or the header) with one field replaced by a hostile value."""
    fields = parse_proto(value)
    number = draw(st.integers(1, 8))
    count = math.prod(_dims(fields)) if 2 in fields else 1
    dims = st.lists(st.sampled_from([0, 1, -1, 3, 2**31, 2**40, -(2**63)]) | st.integers(-9, 2**64), max_size=6)
    replacement = draw(
        st.sampled_from([0, 1, 2, 7, 20, 21, *HUGE])
        | st.binary(max_size=24)
        | dims.map(encode_shape)
        | st.sampled_from(reshaped(count)).map(encode_shape)
    )
    fields[number] = [replacement]
    return encode_proto(fields)


def _dims(fields: dict[int, list[int | bytes]]) -> list[int]:
    shape = parse_proto(fields[2][-1])
    return [parse_proto(dim).get(1, [0])[-1] for dim in shape.get(2, [])]


Forgery = tuple[int, str, object]


@st.composite
def forgery(draw: st.DrawFn) -> Forgery:
    """(entry, how, what): one index entry (0: the header) given a hostile field, key or value, dropped or doubled."""
    at = draw(st.sampled_from(GENERATOR) | st.just(0) | st.integers(0, len(PAIRS) - 1))
    key, value = PAIRS[at]
    how = draw(st.sampled_from(["field", "field", "key", "damage", "drop", "duplicate"]))
    if how == "field":
        return at, how, draw(forged_value(value))
    if how == "key":
        return at, how, draw(st.binary(max_size=40))
    if how == "damage":
        return at, how, draw(damage(len(value))) if value else ("insert", 0, b"\x80")
    return at, how, draw(st.integers(0, len(PAIRS) - 1))


def forged_index(at: int, how: str, what: object) -> bytes:
    """The fixture's index, rewritten with valid checksums after one ``forgery``."""
    pairs = list(PAIRS)
    key, value = pairs[at]
    if how == "field":
        pairs[at] = (key, what)
    elif how == "key":
        pairs[at] = (what, value)
    elif how == "damage":
        pairs[at] = (key, damaged(value, what))
    elif how == "drop":
        del pairs[at]
    else:
        pairs.insert(at, pairs[what])
    return build_index(pairs)


def state_file(path: str) -> bytes:
    escaped = path.replace("\\", "\\\\").replace('"', '\\"')
    return f'model_checkpoint_path: "{escaped}"\nall_model_checkpoint_paths: "{escaped}"\n'.encode()


# ------------------------------------------------------------------------------------------------ damage


def test_the_forger_rewrites_the_fixture_index_faithfully(tmp_path: Path) -> None:
    """The index writer used below, fed the fixture's own entries, gives the original weights."""
    folder = write_checkpoint(tmp_path, {INDEX: build_index(PAIRS)})
    assert read_or_refuse(folder) is not None
    assert_same_or_refused(folder)


@pytest.mark.slow
@fuzz(120)
@given(how=damage(len(ORIGINAL[INDEX]), tail=FOOTER_SIZE))
def test_damaged_index_reads_the_same_or_is_refused(tmp_path: Path, how: tuple[str, int, int | bytes]) -> None:
    assert_same_or_refused(write_checkpoint(tmp_path, {INDEX: damaged(ORIGINAL[INDEX], how)}))


@pytest.mark.slow
@fuzz(60)
@given(how=damage(len(ORIGINAL[DATA]), tail=64))
def test_damaged_data_shard_reads_the_same_or_is_refused(tmp_path: Path, how: tuple[str, int, int | bytes]) -> None:
    assert_same_or_refused(write_checkpoint(tmp_path, {DATA: damaged(ORIGINAL[DATA], how)}))


@pytest.mark.slow
@fuzz(20)
@given(how=damage(len(ORIGINAL[STATE])))
def test_damaged_state_file_reads_the_same_or_is_refused(tmp_path: Path, how: tuple[str, int, int | bytes]) -> None:
    assert_same_or_refused(write_checkpoint(tmp_path, {STATE: damaged(ORIGINAL[STATE], how)}))


@pytest.mark.slow
@fuzz(20)
@given(path=st.text(max_size=40) | st.text(alphabet="a/.\\\0\n", min_size=250, max_size=400))
def test_any_path_in_the_state_file_reads_the_same_or_is_refused(tmp_path: Path, path: str) -> None:
    assert_same_or_refused(write_checkpoint(tmp_path, {STATE: state_file(path)}))


# ------------------------------------------------------------------------------------------------ forgery


@pytest.mark.slow
@fuzz(100)
@given(how=forgery())
def test_forged_index_reads_or_is_refused_in_one_line(tmp_path: Path, how: Forgery) -> None:
    """Valid checksums around hostile entries: any answer but a crash (the index is the authority on weights)."""
    read_or_refuse(write_checkpoint(tmp_path, {INDEX: forged_index(*how)}))


# ------------------------------------------------------------------------------------------------ memory


def _entry_claiming(size: int) -> list[tuple[bytes, bytes]]:
    """A generator kernel claiming ``size`` bytes of float32 data (shape to match)."""
    pairs = list(PAIRS)
    key, value = pairs[GENERATOR[0]]
    fields = parse_proto(value)
    fields[2], fields[5] = [encode_shape([size // 4])], [size]
    pairs[GENERATOR[0]] = (key, encode_proto(fields))
    return pairs


def _block_handle_claiming(size: int) -> bytes:
    index = build_index(PAIRS)
    footer = varint(0) + varint(size) + varint(1) + varint(size)
    return index[:-FOOTER_SIZE] + footer.ljust(FOOTER_SIZE - 8, b"\0") + index[-8:]


def _proto_length_claiming(size: int) -> bytes:
    key, value = PAIRS[GENERATOR[0]]
    return build_index([*PAIRS[:1], (key, value + varint(2 << 3 | 2) + varint(size)), *PAIRS[1:]])


HUGE_CLAIMS: dict[str, Callable[[int], bytes]] = {
    "tensor size": lambda size: build_index(_entry_claiming(size)),
    "block handle": _block_handle_claiming,
    "protobuf length": _proto_length_claiming,
    "shard count": lambda size: build_index([(b"", encode_proto({1: [size]})), *PAIRS[1:]]),
}


@pytest.mark.parametrize("claim", HUGE_CLAIMS)
def test_a_length_field_claiming_a_terabyte_is_refused_before_allocating(tmp_path: Path, claim: str) -> None:
    folder = write_checkpoint(tmp_path, {INDEX: HUGE_CLAIMS[claim](2**40)})
    tracemalloc.start()
    try:
        assert read_or_refuse(folder) is None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < PEAK_LIMIT, f"{peak / 2**20:.0f} MiB"


# ------------------------------------------------------------------------------------------------ regressions


def one_line_refusal(folder: Path) -> str:
    with pytest.raises(UgatitDeployError) as info:
        open_generators(folder)
    assert "\n" not in str(info.value)
    return str(info.value)


def _with_entry(index: int, **fields: int | bytes) -> bytes:
    key, value = PAIRS[index]
    parsed = parse_proto(value)
    parsed.update({int(number[1:]): [field] for number, field in fields.items()})
    return build_index([*PAIRS[:index], (key, encode_proto(parsed)), *PAIRS[index + 1 :]])


def test_state_file_naming_a_too_long_file_falls_back_to_the_checkpoint_here(tmp_path: Path) -> None:
    """Found by the fuzzer: a 300-byte basename made Path.is_file raise OSError (File name too long)."""
    folder = write_checkpoint(tmp_path, {STATE: state_file("\\" * 300)})
    assert open_tf_checkpoint(folder).prefix == folder / PREFIX
    assert_same_or_refused(folder)


def test_header_field_holding_bytes_is_refused(tmp_path: Path) -> None:
    """Found by the fuzzer: num_shards written as a message made int(bytes) raise ValueError."""
    folder = write_checkpoint(tmp_path, {INDEX: _with_entry(0, f1=b"\x12\x02\x08\x00")})
    assert "is damaged (protobuf field 1 holds bytes, not a number)" in one_line_refusal(folder)


def test_generator_kernel_of_the_wrong_rank_is_refused(tmp_path: Path) -> None:
    """Found by the fuzzer: an MLP kernel of shape [] made tf_convert's unpacking raise ValueError."""
    mlp = next(i for i in GENERATOR if PAIRS[i][0] == b"generator_B/MLP/linear_0/dense/kernel")
    folder = write_checkpoint(tmp_path, {INDEX: _with_entry(mlp, f2=encode_shape([]))})
    assert "generator_B/MLP/linear_0/dense/kernel has shape [], not 2 positive sizes" in one_line_refusal(folder)


def test_generator_variable_reshaped_to_the_same_size_is_refused(tmp_path: Path) -> None:
    """A conv kernel flattened (same bytes, same checksum) must not reach numpy's transpose."""
    at = next(i for i in GENERATOR if PAIRS[i][0] == b"generator_B/up_conv_0/conv2d/kernel")
    count = math.prod(open_tf_checkpoint(LIGHT).shape("generator_B/up_conv_0/conv2d/kernel"))
    folder = write_checkpoint(tmp_path, {INDEX: _with_entry(at, f2=encode_shape([count]))})
    assert f"up_conv_0/conv2d/kernel is float32 [{count}], which does not fit" in one_line_refusal(folder)

"""The pure-Python TensorFlow checkpoint reader, against fixtures TensorFlow itself wrote (tests/data/tf)."""

from __future__ import annotations

import ast
import os
import shutil
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.paths import TF_DATA

from ugatit_deploy.checkpoint import tf_sstable
from ugatit_deploy.checkpoint.tf_bundle import (
    TFCheckpoint,
    looks_like_tf_checkpoint,
    open_tf_checkpoint,
    resolve_prefix,
)
from ugatit_deploy.core.errors import CheckpointError

DATA = TF_DATA
LIGHT = DATA / "checkpoint" / "UGATIT_light_tiny_lsgan_4resblock_6dis_1_1_10_10_1000_sn_smoothing"
FULL = DATA / "checkpoint" / "UGATIT_tiny_lsgan_4resblock_6dis_1_1_10_10_1000_sn_smoothing"
FOLDERS = {"light": (LIGHT, "UGATIT_light.model-2"), "full": (FULL, "UGATIT.model-2")}
KERNEL = "generator_B/conv/conv2d/kernel"


def tf_listing() -> dict[str, dict[str, tuple[tuple[int, ...], str]]]:
    """variables.txt: {folder name: {tensor: (shape, dtype)}}, as tf.train.list_variables gave them."""
    listing: dict[str, dict[str, tuple[tuple[int, ...], str]]] = {}
    section: dict[str, tuple[tuple[int, ...], str]] = {}
    for line in (DATA / "variables.txt").read_text().splitlines():
        if line.startswith("["):
            section = listing.setdefault(line.strip("[]").split("/")[0], {})
        elif line and not line.startswith("#"):
            name, shape, dtype = line.split("\t")
            section[name] = (tuple(ast.literal_eval(shape)), dtype)
    return listing


def one_line_error(match: str, func, *args) -> str:
    with pytest.raises(CheckpointError, match=match) as info:
        func(*args)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.fixture
def light_copy(tmp_path: Path) -> Path:
    folder = tmp_path / LIGHT.name
    shutil.copytree(LIGHT, folder)
    return folder


def rename_prefix(folder: Path, old: str, new: str, copy: bool = False) -> None:
    for path in list(folder.glob(old + ".*")):
        target = folder / (new + path.name[len(old) :])
        (shutil.copy if copy else os.replace)(path, target)


# ------------------------------------------------------------------------------------------------ reading


@pytest.mark.parametrize("kind", ["light", "full"])
def test_lists_every_tensor_as_tensorflow_does(kind: str) -> None:
    folder, prefix = FOLDERS[kind]
    ckpt = open_tf_checkpoint(folder)
    assert ckpt.prefix == folder / prefix and ckpt.num_shards == 1
    # the state file names the author's machine: the same prefix here is taken, and the note says so
    assert ckpt.note == (f"the checkpoint state file points to /home/author/UGATIT/checkpoint/{folder.name}/{prefix}, "
                         f"which is not here; using {prefix} here")  # fmt: skip
    expected = tf_listing()[folder.name]
    assert ckpt.names() == sorted(expected) and len(expected) == 720
    for name, (shape, dtype) in expected.items():
        assert ckpt.shape(name) == shape and ckpt.entries[name].dtype_name == dtype, name


def test_readme_lists_the_light_generator_b_variables() -> None:
    rows = [line.split("|") for line in (DATA / "README.md").read_text().splitlines() if line.startswith("| `gen")]
    listed = {row[1].strip(" `"): tuple(ast.literal_eval(row[2].strip(" `"))) for row in rows}
    ckpt = open_tf_checkpoint(LIGHT)
    saved = {n: ckpt.shape(n) for n in ckpt.names() if n.startswith("generator_B/") and "/Adam" not in n}
    assert listed == saved and len(saved) == 92
    assert listed["generator_B/MLP/linear_0/dense/kernel"] == (16, 16)
    assert open_tf_checkpoint(FULL).shape("generator_B/MLP/linear_0/dense/kernel") == (4096, 16)


@pytest.mark.parametrize("kind", ["light", "full"])
def test_values_equal_the_ones_tensorflow_held(kind: str) -> None:
    folder, _ = FOLDERS[kind]
    ckpt = open_tf_checkpoint(folder)
    with np.load(DATA / "outputs.npz") as saved:
        keys = [k for k in saved.files if k.startswith(f"{kind}/variables/")]
        assert len(keys) == (92 if kind == "light" else 4)
        for key in keys:
            value = ckpt.read(key[len(f"{kind}/variables/") :])
            assert value.dtype == np.float32 and value.shape == saved[key].shape
            np.testing.assert_array_equal(value, saved[key])
    rho = ckpt.read("generator_B/adaptive_resblock0/res1/instance_layer_norm/rho")
    assert rho[0] == np.float32(0.05) and 0 < rho.min() and rho.max() < 1


def test_read_all_filters_by_prefix_and_returns_writable_arrays() -> None:
    ckpt = open_tf_checkpoint(LIGHT)
    weights = ckpt.read_all("generator_B/")
    assert list(weights) == [n for n in ckpt.names() if n.startswith("generator_B/")]
    assert all(v.flags.writeable and v.dtype == np.float32 for v in weights.values())
    np.testing.assert_array_equal(weights[KERNEL], ckpt.read(KERNEL))
    assert len(ckpt.read_all()) == 720


def test_fixture_outputs_record_the_smoothing_flag() -> None:
    with np.load(DATA / "outputs.npz") as saved:
        for key in ("light/generator_B", "light/generator_A", "full/generator_B", "full/generator_A"):
            assert saved[f"{key}/smoothing"].item() is True
            assert saved[f"{key}/out"].shape == (3, 64, 64, 3) and saved[f"{key}/heatmap"].shape == (3, 16, 16)
        assert saved["light/nosmooth/generator_B/smoothing"].item() is False
        assert not np.allclose(saved["light/nosmooth/generator_B/out"], saved["light/generator_B/out"])


def test_other_dtypes_are_listed_but_not_decoded() -> None:
    ckpt = open_tf_checkpoint(LIGHT)
    entry = ckpt.entries[KERNEL]
    entries = dict(
        ckpt.entries, text=replace(entry, name="text", dtype=7), part=replace(entry, name="part", sliced=True)
    )
    odd = TFCheckpoint(prefix=ckpt.prefix, note=None, entries=entries)
    assert "text" in odd.names() and odd.entries["text"].dtype_name == "string"
    one_line_error("'text' has dtype string", odd.read, "text")
    one_line_error("partitioned", odd.read, "part")
    assert "text" not in odd.read_all() and KERNEL in odd.read_all()
    one_line_error("no tensor 'nope'", odd.read, "nope")


# ------------------------------------------------------------------------------------------------ paths


def test_accepts_folder_state_file_prefix_index_and_data_file() -> None:
    prefix = LIGHT / "UGATIT_light.model-2"
    for path in (prefix, Path(f"{prefix}.index"), Path(f"{prefix}.data-00000-of-00001")):
        assert resolve_prefix(path) == (prefix, None), path
    for path in (LIGHT, LIGHT / "checkpoint", prefix, Path(f"{prefix}.index"), Path(f"{prefix}.data-00000-of-00001")):
        assert resolve_prefix(path)[0] == prefix, path
        assert looks_like_tf_checkpoint(path), path
    assert open_tf_checkpoint(str(prefix)).prefix == prefix


def test_state_file_pointing_elsewhere_takes_the_newest_with_a_note(light_copy: Path) -> None:
    rename_prefix(light_copy, "UGATIT_light.model-2", "UGATIT_light.model-9")
    rename_prefix(light_copy, "UGATIT_light.model-9", "UGATIT_light.model-10", copy=True)
    ckpt = open_tf_checkpoint(light_copy)
    assert ckpt.prefix == light_copy / "UGATIT_light.model-10"  # by step number, not by name
    assert "/home/author/UGATIT/checkpoint/" in ckpt.note and "UGATIT_light.model-10" in ckpt.note
    assert "\n" not in ckpt.note


def test_missing_state_file_takes_the_newest_with_a_note(light_copy: Path) -> None:
    (light_copy / "checkpoint").unlink()
    rename_prefix(light_copy, "UGATIT_light.model-2", "UGATIT_light.model-1000000", copy=True)
    ckpt = open_tf_checkpoint(light_copy)
    assert ckpt.prefix.name == "UGATIT_light.model-1000000" and "missing" in ckpt.note


def test_state_file_basename_or_relative_path_is_used(light_copy: Path) -> None:
    rename_prefix(light_copy, "UGATIT_light.model-2", "UGATIT_light.model-7", copy=True)
    # the absolute author path's basename exists here: used, although model-7 is newer (as the official load() does)
    assert open_tf_checkpoint(light_copy).prefix.name == "UGATIT_light.model-2"
    (light_copy / "checkpoint").write_text('model_checkpoint_path: "UGATIT_light.model-2"\n')
    ckpt = open_tf_checkpoint(light_copy / "checkpoint")
    assert ckpt.prefix == light_copy / "UGATIT_light.model-2" and ckpt.note is None


def test_state_file_escapes_are_decoded(light_copy: Path) -> None:
    state = light_copy / "checkpoint"
    # older TensorFlow writes non-ASCII bytes as octal escapes; 2.x writes UTF-8 and escapes quotes
    state.write_bytes(b'model_checkpoint_path: "/home/\\303\\251t\\303\\251/a \\"q\\"/UGATIT_light.model-9"\n')
    prefix, note = resolve_prefix(light_copy)
    assert prefix.name == "UGATIT_light.model-2" and '/home/\u00e9t\u00e9/a "q"/UGATIT_light.model-9' in note
    state.write_text('model_checkpoint_path: "/home/\u00e9t\u00e9/UGATIT_light.model-2"\n', encoding="utf-8")
    prefix, note = resolve_prefix(state)
    assert prefix == light_copy / "UGATIT_light.model-2" and "/home/\u00e9t\u00e9/UGATIT_light.model-2" in note


def test_state_file_with_an_existing_absolute_path_elsewhere(light_copy: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    shutil.copytree(light_copy, other)
    rename_prefix(other, "UGATIT_light.model-2", "UGATIT_light.model-3")
    (light_copy / "checkpoint").write_text(f'model_checkpoint_path: "{other}/UGATIT_light.model-3"\n')
    assert resolve_prefix(light_copy) == (other / "UGATIT_light.model-3", None)


def test_parent_folder_with_one_checkpoint_folder(light_copy: Path) -> None:
    prefix, note = resolve_prefix(light_copy.parent)
    assert prefix == light_copy / "UGATIT_light.model-2" and light_copy.name in note
    shutil.copytree(FULL, light_copy.parent / FULL.name)
    one_line_error("2 TensorFlow checkpoint folders", open_tf_checkpoint, light_copy.parent)


# ------------------------------------------------------------------------------------------------ bad input


def test_folder_without_a_checkpoint(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    one_line_error("no TensorFlow checkpoint", open_tf_checkpoint, tmp_path)
    one_line_error("no TensorFlow checkpoint at", open_tf_checkpoint, tmp_path / "missing")
    assert not looks_like_tf_checkpoint(tmp_path) and not looks_like_tf_checkpoint(tmp_path / "notes.txt")
    assert not looks_like_tf_checkpoint(tmp_path / "missing")
    (tmp_path / "checkpoint").write_bytes(b"PK\x03\x04 a zip, not a state file")
    assert not looks_like_tf_checkpoint(tmp_path / "checkpoint")


def test_unreadable_folder_simulated(light_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "listdir", denied)
    one_line_error("cannot read folder .*Permission denied", open_tf_checkpoint, light_copy)
    assert not looks_like_tf_checkpoint(light_copy)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads folders regardless of mode")
def test_unreadable_folder_by_permissions(light_copy: Path) -> None:
    light_copy.chmod(0)
    try:
        one_line_error("cannot read folder", open_tf_checkpoint, light_copy)
    finally:
        light_copy.chmod(0o755)


def test_missing_or_empty_index(light_copy: Path) -> None:
    prefix = light_copy / "UGATIT_light.model-2"
    index = Path(f"{prefix}.index")
    data = index.read_bytes()
    index.write_bytes(b"")
    one_line_error("is empty", open_tf_checkpoint, prefix)
    index.unlink()
    one_line_error(r"missing UGATIT_light.model-2\.index", open_tf_checkpoint, f"{prefix}.data-00000-of-00001")
    one_line_error("no TensorFlow checkpoint", open_tf_checkpoint, light_copy)
    index.write_bytes(data[:-10])
    one_line_error("bad table magic", open_tf_checkpoint, prefix)


def test_damaged_index_block(light_copy: Path) -> None:
    index = light_copy / "UGATIT_light.model-2.index"
    data = bytearray(index.read_bytes())
    data[100] ^= 0x01
    index.write_bytes(bytes(data))
    one_line_error("fails its checksum", open_tf_checkpoint, light_copy)


def test_snappy_block_is_refused(light_copy: Path) -> None:
    index = light_copy / "UGATIT_light.model-2.index"
    data = bytearray(index.read_bytes())
    footer = bytes(data[-tf_sstable.FOOTER_SIZE :])
    _, pos = tf_sstable.read_varint(footer, tf_sstable.read_varint(footer, 0)[1])
    offset, pos = tf_sstable.read_varint(footer, pos)
    size, _ = tf_sstable.read_varint(footer, pos)
    data[offset + size] = 1  # the index block claims snappy compression, with a valid checksum
    struct.pack_into(
        "<I", data, offset + size + 1, tf_sstable.mask_crc(tf_sstable.crc32c(data[offset : offset + size + 1]))
    )
    index.write_bytes(bytes(data))
    one_line_error("snappy", open_tf_checkpoint, light_copy)


def test_missing_shard(light_copy: Path) -> None:
    (light_copy / "UGATIT_light.model-2.data-00000-of-00001").unlink()
    one_line_error("missing data shard UGATIT_light.model-2.data-00000-of-00001", open_tf_checkpoint, light_copy)


def test_truncated_shard(light_copy: Path) -> None:
    shard = light_copy / "UGATIT_light.model-2.data-00000-of-00001"
    shard.write_bytes(shard.read_bytes()[:-100])
    one_line_error("truncated", open_tf_checkpoint, light_copy)


def test_shard_truncated_after_opening(light_copy: Path) -> None:
    ckpt = open_tf_checkpoint(light_copy)
    shard = ckpt.shard_path(0)
    last = max(ckpt.entries.values(), key=lambda e: e.offset)
    shard.write_bytes(shard.read_bytes()[: last.offset + 2])
    one_line_error(f"truncated: tensor '{last.name}'", ckpt.read, last.name)


def test_flipped_byte_names_the_tensor(light_copy: Path) -> None:
    ckpt = open_tf_checkpoint(light_copy)
    entry = ckpt.entries[KERNEL]
    shard = ckpt.shard_path(0)
    data = bytearray(shard.read_bytes())
    data[entry.offset + 5] ^= 0x10
    shard.write_bytes(bytes(data))
    ckpt = open_tf_checkpoint(light_copy)  # the index and sizes are fine; the tensor is not
    message = one_line_error(f"tensor '{KERNEL}' .* fails its checksum", ckpt.read, KERNEL)
    assert "damaged" in message
    one_line_error("fails its checksum", ckpt.read_all, "generator_B/")
    ckpt.read("generator_B/conv/conv2d/bias")  # the others still read


# ------------------------------------------------------------------------------------------------ crc32c


def test_crc32c_known_values_and_mask() -> None:
    assert tf_sstable.crc32c(b"123456789") == 0xE3069283
    assert tf_sstable.crc32c(b"") == 0
    assert tf_sstable.crc32c(b"56789", tf_sstable.crc32c(b"1234")) == 0xE3069283
    crc = 0x12345678
    masked = tf_sstable.mask_crc(crc)
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    assert ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF == crc


@pytest.mark.parametrize("size", [1, 8191, 8192, 12345, 100_003])
def test_numpy_crc32c_fallback_matches_the_bytewise_one(size: int) -> None:
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    reg = 0x0BADF00D
    assert tf_sstable._update_numpy(reg, data) == tf_sstable._update_bytes(reg, data)


def test_fallback_crc32c_is_used_without_google_crc32c(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tf_sstable, "_google_crc32c", None)
    data = np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    expected = tf_sstable._update_bytes(0xFFFFFFFF, data) ^ 0xFFFFFFFF
    assert tf_sstable.crc32c(data) == expected
    assert len(open_tf_checkpoint(LIGHT).read_all()) == 720  # every checksum verified the slow way


def test_google_crc32c_agrees_when_installed() -> None:
    google_crc32c = pytest.importorskip("google_crc32c")
    data = np.random.default_rng(2).integers(0, 256, 30_000, dtype=np.uint8).tobytes()
    assert tf_sstable._update_numpy(0xFFFFFFFF, data) ^ 0xFFFFFFFF == google_crc32c.value(data)

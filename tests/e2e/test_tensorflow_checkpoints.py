"""The official TensorFlow checkpoints through every command: convert, info, export (all precisions), infer;
bad checkpoints in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from PIL import Image
from support.paths import REPO, TF_DATA
from support.tf_fixtures import FOLDERS, SCOPES, assert_reproduces, cli, tf_inputs

from ugatit_deploy.checkpoint import open_generator, open_generators
from ugatit_deploy.core.imaging import image_to_tensor, resize_opencv
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.export.validate import ort_session

pytestmark = pytest.mark.slow  # whole commands, each a few seconds to minutes


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    paths = {}
    for kind, folder in FOLDERS.items():
        paths[kind] = tmp_path_factory.mktemp(kind) / f"{kind}.pt"
        result = cli("convert", "--tf-ckpt", folder, "--out", paths[kind])
        assert result.exit_code == 0, result.output
        assert f"wrote {paths[kind]} (a2b, b2a)" in result.output and "which is not here" in result.output
    return paths


@pytest.mark.parametrize("kind", FOLDERS)
def test_convert_writes_one_file_with_both_directions_that_reproduces_tensorflow(converted, kind):
    payload = torch.load(converted[kind], weights_only=True)
    assert payload["format_version"] == 2 and list(payload["generators"]) == ["a2b", "b2a"]
    assert payload["metadata"]["source"] == "taki0112/UGATIT (TensorFlow)"
    info, generators = open_generators(converted[kind])
    for direction, generator in generators.items():
        assert info.config_for(direction).smoothing
        with torch.no_grad():
            got = [t.numpy() for t in generator(tf_inputs(kind))]
        assert_reproduces(got, f"{kind}/{SCOPES[direction]}", 1e-4)


def test_info_shows_the_format_smoothing_and_architecture():
    result = cli("info", "--ckpt", FOLDERS["full"], "--direction", "b2a")
    assert result.exit_code == 0, result.output
    assert "tensorflow (taki0112/UGATIT checkpoint, read without TensorFlow)" in result.output
    assert "full, ngf 4, n_blocks 4" in result.output and "smoothing on" in result.output
    assert "note: AdaLIN smoothing on: the folder name ends in _smoothing" in result.output
    record = json.loads(cli("info", "--ckpt", FOLDERS["full"], "--json").output)
    assert record["format"] == "tensorflow" and record["generators"]["a2b"]["variant"] == "tensorflow"


@pytest.mark.parametrize("kind", FOLDERS)
def test_export_takes_the_tf_folder_and_the_onnx_reproduces_tensorflow_within_the_fp32_gate(kind, tmp_path):
    result = cli("export", "--ckpt", FOLDERS[kind], "--direction", "b2a", "--outputs", "all", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("*.onnx")
    model = onnx.load(path)
    assert {f.name for f in model.functions} == {"AdaLIN", "LIN"}  # biased variance: no correction factor
    got = ort_session(model).run(None, {"input": tf_inputs(kind).numpy()})
    assert_reproduces(got, f"{kind}/generator_A", 1e-3)
    sidecar = read_sidecar(path)
    assert sidecar.source.format == "tensorflow" and sidecar.model.variant == "tensorflow"
    assert sidecar.preprocessing.resize == "opencv-bilinear" and "PIL" in sidecar.preprocessing.note


def test_fp16_and_both_int8_variants_are_validated_against_the_tf_variant(tmp_path):
    # Random weights quantize poorly (TF- or PyTorch-variant alike): the INT8 gates are moved to what they reach.
    result = cli("export", "--ckpt", FOLDERS["full"], "--precision", "fp16,int8,int8-cpu", "--out", tmp_path,
                 "--gate", "int8:psnr=15,int8-cpu:psnr=15")  # fmt: skip
    assert result.exit_code == 0, result.output
    for precision in ("fp16", "int8", "int8-cpu"):
        (path,) = tmp_path.glob(f"*_{precision}.onnx")
        validation = read_sidecar(path).validation
        assert validation.passed and validation.precision == precision
        assert min(stats.psnr_db for stats in validation.cases.values()) >= validation.gate["psnr"]


def test_infer_resizes_as_the_source_did_unless_told(tmp_path):
    photo = Image.open(REPO / "ugatit_deploy" / "assets" / "photos" / "chelsea.png")
    (tmp_path / "in").mkdir()
    photo.save(tmp_path / "in" / "cat.png")
    result = cli("infer", "--model", FOLDERS["full"], tmp_path / "in", "--out", tmp_path / "tf")
    assert result.exit_code == 0 and "(opencv resize): wrote 1 files" in result.output, result.output
    _, generator = open_generator(FOLDERS["full"], "a2b")
    x = image_to_tensor(Image.fromarray(resize_opencv(np.asarray(photo.convert("RGB")), (64, 64))))[None]
    with torch.no_grad():
        expected = ((generator(x)[0][0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    assert np.array_equal(np.asarray(Image.open(tmp_path / "tf" / "cat.png")), expected)
    result = cli("infer", "--model", FOLDERS["full"], tmp_path / "in", "--out", tmp_path / "pil", "--resize", "pil")
    assert result.exit_code == 0 and "(pil resize)" in result.output


def _damage(folder: Path, case: str, monkeypatch) -> Path:
    prefix = folder / "UGATIT_light.model-2"
    shard, index = Path(f"{prefix}.data-00000-of-00001"), Path(f"{prefix}.index")
    if case == "missing index":
        index.unlink()
    elif case == "empty index":
        index.write_bytes(b"")
    elif case == "missing shard":
        shard.unlink()
    elif case == "truncated shard":
        shard.write_bytes(shard.read_bytes()[:-1000])
    elif case == "flipped byte":  # in a generator tensor (the discriminators and Adam slots are never read)
        from ugatit_deploy.checkpoint.tf_bundle import open_tf_checkpoint

        entry = open_tf_checkpoint(folder).entries["generator_A/MLP/gamma/dense/kernel"]
        data = bytearray(shard.read_bytes())
        data[entry.offset + entry.size // 2] ^= 0x01
        shard.write_bytes(bytes(data))
    elif case == "another model":
        return TF_DATA / "checkpoint_other_model" / "classifier"
    elif case == "unreadable folder":
        import os

        real = os.listdir
        monkeypatch.setattr(os, "listdir", lambda p: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
                            if Path(p) == folder else real(p))  # fmt: skip
    return folder


BAD = {
    "missing index": "no TensorFlow checkpoint",
    "empty index": "is empty",
    "missing shard": "missing data shard",
    "truncated shard": "truncated",
    "flipped byte": "tensor 'generator_A/MLP/gamma/dense/kernel'",
    "another model": "holds no U-GAT-IT generator (generator_B/, generator_A/); its scopes: classifier",
    "unreadable folder": "cannot read folder",
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_tf_checkpoint_is_one_line_exit_1_and_writes_nothing(case, tmp_path, monkeypatch):
    folder = tmp_path / FOLDERS["light"].name
    shutil.copytree(FOLDERS["light"], folder)
    path = _damage(folder, case, monkeypatch)
    out = tmp_path / "out" / "converted.pt"
    result = cli("convert", "--tf-ckpt", path, "--out", out)
    assert result.exit_code == 1, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: ") and BAD[case] in last, result.output
    assert "Traceback" not in result.output and not out.parent.exists()


def test_an_unwritable_out_is_one_line_and_a_state_file_pointing_elsewhere_is_only_a_note(tmp_path):
    result = cli("convert", "--tf-ckpt", FOLDERS["light"], "--out", "/proc/nope/converted.pt")
    assert result.exit_code == 1 and result.output.strip().splitlines()[-1].startswith("Error: cannot write")
    result = cli("convert", "--tf-ckpt", FOLDERS["light"] / "checkpoint", "--out", tmp_path / "ok.pt")
    assert result.exit_code == 0 and "which is not here; using UGATIT_light.model-2 here" in result.output

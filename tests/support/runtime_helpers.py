"""Shared steps of the runtime-backend tests (MNN, ncnn): the demo model through a runner, and `infer` on
a copy of a model whose file has one flipped byte."""

from __future__ import annotations

from pathlib import Path

import torch
from click.testing import CliRunner
from PIL import Image

from ugatit_deploy import load_generator
from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.backends import create_backend
from ugatit_deploy.cli import main
from ugatit_deploy.core.parity import image_parity
from ugatit_deploy.core.reference_images import reference_batch

DAMAGED = "is missing or does not match the sha256 its sidecar records: the file is damaged or was changed " \
          "(export it again)"  # fmt: skip


def demo_parity(backend: str, model: Path, batch: int, size: tuple[int, int]) -> tuple[dict, tuple, tuple]:
    """(image_parity, output shape, reference shape) of the demo model's in-domain images on ``backend``."""
    images = reference_batch(64)[4 : 4 + batch]
    images = torch.nn.functional.interpolate(images, size=size, mode="bilinear") if size != (64, 64) else images
    with torch.no_grad():
        reference = load_generator(shapes_model_path())(images)[0].numpy()
    with create_backend(backend, model, threads=2) as runner:
        got = runner.run(images.numpy())
    return image_parity(reference, got), got.shape, reference.shape


def infer_with_a_flipped_byte(model: Path, files: list[str], damaged: str, folder: Path):
    """Copy ``files`` (names beside ``model``) into ``folder`` with one byte of ``damaged`` flipped, then
    run ``infer`` on the copy; returns the click result."""
    for name in files:
        data = bytearray((model.parent / name).read_bytes())
        if name == damaged:
            data[len(data) // 2] ^= 0x01
        (folder / name).write_bytes(bytes(data))
    Image.new("RGB", (64, 64), (200, 30, 30)).save(folder / "in.png")
    args = ["infer", "--model", str(folder / model.name), str(folder / "in.png"), "--out", str(folder / "out")]
    return CliRunner().invoke(main, args)


def assert_refused_in_one_line(result, damaged: str, folder: Path) -> None:
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == f"Error: {damaged} {DAMAGED}"
    assert not (folder / "out").exists()

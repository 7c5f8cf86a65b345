"""The web bundle's pre- and post-processing (``formats/web_bundle/pipeline.mjs``, run with Node.js) against Python's
(``core.imaging``) on the bundled photos: the same bytes and the same float32 values, bit for bit."""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ugatit_deploy.core.imaging import image_to_tensor, read_image, resize, tensor_to_uint8
from ugatit_deploy.core.reference_images import photo_paths

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed: pipeline.mjs is tested with Node.js")
PIPELINE = Path(str(resources.files("ugatit_deploy.formats") / "web_bundle" / "pipeline.mjs"))
DRIVER = Path(__file__).parents[1] / "support" / "web_pipeline.mjs"


def _node(tmp_path: Path, operation: str, data: np.ndarray, *numbers: int, dtype=np.uint8) -> np.ndarray:
    source, target = tmp_path / "in.bin", tmp_path / "out.bin"
    source.write_bytes(np.ascontiguousarray(data).tobytes())
    done = subprocess.run([NODE, str(DRIVER), str(PIPELINE), operation, str(source), *map(str, numbers), str(target)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return np.frombuffer(target.read_bytes(), dtype=dtype)


def _js_resize(tmp_path: Path, image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    pixels = np.asarray(image, dtype=np.uint8)
    out = _node(tmp_path, "resize", pixels, image.width, image.height, *size)
    return out.reshape(size[1], size[0], 3)


@pytest.mark.parametrize("photo", photo_paths(), ids=lambda p: p.stem)
@pytest.mark.parametrize("size", [(64, 64), (256, 256), (300, 170)])
def test_the_resize_is_pillows_bilinear_bit_for_bit_on_real_photos(tmp_path, photo, size):
    image = read_image(photo)
    np.testing.assert_array_equal(_js_resize(tmp_path, image, size), np.asarray(resize(image, size)))


@pytest.mark.parametrize("seed", range(12))
def test_any_resize_matches_pillow_including_the_vertical_pass_first(tmp_path, seed):
    """Random sizes (seeded), some that shrink the height by more than twice what the width loses (Pillow 13 then
    runs the vertical pass first), and enlargements (keep-size)."""
    rng = np.random.default_rng(seed)
    width, height = (int(v) for v in rng.integers(3, 180, 2))
    shrink_height = (max(1, width - 1), max(1, height // 5))
    target = (int(rng.integers(1, 260)), int(rng.integers(1, 260))) if seed % 3 else shrink_height
    image = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
    np.testing.assert_array_equal(_js_resize(tmp_path, image, target), np.asarray(image.resize(target, Image.BILINEAR)))


def test_the_tensor_is_image_to_tensors_float32_values(tmp_path):
    image = resize(read_image(photo_paths()[0]), (64, 64))
    got = _node(tmp_path, "tensor", np.asarray(image, dtype=np.uint8), 64, dtype=np.float32)
    np.testing.assert_array_equal(got, image_to_tensor(image).numpy().ravel())


def test_the_output_bytes_are_tensor_to_uint8s_clipped_and_rounded_half_to_even(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.uniform(-1.3, 1.3, (3, 16, 16)).astype(np.float32)
    halves = (np.arange(256, dtype=np.float32) + 0.5) / 127.5 - 1  # exactly between two levels (where representable)
    values.ravel()[: halves.size] = halves
    got = _node(tmp_path, "rgb", values, 16, 16).reshape(16, 16, 3)
    np.testing.assert_array_equal(got, tensor_to_uint8(torch.from_numpy(values)))

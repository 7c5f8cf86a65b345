"""grid.png (``benchmarks.report.grid``): inputs, reference, each backend's images and error maps."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ugatit_deploy.benchmarks.report import (
    GRID_GAP,
    GRID_LABEL_WIDTH,
    GRID_MAX_COLUMNS,
    image_grid,
)


@pytest.fixture()
def grid_arrays():
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1, 1, size=(8, 3, 32, 40)).astype(np.float32)
    reference = rng.uniform(-0.9, 0.9, size=(8, 3, 32, 40)).astype(np.float32)
    different = reference.copy()
    different[0] += 0.5  # only the first image differs: |error| x 10 saturates to white
    return inputs, reference, {"same": reference.copy(), "different": different}


def _tile(image: Image.Image, row: int, column: int, tile_h: int, tile_w: int) -> np.ndarray:
    left = GRID_LABEL_WIDTH + GRID_GAP + column * (tile_w + GRID_GAP)
    top = GRID_GAP + row * (tile_h + GRID_GAP)
    return np.asarray(image)[top : top + tile_h, left : left + tile_w]


def test_grid_has_the_expected_pixel_size(tmp_path, grid_arrays):
    inputs, reference, outputs = grid_arrays
    path = image_grid(inputs, reference, outputs, tmp_path / "grid.png")
    tile_h, tile_w = 32 * 4, 40 * 4  # 32 px < 128: upscaled by 4 so the short side reaches 128
    columns, rows = GRID_MAX_COLUMNS, 2 + 2 * len(outputs)  # 8 images -> first 6; input, reference, 2 per backend
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (
            GRID_LABEL_WIDTH + GRID_GAP + columns * (tile_w + GRID_GAP),
            GRID_GAP + rows * (tile_h + GRID_GAP),
        )


def test_grid_does_not_upscale_images_of_128_px_or_more(tmp_path):
    images = np.zeros((1, 3, 128, 130), dtype=np.float32)
    path = image_grid(images, images, {}, tmp_path / "grid.png")
    with Image.open(path) as image:
        assert image.size == (GRID_LABEL_WIDTH + GRID_GAP + 130 + GRID_GAP, GRID_GAP + 2 * (128 + GRID_GAP))


def test_grid_error_map_is_black_where_equal_and_bright_where_different(tmp_path, grid_arrays):
    inputs, reference, outputs = grid_arrays
    path = image_grid(inputs, reference, outputs, tmp_path / "grid.png")
    tile_h, tile_w = 128, 160
    same_error_row, different_error_row = 3, 5  # rows: input, reference, same, same error, different, ...
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        for column in range(GRID_MAX_COLUMNS):
            assert not _tile(rgb, same_error_row, column, tile_h, tile_w).any()
        assert (_tile(rgb, different_error_row, 0, tile_h, tile_w) == 255).all()
        assert not _tile(rgb, different_error_row, 1, tile_h, tile_w).any()


def test_grid_output_row_shows_the_backend_images(tmp_path, grid_arrays):
    inputs, reference, outputs = grid_arrays
    path = image_grid(inputs, reference, outputs, tmp_path / "grid.png")
    with Image.open(path) as image:
        tile = _tile(image.convert("RGB"), 2, 0, 128, 160)
    expected = np.round((reference[0].transpose(1, 2, 0) + 1) * 127.5).astype(np.uint8)
    np.testing.assert_array_equal(tile[::4, ::4], expected)


def test_grid_rejects_outputs_of_another_shape(tmp_path, grid_arrays):
    inputs, reference, _ = grid_arrays
    with pytest.raises(ValueError, match="does not match"):
        image_grid(inputs, reference, {"bad": reference[:, :, :16]}, tmp_path / "grid.png")
    assert not (tmp_path / "grid.png").exists()

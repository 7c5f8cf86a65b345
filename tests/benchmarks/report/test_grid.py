"""The image grids (``benchmarks.report.grid``): grid_all_modes.png (``image_grid``: every mode's images and error
maps) and grid.png (``chosen_grid``: the fastest passing mode's, sized for a laptop screen)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ugatit_deploy.benchmarks.report import (
    GRID_BACKGROUND,
    GRID_GAP,
    GRID_LABEL_WIDTH,
    GRID_MAX_COLUMNS,
    GRID_SAME_LEVELS,
    SUMMARY_MAX_COLUMNS,
    SUMMARY_MAX_SIDE,
    chosen_grid,
    image_grid,
)
from ugatit_deploy.core.reference_images import photo_variants, reference_batch


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


def _text_lines(label: np.ndarray) -> int:
    """How many lines of text a label cell holds: runs of pixel rows with ink (one blank row inside a line, as
    between the dot of an i and its stem, closed)."""
    inked = (label != GRID_BACKGROUND).any(axis=-1).any(axis=-1)
    inked[1:-1] |= inked[:-2] & inked[2:]
    return int(inked[0]) + int(np.count_nonzero(inked[1:] & ~inked[:-1]))


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


def test_modes_with_identical_images_are_drawn_once(tmp_path, grid_arrays):
    inputs, reference, outputs = grid_arrays
    different, same = outputs["different"], outputs["same"]
    modes = {"openvino-cpu fp32": different, "openvino-cpu fp32 (throughput_hint)": different.copy(),
             "onnxruntime-cpu fp32": same}  # fmt: skip
    path = image_grid(inputs, reference, modes, tmp_path / "grid_all_modes.png")
    with Image.open(path) as image:
        assert image.size[1] == GRID_GAP + (2 + 2 * 2) * (128 + GRID_GAP)  # input, reference, 2 distinct modes
        rgb = image.convert("RGB")
        assert (_tile(rgb, 3, 0, 128, 160) == 255).all()  # the first mode's error map, then the third's
        assert not _tile(rgb, 5, 0, 128, 160).any()


# From here on the bundled photos at the main job's 256 px: the photos in, their turned copies as the reference


@pytest.fixture(scope="module")
def photos():
    return reference_batch(256, demo=0).numpy(), photo_variants(256).numpy()


def test_modes_within_one_8_bit_level_of_an_earlier_one_are_drawn_once_under_its_name(tmp_path, photos):
    inputs, reference = photos
    modes = {"onnxruntime-cpu fp32": reference + 1e-5, "ncnn-cpu fp32": reference - 1e-5,  # FP32-grade: as drawn
             "mnn-cpu fp32": reference + 3e-3}  # x10: 7.6 levels of grey in its error map  # fmt: skip
    path = image_grid(inputs, reference, modes, tmp_path / "grid_all_modes.png")
    with Image.open(path) as image:
        assert image.size == (1220, GRID_GAP + (2 + 2 * 2) * (256 + GRID_GAP))  # input, reference, 2 modes drawn
        labels = np.asarray(image.convert("RGB"))[:, :GRID_LABEL_WIDTH]
    lines = [_text_lines(labels[top : top + 256]) for top in range(GRID_GAP, image.size[1], 256 + GRID_GAP)]
    assert lines == [1, 2, 4, 3, 2, 3]  # onnxruntime-cpu, fp32, same to 1/255:, ncnn-cpu fp32; then mnn-cpu's rows
    assert GRID_SAME_LEVELS == 1


def test_the_main_jobs_grid_is_four_rows_of_its_four_photos_at_full_size(tmp_path, photos):
    inputs, reference = photos
    path = chosen_grid(inputs, reference, tmp_path / "grid.png", ("openvino-cpu int8-cpu", reference), ["9.1 ms/img"])
    with Image.open(path) as image:
        assert image.size == (GRID_LABEL_WIDTH + GRID_GAP + 4 * (256 + GRID_GAP), GRID_GAP + 4 * (256 + GRID_GAP))
        assert image.size == (1220, 1044)
        chosen_cat = _tile(image.convert("RGB"), 2, 1, 256, 256)  # not resized: 256 px tiles, as the images
    np.testing.assert_array_equal(chosen_cat, np.round((reference[1].transpose(1, 2, 0) + 1) * 127.5).astype(np.uint8))


def test_eight_photos_shrink_to_fit_a_laptop_screen(tmp_path, photos):
    inputs, reference = (np.concatenate([images, images[:, :, :, ::-1]]) for images in photos)
    path = chosen_grid(inputs, reference, tmp_path / "grid.png", ("torch-cpu fp32", reference))
    tile = 223  # (2000 - 176 - 4) / 8 images - 4 px gap = 223.5 px per tile
    with Image.open(path) as image:
        assert image.size == (GRID_LABEL_WIDTH + GRID_GAP + 8 * (tile + GRID_GAP), GRID_GAP + 4 * (tile + GRID_GAP))
        assert max(image.size) <= SUMMARY_MAX_SIDE and SUMMARY_MAX_COLUMNS == 8


def test_one_wrong_pixel_stays_visible_in_a_shrunk_error_map(tmp_path, photos):
    inputs, reference = (np.concatenate([images, images]) for images in photos)
    output = reference.copy()
    output[0, :, 101, 77] += 0.5  # x10: white, in one pixel of 256 x 256
    path = chosen_grid(inputs, reference, tmp_path / "grid.png", ("onnxruntime-cpu int8", output))
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        assert _tile(rgb, 3, 0, 223, 223).max() == 255
        assert _tile(rgb, 3, 1, 223, 223).max() == 0


def test_without_a_passing_mode_the_grid_shows_the_inputs_and_the_reference(tmp_path, photos):
    inputs, reference = photos
    path = chosen_grid(inputs, reference, tmp_path / "grid.png", None)
    with Image.open(path) as image:
        assert image.size == (1220, GRID_GAP + 2 * (256 + GRID_GAP))


def test_the_chosen_rows_are_labelled_with_the_mode_and_the_caption(tmp_path, photos):
    inputs, reference = photos
    path = chosen_grid(inputs, reference, tmp_path / "grid.png", ("openvino-cpu int8-cpu keep-fp 3", reference),
                       ["9.1 ms/img", "PSNR 41.2 dB"])  # fmt: skip
    with Image.open(path) as image:
        labels = np.asarray(image.convert("RGB"))[:, :GRID_LABEL_WIDTH]
    lines = [_text_lines(labels[top : top + 256]) for top in range(GRID_GAP, 1044, 256 + GRID_GAP)]
    # input; reference, torch fp32; fastest passing:, openvino-cpu, int8-cpu keep-fp 3, the caption's two lines;
    # openvino-cpu, int8-cpu keep-fp 3, |error| x10
    assert lines == [1, 2, 5, 3]

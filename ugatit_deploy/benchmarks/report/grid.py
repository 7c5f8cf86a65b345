"""The image grids: grid.png (``chosen_grid``: the inputs, the PyTorch FP32 reference and the chosen mode's output
and error map, small enough for a laptop screen) and grid_all_modes.png (``image_grid``: every mode's output and
error map, modes whose images draw the same, to one 8-bit level, drawn once)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ...core.fileio import atomic_output
from ...core.parity import to_uint8

# Image grid layout, in pixels. Tests compute the expected PNG size from these.
GRID_MAX_COLUMNS = 6  # grid_all_modes.png: the first 6 images
SUMMARY_MAX_COLUMNS = 8  # grid.png: the first 8 images
SUMMARY_MAX_SIDE = 2000  # grid.png: tiles shrink so that neither side is longer
GRID_MIN_TILE = 128
GRID_SAME_LEVELS = 1  # grid_all_modes.png draws once the modes whose 8-bit images differ by at most this
GRID_LABEL_WIDTH = 176
GRID_GAP = 4
GRID_BACKGROUND = (255, 255, 255)
GRID_TEXT = (0, 0, 0)


@dataclass(frozen=True)
class _Row:
    label: Sequence[str]  # lines, wrapped to the label column
    tiles: np.ndarray  # N x H x W x 3 uint8
    error: bool = False  # an error map: shrunk by its brightest pixels, so one wrong pixel stays visible


def _check_images(name: str, images: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[1] != 3:
        raise ValueError(f"{name}: expected N x 3 x H x W images, got shape {array.shape}")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name}: shape {array.shape} does not match the reference {shape}")
    return array


def _to_rgb_tiles(images: np.ndarray) -> np.ndarray:
    """N x 3 x H x W in [-1, 1] -> N x H x W x 3 uint8; NaN shows as mid-grey, +-inf as white/black."""
    finite = np.nan_to_num(images.astype(np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    return to_uint8(finite).transpose(0, 2, 3, 1)


def _error_tiles(output: np.ndarray, reference: np.ndarray, amplify: float) -> np.ndarray:
    """Per-pixel max |output - reference| over channels, times amplify, as grayscale RGB; non-finite = white."""
    error = np.abs(output.astype(np.float64) - reference.astype(np.float64)).max(axis=1)
    error = np.where(np.isfinite(error), error * amplify, np.inf)
    gray = np.round(np.clip(error, 0.0, 1.0) * 255).astype(np.uint8)
    return np.repeat(gray[..., None], 3, axis=-1)


def _mode_lines(label: str) -> list[str]:
    """A runner label as label lines: its backend, then the rest (``openvino-cpu`` / ``int8-cpu keep-fp 3``)."""
    backend, _, mode = label.partition(" ")
    return [backend, mode] if mode else [backend]


def _wrap(text: str, font: Any, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` pixels, broken between words; a word too long ends with '...'."""
    text = text.encode("ascii", "replace").decode()  # the default font is bitmap/Latin-1 on some Pillow builds
    lines: list[str] = []
    for word in text.split() or [""]:
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(joined) <= width:
            lines[-1] = joined
            continue
        if font.getlength(word) > width:
            while len(word) > 1 and font.getlength(word + "...") > width:
                word = word[:-1]
            word += "..."
        lines.append(word)
    return lines


def _draw_label(draw: Any, font: Any, label: Sequence[str], top: int, tile_height: int) -> None:
    """The label's lines, wrapped, centred on the row; lines past the row's height become '+N more'."""
    width = GRID_LABEL_WIDTH - 2 * GRID_GAP
    lines = [wrapped for line in label for wrapped in _wrap(line, font, width)]
    line_height = font.getbbox("Ag")[3] + 3
    fits = max(1, tile_height // line_height)
    if len(lines) > fits:
        lines = lines[: fits - 1] + [f"+{len(lines) - fits + 1} more lines"]
    y = top + max(0, (tile_height - line_height * len(lines)) // 2)
    for line in lines:
        draw.text((GRID_GAP, y), line, fill=GRID_TEXT, font=font)
        y += line_height


def _tile_size(height: int, width: int, columns: int, rows: int, max_side: int | None) -> tuple[int, int]:
    """Tile (height, width): an integer upscale to at least GRID_MIN_TILE on the short side, then, with
    ``max_side``, shrunk (aspect kept) until the whole grid fits in max_side x max_side."""
    scale: float = max(1, math.ceil(GRID_MIN_TILE / min(height, width)))
    if max_side is not None:
        fit_w = ((max_side - GRID_LABEL_WIDTH - GRID_GAP) / columns - GRID_GAP) / width
        fit_h = ((max_side - GRID_GAP) / rows - GRID_GAP) / height
        scale = min(scale, fit_w, fit_h)
    return max(1, math.floor(height * scale)), max(1, math.floor(width * scale))


def _resized(tile: Any, size: tuple[int, int], error: bool) -> Any:
    """A tile at ``size`` (width, height): pixels repeated when larger, averaged (error maps: their maximum)
    when smaller."""
    from PIL import Image, ImageFilter

    if tile.size == size:
        return tile
    if size[0] >= tile.width:
        return tile.resize(size, Image.Resampling.NEAREST)
    if error:
        window = math.ceil(tile.width / size[0])
        tile = tile.filter(ImageFilter.MaxFilter(window + 1 - window % 2))
        return tile.resize(size, Image.Resampling.NEAREST)
    return tile.resize(size, Image.Resampling.BOX)


def _render(rows: Sequence[_Row], path: str | os.PathLike[str], max_side: int | None) -> Path:
    """Write the rows as a PNG: a label column, then one tile per image, every row the same tiles wide."""
    from PIL import Image, ImageDraw, ImageFont

    columns, height, width = rows[0].tiles.shape[:3]
    tile_h, tile_w = _tile_size(height, width, columns, len(rows), max_side)
    canvas = Image.new(
        "RGB",
        (GRID_LABEL_WIDTH + GRID_GAP + columns * (tile_w + GRID_GAP), GRID_GAP + len(rows) * (tile_h + GRID_GAP)),
        GRID_BACKGROUND,
    )
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    for row_index, row in enumerate(rows):
        top = GRID_GAP + row_index * (tile_h + GRID_GAP)
        _draw_label(draw, font, row.label, top, tile_h)
        for column in range(columns):
            tile = _resized(Image.fromarray(np.ascontiguousarray(row.tiles[column])), (tile_w, tile_h), row.error)
            canvas.paste(tile, (GRID_LABEL_WIDTH + GRID_GAP + column * (tile_w + GRID_GAP), top))
    target = Path(path)
    with atomic_output(target) as handle:
        canvas.save(handle, format="PNG")
    return target


def _first_rows(inputs: np.ndarray, reference: np.ndarray, columns: int,
                amplify: float) -> tuple[list[_Row], np.ndarray]:  # fmt: skip
    """The input and reference rows of the first ``columns`` images, and that reference (checked)."""
    if not amplify > 0:
        raise ValueError(f"amplify must be positive, got {amplify}")
    reference = _check_images("reference", reference, None)[:columns]
    inputs = _check_images("inputs", inputs, None)[:columns]
    if inputs.shape != reference.shape:
        raise ValueError(f"inputs: shape {inputs.shape} does not match the reference {reference.shape}")
    if reference.shape[0] == 0:
        raise ValueError("an image grid needs at least one image")
    first = [_Row(["input"], _to_rgb_tiles(inputs)), _Row(["reference", "torch fp32"], _to_rgb_tiles(reference))]
    return first, reference


def _mode_rows(label: Sequence[str], error_label: Sequence[str], output: np.ndarray, reference: np.ndarray,
               amplify: float) -> list[_Row]:  # fmt: skip
    """A mode's output row and its error map row."""
    error = _error_tiles(output, reference, amplify)
    return [_Row(label, _to_rgb_tiles(output)), _Row([*error_label, f"|error| x{amplify:g}"], error, error=True)]


def _same_as_drawn(a: Sequence[_Row], b: Sequence[_Row]) -> bool:
    """Whether two modes' rows draw the same: no 8-bit value of output or error map more than
    GRID_SAME_LEVELS apart (FP32-grade runtimes differ by one level in a few pixels of rounding)."""
    pairs = zip(a, b, strict=True)
    return all(int(np.abs(x.tiles.astype(np.int16) - y.tiles).max()) <= GRID_SAME_LEVELS for x, y in pairs)


def image_grid(
    inputs: np.ndarray,
    reference: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    path: str | os.PathLike[str],
    amplify: float = 10.0,
) -> Path:
    """PNG of inputs, the torch FP32 reference and, per mode, its output and error map (|out - ref| x amplify).

    One column per image (the first GRID_MAX_COLUMNS). Small images are upscaled by an integer
    nearest-neighbour factor to at least GRID_MIN_TILE px. Error maps are grayscale: black = identical.
    A mode whose rows draw the same as an earlier mode's (``_same_as_drawn``) is not drawn again: the
    earlier mode's label names it under "same to 1/255:".
    """
    rows, reference = _first_rows(inputs, reference, GRID_MAX_COLUMNS, amplify)
    groups: list[tuple[list[str], list[_Row]]] = []  # (labels, rows) of each mode drawn
    for label, images in outputs.items():
        output = _check_images(label, np.asarray(images)[:GRID_MAX_COLUMNS], reference.shape)
        drawn = _mode_rows(_mode_lines(label), _mode_lines(label), output, reference, amplify)
        same = next((labels for labels, earlier in groups if _same_as_drawn(earlier, drawn)), None)
        if same is not None:
            same.append(label)
        else:
            groups.append(([label], drawn))
    for labels, (output_row, error_row) in groups:
        others = ["same to 1/255:", *labels[1:]] if labels[1:] else []
        rows += [replace(output_row, label=[*output_row.label, *others]), error_row]
    return _render(rows, path, None)


def chosen_grid(
    inputs: np.ndarray,
    reference: np.ndarray,
    path: str | os.PathLike[str],
    chosen: tuple[str, np.ndarray] | None,
    caption: Sequence[str] = (),
    amplify: float = 10.0,
) -> Path:
    """PNG of inputs, the torch FP32 reference and the chosen mode's (label, images) output and error map.

    One column per image (the first SUMMARY_MAX_COLUMNS); tiles are sized as ``image_grid``'s, then shrunk
    until neither side of the PNG passes SUMMARY_MAX_SIDE. The output row is labelled "fastest passing",
    the mode and ``caption``'s lines; ``chosen`` None (no mode passed) leaves the input and reference rows.
    """
    rows, reference = _first_rows(inputs, reference, SUMMARY_MAX_COLUMNS, amplify)
    if chosen is not None:
        label, images = chosen
        output = _check_images(label, np.asarray(images)[:SUMMARY_MAX_COLUMNS], reference.shape)
        rows += _mode_rows(["fastest passing:", *_mode_lines(label), *caption], _mode_lines(label), output,
                           reference, amplify)  # fmt: skip
    return _render(rows, path, SUMMARY_MAX_SIDE)

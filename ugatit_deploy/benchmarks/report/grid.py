"""grid.png: the inputs, the PyTorch FP32 reference and, per backend, its output and amplified error map."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...core.fileio import atomic_output
from ...core.parity import to_uint8

# Image grid layout, in pixels. Tests compute the expected PNG size from these.
GRID_MAX_COLUMNS = 6
GRID_MIN_TILE = 128
GRID_LABEL_WIDTH = 176
GRID_GAP = 4
GRID_BACKGROUND = (255, 255, 255)
GRID_TEXT = (0, 0, 0)


def _check_images(name: str, images: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[1] != 3:
        raise ValueError(f"{name}: expected N x 3 x H x W images, got shape {array.shape}")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name}: shape {array.shape} does not match the reference {shape}")
    return array


def _tile_scale(height: int, width: int) -> int:
    """Integer nearest-neighbour factor that makes the shorter side at least GRID_MIN_TILE (1 if it already is)."""
    return max(1, math.ceil(GRID_MIN_TILE / min(height, width)))


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


def _fit_text(text: str, font: Any, width: int) -> str:
    """``text`` shortened with '...' until it fits ``width`` pixels in ``font``."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "...") > width:
        text = text[:-1]
    return text + "..."


def _draw_label(draw: Any, font: Any, lines: Sequence[str], top: int, tile_height: int) -> None:
    # The default font is bitmap/Latin-1 on some Pillow builds: keep labels ASCII.
    lines = [
        _fit_text(line.encode("ascii", "replace").decode(), font, GRID_LABEL_WIDTH - 2 * GRID_GAP) for line in lines
    ]
    line_height = font.getbbox("Ag")[3] + 3
    y = top + max(0, (tile_height - line_height * len(lines)) // 2)
    for line in lines:
        draw.text((GRID_GAP, y), line, fill=GRID_TEXT, font=font)
        y += line_height


def image_grid(
    inputs: np.ndarray,
    reference: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    path: str | os.PathLike[str],
    amplify: float = 10.0,
) -> Path:
    """PNG of inputs, the torch FP32 reference and, per backend, its output and error map (|out - ref| x amplify).

    One column per image (the first GRID_MAX_COLUMNS). Small images are upscaled by an integer
    nearest-neighbour factor to at least GRID_MIN_TILE px. Error maps are grayscale: black = identical.
    """
    from PIL import Image, ImageDraw, ImageFont

    if not amplify > 0:
        raise ValueError(f"amplify must be positive, got {amplify}")
    reference = _check_images("reference", reference, None)[:GRID_MAX_COLUMNS]
    inputs = _check_images("inputs", inputs, None)[:GRID_MAX_COLUMNS]
    if inputs.shape != reference.shape:
        raise ValueError(f"inputs: shape {inputs.shape} does not match the reference {reference.shape}")
    columns, _, height, width = reference.shape
    if columns == 0:
        raise ValueError("image_grid needs at least one image")

    rows: list[tuple[list[str], np.ndarray]] = [(["input"], _to_rgb_tiles(inputs))]
    rows.append((["reference", "torch fp32"], _to_rgb_tiles(reference)))
    for label, images in outputs.items():
        output = _check_images(label, np.asarray(images)[:GRID_MAX_COLUMNS], reference.shape)
        rows.append(([label], _to_rgb_tiles(output)))
        rows.append(([label, f"|error| x{amplify:g}"], _error_tiles(output, reference, amplify)))

    scale = _tile_scale(height, width)
    tile_h, tile_w = height * scale, width * scale
    canvas = Image.new(
        "RGB",
        (GRID_LABEL_WIDTH + GRID_GAP + columns * (tile_w + GRID_GAP), GRID_GAP + len(rows) * (tile_h + GRID_GAP)),
        GRID_BACKGROUND,
    )
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    for row_index, (label_lines, tiles) in enumerate(rows):
        top = GRID_GAP + row_index * (tile_h + GRID_GAP)
        _draw_label(draw, font, label_lines, top, tile_h)
        for column in range(columns):
            tile = Image.fromarray(np.ascontiguousarray(tiles[column]))
            if scale > 1:
                tile = tile.resize((tile_w, tile_h), Image.Resampling.NEAREST)
            canvas.paste(tile, (GRID_LABEL_WIDTH + GRID_GAP + column * (tile_w + GRID_GAP), top))

    target = Path(path)
    with atomic_output(target) as handle:
        canvas.save(handle, format="PNG")
    return target

"""The one definition of U-GAT-IT's image pre- and post-processing, shared by training, inference,
export validation and benchmarks.

Official convention: RGB, bilinear resize to the model size, ``ToTensor`` then ``Normalize(0.5, 0.5)``,
i.e. ``x = pixel / 255 * 2 - 1`` in [-1, 1], NCHW float32. Output: ``(x + 1) / 2 * 255`` rounded to uint8.

The resize is PIL's (torchvision's ``Resize`` on PIL images: the official PyTorch code), or OpenCV's
``cv2.resize`` bilinear (the official TensorFlow code's test-time resize). They differ: PIL widens its
filter when it shrinks an image (an antialiased average over the covered pixels), OpenCV's bilinear
always blends the 2 x 2 nearest pixels, so downscaled photos come out sharper and more aliased.
"""

from __future__ import annotations

import io
import os
import re
import struct
import threading
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from .errors import UgatitDeployError
from .limits import LimitError, Limits

# The official ImageFolder's extensions (upper-case variants accepted too).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


class ImageReadError(UgatitDeployError):
    """An image file that cannot be decoded."""


class ImageTooLargeError(ImageReadError, LimitError):
    """An image whose header declares more pixels than ``core.limits`` allows (refused before decoding)."""


def is_image_file(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def to_rgb(image: Image.Image) -> Image.Image:
    """Any PIL image as 8-bit RGB: grayscale, palette, RGBA (composited on white), 16-bit and float modes."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        high = 65535.0 if image.mode.startswith("I;16") or array.max() > 255 else 255.0
        array = np.clip(array / high * 255.0 + 0.5, 0, 255).astype(np.uint8)
        image = Image.fromarray(array, mode="L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def read_image(path: str | os.PathLike[str], limits: Limits | None = None) -> Image.Image:
    """Decode an image file fully (truncated files fail here, not later) and return it as RGB.

    The size in the file's header is checked against ``limits`` (default: ``Limits.current()``) before any
    pixel is decoded: a 1 KB JPEG may claim 65500 x 65500 pixels. Every failure is an ``ImageReadError``."""
    return _decode(path, str(path), limits)


def read_image_bytes(data: bytes, name: str = "image", limits: Limits | None = None) -> Image.Image:
    """``read_image`` of an image file's bytes (a request's body, not a path): the same header check, decoding
    and refusals; messages name the image ``name``."""
    if not data:
        raise ImageReadError(f"cannot read image {name}: it is empty (0 bytes)")
    return _decode(io.BytesIO(data), name, limits)


def _decode(source: str | os.PathLike[str] | io.BytesIO, name: str, limits: Limits | None) -> Image.Image:
    limits = limits or Limits.current()
    try:
        with _open_header(source) as image:
            width, height = image.size
            limits.check_image(width, height, f"image {name}")
            image.load()
            return to_rgb(image)
    except LimitError as exc:
        raise ImageTooLargeError(str(exc)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, MemoryError, struct.error, EOFError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        reason = re.sub(r" ?<_io\.BytesIO object at 0x[0-9a-f]+>", "", reason)  # PIL names the stream object
        raise ImageReadError(f"cannot read image {name}: {reason[:200]}") from None


_PIL_LIMIT_LOCK = threading.Lock()


def _open_header(path: str | os.PathLike[str] | io.BytesIO) -> Image.Image:
    """``Image.open`` (reads the header only) without PIL's own decompression-bomb check, which would refuse
    large headers with its limit and message before ``read_image`` checks the same size against the
    project's (``core.limits``, which users can raise)."""
    with _PIL_LIMIT_LOCK:  # PIL's limit is global: threads reading at once must not restore each other's None
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            return Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = saved


RESIZE_METHODS = ("pil", "opencv")


def resize(image: Image.Image, size: tuple[int, int], method: str = "pil") -> Image.Image:
    """Bilinear resize to (width, height): ``pil`` as torchvision's ``Resize`` does on PIL images,
    ``opencv`` with OpenCV's own ``cv2.resize(..., INTER_LINEAR)`` (see ``resize_opencv``)."""
    if method not in RESIZE_METHODS:
        raise UgatitDeployError(f"unknown resize {method!r}: use {' or '.join(RESIZE_METHODS)}")
    if image.size == size:
        return image
    if method == "opencv":
        return Image.fromarray(resize_opencv(np.asarray(image, dtype=np.uint8), size))
    return image.resize(size, Image.BILINEAR)


def resize_opencv(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """H x W x C uint8 -> size (width, height) with ``cv2.resize`` bilinear: the official TF code's call."""
    import cv2  # a dependency; imported here so that reading images never pays for it

    return cv2.resize(np.ascontiguousarray(pixels), size, interpolation=cv2.INTER_LINEAR)


def image_to_tensor(image: Image.Image) -> torch.Tensor:
    """RGB PIL image -> 3 x H x W float32 in [-1, 1]."""
    array = np.asarray(image, dtype=np.uint8)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div_(127.5).sub_(1.0)


def tensor_to_uint8(tensor: torch.Tensor) -> np.ndarray:
    """3 x H x W (or B x 3 x H x W) in [-1, 1] -> H x W x 3 (B x H x W x 3) uint8, rounded."""
    values = ((tensor.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return values.movedim(-3, -1).numpy()


def preprocess(path: str | os.PathLike[str], size: int, method: str = "pil") -> torch.Tensor:
    """Image file -> 1 x 3 x size x size model input in [-1, 1] (the official test transform)."""
    return image_to_tensor(resize(read_image(path), (size, size), method)).unsqueeze(0)

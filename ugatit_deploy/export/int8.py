"""INT8 ONNX: static QuantizeLinear/DequantizeLinear (QDQ) graphs calibrated on real images.

Two variants, both with per-channel symmetric int8 weights and only convolutions quantized (the
normalizations, the rho mix and the tiny MLP stay float; so do the convolutions in ``FLOAT_LAYERS``,
and any named in ``keep_fp``, e.g. the worst layers of a sensitivity run, ``export.sensitivity``):

- ``int8``     TensorRT-style: int8 activations with symmetric scales, every zero point 0 (TensorRT
               refuses anything else). What a strongly typed TensorRT 11 engine is built from.
- ``int8-cpu`` ONNX Runtime on x86: uint8 activations with asymmetric ranges, which ORT's VNNI kernels
               run fastest.

Calibration runs the FP32 graph on the calibration images (MinMax ranges for ``int8``, 99.99th
percentile for ``int8-cpu``); the ranges are cached in a JSON file keyed by the model and the image
set, so re-exports skip it.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import logging
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch

from ..core.errors import UgatitDeployError
from ..core.imaging import IMAGE_EXTENSIONS, ImageReadError, image_to_tensor, read_image, resize
from ..core.onnx_contract import INPUT_NAME, conv_layers
from ..core.optional import onnxruntime
from ..core.precisions import INT8_PRECISIONS
from ..core.reference_images import demo_images, photo_crops, trained_on_photos
from .int8_options import KeepFp


class CalibrationError(UgatitDeployError):
    """No usable calibration images."""


def calibration_files(folder: Path, limit: int) -> list[Path]:
    """Up to ``limit`` image files of a folder (sorted, recursive), or CalibrationError."""
    if not folder.is_dir():
        raise CalibrationError(f"calibration folder not found: {folder}")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise CalibrationError(f"calibration folder {folder} has no image files ({', '.join(IMAGE_EXTENSIONS)})")
    return files[:limit]


def calibration_batches(files: list[Path], size: int) -> list[np.ndarray]:
    """One 1 x 3 x size x size array per readable file (the shared pre-processing)."""
    batches = []
    for path in files:
        try:
            batches.append(image_to_tensor(resize(read_image(path), (size, size)))[None].numpy())
        except ImageReadError:
            continue
    if not batches:
        raise CalibrationError(f"none of the {len(files)} calibration files could be read, e.g. {files[0]}")
    return batches


@dataclass(frozen=True)
class CalibrationSet:
    """Calibration inputs, and in-domain images *not* used for calibration, on which INT8 is gated."""

    batches: list[np.ndarray]  # 1 x 3 x S x S each
    holdout: torch.Tensor  # N x 3 x S x S
    source: str


HOLDOUT = 8


def _from_folder(folder: Path, limit: int, size: int, what: str) -> CalibrationSet:
    files = calibration_files(folder, limit + HOLDOUT)
    calibration, rest = files[:limit], files[limit:]
    batches = calibration_batches(calibration, size)
    held = calibration_batches(rest, size) if len(rest) >= 4 else batches[:HOLDOUT]
    note = "" if len(rest) >= 4 else "; too few images left over, so gated on calibration images"
    source = f"{folder} ({what}: {len(batches)} calibration, {len(held)} held-out images{note})"
    return CalibrationSet(batches, torch.from_numpy(np.concatenate(held)), source)


def calibration_set(calib: Path | None, limit: int, metadata: dict, direction: str, size: int) -> CalibrationSet:
    """Where INT8 calibration images come from, in order: ``--calib``; the source domain's test split
    of the training dataset when the checkpoint records it; for a model trained on photos (the built-in
    one), seeded crops of the bundled photos; else synthetic demo images (the circles model's domain).
    Each gives held-out images of the same domain for the quality gate."""
    if calib is not None:
        return _from_folder(Path(calib), limit, size, "--calib")
    dataset = metadata.get("dataset")
    split = Path(str(dataset)) / ("testA" if direction == "a2b" else "testB") if dataset else None
    if split is not None and split.is_dir():
        return _from_folder(split, limit, size, "the training test split")
    if trained_on_photos(metadata):
        source, images = "crops of the bundled photos", photo_crops
    else:
        source, images = "synthetic demo images", demo_images
    calibration = [image_to_tensor(resize(img, (size, size)))[None].numpy() for img in images(limit, size, 2025)]
    holdout = torch.stack([image_to_tensor(resize(img, (size, size))) for img in images(HOLDOUT, size, 2024)])
    return CalibrationSet(calibration, holdout, f"{source} ({limit} calibration, {HOLDOUT} held-out)")


class _Reader:
    """onnxruntime.quantization.CalibrationDataReader over prepared arrays; ``set_range`` lets ORT
    calibrate in strides (``CalibStridedMinMax``) so it never holds every image's activations at once."""

    def __init__(self, batches: list[np.ndarray]) -> None:
        self._batches = batches
        self._iter: Iterator[np.ndarray] = iter(batches)

    def __len__(self) -> int:
        return len(self._batches)

    def set_range(self, start_index: int, end_index: int) -> None:
        self._iter = iter(self._batches[start_index:end_index])

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._iter, None)
        return None if batch is None else {INPUT_NAME: batch}


# ORT's calibrators keep every calibration image's activations in memory until they compute ranges:
# about 0.5 GB per image for the official 256 px generator. Calibrate in strides that stay under this.
CALIBRATION_MEMORY_BYTES = 2 << 30
ACTIVATION_MAPS = 32  # full-resolution-equivalent ngf-channel feature maps per image (measured order)


def calibration_stride(model: onnx.ModelProto, batches: list[np.ndarray]) -> int | None:
    """Images per calibration stride (a divisor of their count), or None when all fit at once."""
    weights = {i.name: i for i in model.graph.initializer}
    first_conv = next(n for n in model.graph.node if n.op_type == "Conv")
    ngf = weights[first_conv.input[1]].dims[0]
    per_image = 4 * ACTIVATION_MAPS * ngf * batches[0].shape[-2] * batches[0].shape[-1]
    count = len(batches)
    fitting = max(1, CALIBRATION_MEMORY_BYTES // per_image)
    if fitting >= count:
        return None
    return max(d for d in range(1, fitting + 1) if count % d == 0)


def calibration_key(model: onnx.ModelProto, batches: list[np.ndarray]) -> str:
    digest = hashlib.sha256(model.SerializeToString())
    for batch in batches:
        digest.update(batch.tobytes())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


def float_layers(model: onnx.ModelProto, rgb_out: bool = True) -> list[str]:
    """The convolutions every INT8 variant leaves in float: RGB in (the first conv), the first
    down-sampling conv, the CAM 1x1 conv (its input concatenates two differently scaled halves) and,
    unless ``rgb_out`` is False (a format whose INT8 kernel handles it: ``ArtifactFormat.float_rgb_out``),
    RGB out. Measured on the demo model: quantizing any one of them alone costs more than all the
    residual blocks together (23-39 dB alone, vs 41-60 dB for every other layer), for ~5 % of the MACs."""
    layers = list(conv_layers(model).values())
    return [layers[0], layers[1], *(name for name in layers if name == "conv1x1"), *(layers[-1:] if rgb_out else [])]


def _excluded_nodes(model: onnx.ModelProto, keep_fp: Sequence[str]) -> list[str]:
    layers = conv_layers(model)
    KeepFp(names=tuple(keep_fp)).check_names(layers.values())
    floating = {*float_layers(model), *keep_fp}
    return [node for node, layer in layers.items() if layer in floating]


def quantize(
    model: onnx.ModelProto,
    batches: list[np.ndarray],
    variant: str,
    cache_dir: Path | None = None,
    keep_fp: Sequence[str] = (),
) -> onnx.ModelProto:
    """QDQ-quantize the convolutions of an FP32 function-mode graph (see module doc for variants);
    the layers in ``keep_fp`` (module paths, see ``conv_layers``) stay float too."""
    onnxruntime()  # a clear message when it is missing
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    if variant not in INT8_PRECISIONS:
        raise UgatitDeployError(f"unknown INT8 variant {variant!r}")
    tensorrt_style = variant == "int8"
    options = dict(
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=["Conv"],
        per_channel=True,
        activation_type=QuantType.QInt8 if tensorrt_style else QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=_excluded_nodes(model, keep_fp),
        # Asymmetric uint8 ranges spread over rare outliers with MinMax (measured on the demo model:
        # 20.7 dB MinMax vs 34.3 dB at the 99.99th percentile); symmetric int8 is best with MinMax.
        calibrate_method=CalibrationMethod.MinMax if tensorrt_style else CalibrationMethod.Percentile,
        extra_options={"ActivationSymmetric": tensorrt_style, "WeightSymmetric": True, "CalibPercentile": 99.99},
    )
    if stride := calibration_stride(model, batches):
        options["extra_options"]["CalibStridedMinMax"] = stride  # any calibrator, despite the name
    cache = None
    if cache_dir is not None and "calibration_cache_path" in inspect.signature(quantize_static).parameters:
        cache = cache_dir / f"calibration_{calibration_key(model, batches)}_{variant}.json"
        options["calibration_cache_path"] = cache
    with tempfile.TemporaryDirectory(prefix="ugatit-int8-") as tmp:
        source, target = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        onnx.save(model, source)
        # The calibrators print progress lines, and ORT logs advice about pre-processing on the root logger.
        with contextlib.redirect_stdout(io.StringIO()), _quiet_root_logger():
            quantize_static(source, target, _Reader(batches), **options)
        quantized = onnx.load(target)
    return quantized

"""INT8 ONNX: static QuantizeLinear/DequantizeLinear (QDQ) graphs calibrated on real images.

Two variants, both quantizing only convolutions (the normalizations, the rho mix and the tiny MLP stay float;
so do the convolutions in ``float_layers``, and any named in ``keep_fp``, e.g. those ``--keep-fp auto`` chose,
``export.int8_search``):

- ``int8``     TensorRT-style: int8 activations with symmetric scales, every zero point 0 (TensorRT
               refuses anything else). What a strongly typed TensorRT 11 engine is built from.
- ``int8-cpu`` x86: uint8 activations with asymmetric ranges, which OpenVINO's and ONNX Runtime's VNNI
               kernels run fastest.

How is a ``QuantRecipe`` (``int8_options``): the activation-range method (min-max, percentile, entropy),
per-channel or per-tensor symmetric weights (7 bits in ``int8-cpu``: no saturation on CPUs without VNNI, 8 in
``int8``), float or quantized convolution outputs, and bias correction
(``export.bias_correction``). Calibration runs the FP32 graph on the calibration images; the ranges are
cached in a JSON file keyed by the graph, the image set and the range method, so re-exports skip it.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import logging
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch

from ...core.errors import UgatitDeployError
from ...core.imaging import IMAGE_EXTENSIONS, ImageReadError, image_to_tensor, read_image, resize
from ...core.memo import kept
from ...core.onnx_contract import INPUT_NAME, conv_layers
from ...core.optional import onnxruntime
from ...core.progress import progress_bar
from ...core.reference_images import demo_images, photo_crops, trained_on_photos
from .bias_correction import MeansTap, conv_outputs
from .int8_options import KeepFp, QuantRecipe


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

    def __init__(self, batches: list[np.ndarray], on_next: Callable[[int], object] | None = None) -> None:
        self._batches = batches
        self._iter: Iterator[np.ndarray] = iter(batches)
        self._on_next = on_next  # called with 1 per batch handed out (a progress bar's update)

    def __len__(self) -> int:
        return len(self._batches)

    def set_range(self, start_index: int, end_index: int) -> None:
        self._iter = iter(self._batches[start_index:end_index])

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._iter, None)
        if batch is None:
            return None
        if self._on_next is not None:
            self._on_next(1)
        return {INPUT_NAME: batch}


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


def calibration_key(model: onnx.ModelProto, batches: list[np.ndarray], ranges: str = "") -> str:
    """The calibration cache's key: the graph, the images and what decides the ranges (``QuantRecipe.ranges``).
    The graph's metadata is left out: torch.onnx writes its shape constraints there in set order, which
    changes from process to process (hash randomization), and the ranges do not depend on it."""
    graph = onnx.ModelProto()
    graph.CopyFrom(model)
    del graph.metadata_props[:], graph.graph.metadata_props[:]
    digest = hashlib.sha256(graph.SerializeToString())
    for batch in batches:
        digest.update(batch.tobytes())
    digest.update(ranges.encode())
    return digest.hexdigest()[:16]


def _method(recipe: QuantRecipe) -> tuple[Any, dict[str, Any]]:
    """ORT's calibration method for the recipe and the options its calibrator takes: ``quantize_static``
    passes no histogram sizes on, and entropy with its default 128 bins has one candidate threshold, i.e. is
    MinMax."""
    from onnxruntime.quantization.calibrate import CalibrationMethod

    return {
        "minmax": (CalibrationMethod.MinMax, {}),
        # the 2048-bin histogram of |x| (ORT's default for percentile); the range is clipped to the values seen
        "percentile": (CalibrationMethod.Percentile, {"percentile": recipe.percentile, "symmetric": True}),
        # candidate windows quantized into 256 bins: the 8 bits of the activations
        "entropy": (CalibrationMethod.Entropy, {"num_bins": 2048, "num_quantized_bins": 256}),
    }[recipe.method]


def _calibrator(source: Path, workdir: Path, recipe: QuantRecipe) -> Any:
    """ORT's calibrator for the recipe's method, configured as ``_method`` says."""
    from onnxruntime.quantization.calibrate import create_calibrator

    method, options = _method(recipe)
    augmented = workdir / "augmented.onnx"
    return create_calibrator(source, ["Conv"], augmented, calibrate_method=method, extra_options=options)


def _calibrate(source: Path, batches: list[np.ndarray], recipe: QuantRecipe, cache: Path) -> MeansTap:
    """Activation ranges of the FP32 graph at ``source`` on the images, written to ``cache`` (ORT's format). Returns
    the tap on the calibrator's session, which holds the conv outputs' means bias correction starts from."""
    from onnxruntime.quantization.calibrate import save_tensors_data

    model = onnx.load(source, load_external_data=False)
    stride = calibration_stride(model, batches) or len(batches)
    bar = progress_bar(total=len(batches), desc="calibrating", unit="img")
    with tempfile.TemporaryDirectory(prefix="ugatit-calib-") as tmp, bar:
        calibrator = _calibrator(source, Path(tmp), recipe)
        tap = calibrator.infer_session = MeansTap(calibrator.infer_session, conv_outputs(model))
        _only_what_is_quantized(calibrator, model, recipe)
        reader = _Reader(batches, bar.update)
        for start in range(0, len(batches), stride):
            reader.set_range(start, start + stride)
            calibrator.collect_data(reader)
        ranges = calibrator.compute_data()
    save_tensors_data(ranges, cache)
    return tap


def _only_what_is_quantized(calibrator: Any, model: onnx.ModelProto, recipe: QuantRecipe) -> None:
    """With float conv outputs only the conv inputs are quantized: a histogram calibrator makes theirs alone (it
    makes one of every conv input and output by default; half of them were never read)."""
    if recipe.conv_outputs == "float" and isinstance(getattr(calibrator, "tensors_to_calibrate", None), set):
        calibrator.tensors_to_calibrate &= {node.input[0] for node in model.graph.node if node.op_type == "Conv"}


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
    symmetric: bool,
    cache_dir: Path | None = None,
    keep_fp: Sequence[str] = (),
    recipe: QuantRecipe = QuantRecipe(),  # noqa: B008 - frozen dataclass, never mutated
) -> onnx.ModelProto:
    """QDQ-quantize the convolutions of an FP32 function-mode graph as ``recipe`` says (its weight bits set:
    ``QuantRecipe.with_bits``): ``symmetric`` int8 activations with zero points 0 (TensorRT's graph), else
    uint8 activations with asymmetric ranges (the x86 graph). The layers in ``keep_fp`` (module paths, see
    ``conv_layers``) stay float too. The activation ranges are cached in ``cache_dir`` (when given) by graph,
    images and ranges method."""
    onnxruntime()  # a clear message when it is missing
    if recipe.weight_bits is None:
        raise UgatitDeployError("quantize needs the recipe's weight bits (QuantRecipe.with_bits)")
    # The --keep-fp search quantizes the graph the export then writes (same layers, images, recipe and folder): once.
    if cache_dir is None:
        return _quantize(model, batches, symmetric, cache_dir, keep_fp, recipe)
    key = f"{calibration_key(model, batches, repr(recipe))}-{symmetric}-{','.join(sorted(keep_fp))}-{cache_dir}"
    made = kept(_QUANTIZED, key, lambda: _quantize(model, batches, symmetric, cache_dir, keep_fp, recipe)
                .SerializeToString(), keep=4)  # fmt: skip
    return onnx.ModelProto.FromString(made)


# Quantized graphs of this process by their inputs (``quantize``), as serialized protos.
_QUANTIZED: OrderedDict[str, bytes] = OrderedDict()


def _quantize(model: onnx.ModelProto, batches: list[np.ndarray], symmetric: bool, cache_dir: Path | None,
              keep_fp: Sequence[str], recipe: QuantRecipe) -> onnx.ModelProto:  # fmt: skip
    """``quantize`` without the reuse: calibrate (or read the cached ranges), quantize, correct the biases."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    tensorrt_style = symmetric
    method, _ = _method(recipe)
    options: dict[str, Any] = dict(
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=["Conv"],
        per_channel=recipe.per_channel,
        reduce_range=recipe.weight_bits == 7,  # weights only: activations take their range from extra_options
        activation_type=QuantType.QInt8 if tensorrt_style else QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=_excluded_nodes(model, keep_fp),
        calibrate_method=method,
        extra_options={
            "ActivationSymmetric": tensorrt_style,
            "WeightSymmetric": True,
            "OpTypesToExcludeOutputQuantization": ["Conv"] if recipe.conv_outputs == "float" else [],
        },
    )
    cached = "calibration_cache_path" in inspect.signature(quantize_static).parameters
    with tempfile.TemporaryDirectory(prefix="ugatit-int8-") as tmp:
        source, target = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        onnx.save(model, source)
        reader: _Reader | None = _Reader(batches)
        # The calibrators print progress lines, and ORT logs advice about pre-processing on the root logger.
        with contextlib.redirect_stdout(io.StringIO()), _quiet_root_logger():
            if cached:  # ranges computed here (entropy's histogram sizes), then read by quantize_static
                folder = cache_dir if cache_dir is not None else Path(tmp)
                cache = folder / f"calibration_{calibration_key(model, batches, recipe.ranges)}.json"
                if not cache.is_file():
                    tap = _calibrate(source, batches, recipe, cache)
                    tap.remember(model, batches)  # bias correction's FP32 means, from the calibration's pass
                options["calibration_cache_path"], reader = cache, None
            else:  # an older ORT calibrates itself (entropy with its default bins)
                options["extra_options"]["CalibPercentile"] = recipe.percentile
                if stride := calibration_stride(model, batches):
                    options["extra_options"]["CalibStridedMinMax"] = stride  # any calibrator, despite the name
            quantize_static(source, target, reader, **options)
        quantized = onnx.load(target)
    if recipe.bias_correction:
        from .bias_correction import correct_biases

        quantized = correct_biases(model, quantized, batches, quantized=not tensorrt_style)
    return quantized

"""ncnn INT8: the calibration table of ncnn's ``ncnn2table`` and the layer flags of ``ncnn2int8``, written
into a converted fp32 ncnn model.

ncnn quantizes a Convolution itself when its param line carries ``8=2`` (``int8_scale_term``) and its
weights in the ``.bin`` are followed by the per-output-channel weight scales and the input blob's scale
(ncnn ``Convolution::load_model``: fp32 weights are quantized with ``quantize_to_int8`` at load). So the
weights stay float32 here and ncnn's own code rounds them; this module only computes the scales:

- weights: ``127 / max|w|`` per output channel (what ``ncnn2table`` writes);
- activations: ``127 / t`` per input blob, ``t`` the 99.99th percentile of ``|x|`` over the calibration
  images (the clipping of the ``int8-cpu`` ONNX variant; plain max|x| costs 4 dB on the 256 px light model).

The PyPI ``ncnn`` wheel ships neither ``ncnn2table`` nor ``ncnn2int8``, which is why this exists.
Convolutions are matched to the ONNX graph's layers by their weights (bytes equal), so ``--keep-fp`` and
the always-float layers of ``int8.float_layers`` name the same convolutions as for ONNX.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from ..core.errors import ExportError
from .ncnn_runtime import BIN_SUFFIX, PARAM_SUFFIX, NcnnNet

PERCENTILE = 99.99
FP32_TAG = b"\0\0\0\0"  # ModelBin type-0 blobs start with a 4-byte tag; zero = raw float32


@dataclass
class NcnnLayer:
    """One line of a ``.ncnn.param`` file and the bytes of its weights in the ``.bin``."""

    type: str
    name: str
    bottoms: list[str]
    tops: list[str]
    params: dict[int, str]
    line: str
    weights: bytes = b""

    def get(self, key: int, default: int = 0) -> int:
        return int(self.params.get(key, default))


@dataclass
class NcnnModel:
    header: list[str]
    layers: list[NcnnLayer] = field(default_factory=list)

    def convolutions(self) -> list[NcnnLayer]:
        return [layer for layer in self.layers if layer.type == "Convolution"]


def _blob_sizes(layer: NcnnLayer) -> list[tuple[int, bool]]:
    """(float count, tagged) of each weight blob a layer reads, in ncnn's ``load_model`` order."""
    if layer.type == "Convolution":
        sizes = [(layer.get(6), True)] + ([(layer.get(0), False)] if layer.get(5) else [])
        if layer.get(8):
            sizes += [(layer.get(0), False), (1, False)] + ([(1, False)] if layer.get(8) > 100 else [])
        return sizes
    if layer.type == "InnerProduct":
        return [(layer.get(2), True)] + ([(layer.get(0), False)] if layer.get(1) else [])
    if layer.type in ("GroupNorm", "InstanceNorm", "LayerNorm"):
        count, affine = {"GroupNorm": (1, 3), "InstanceNorm": (0, 2), "LayerNorm": (0, 2)}[layer.type]
        return [(layer.get(count), False)] * 2 if layer.get(affine, 1) else []
    if layer.type == "MemoryData":
        return [(math.prod(max(layer.get(k), 1) for k in (0, 1, 11, 2)), False)]
    if layer.type in ("Deconvolution", "ConvolutionDepthWise", "Embed", "Scale", "BatchNorm", "PReLU"):
        raise ExportError(f"ncnn INT8: layer type {layer.type} ({layer.name}) is not in the generator's graph")
    return []


def read_model(param: Path, weights: Path) -> NcnnModel:
    """Parse a float32 ncnn model; its weight bytes are split per layer (the walk must end at the file's end)."""
    lines = param.read_text().splitlines()
    model = NcnnModel(lines[:2])
    data, offset = weights.read_bytes(), 0
    for line in lines[2:]:
        parts = line.split()
        if not parts:
            continue
        kind, name, n_in, n_out = parts[0], parts[1], int(parts[2]), int(parts[3])
        params = dict((int(k), v) for k, v in (item.split("=", 1) for item in parts[4 + n_in + n_out :]))
        layer = NcnnLayer(kind, name, parts[4 : 4 + n_in], parts[4 + n_in : 4 + n_in + n_out], params, line)
        start = offset
        for count, tagged in _blob_sizes(layer):
            if tagged:
                if data[offset : offset + 4] != FP32_TAG:
                    raise ExportError(f"ncnn INT8 needs float32 weights; {name} is stored otherwise")
                offset += 4
            offset += 4 * count
        layer.weights = data[start:offset]
        model.layers.append(layer)
    if offset != len(data):
        raise ExportError(f"ncnn model {weights.name}: its layers read {offset} bytes of {len(data)}")
    return model


def conv_names(model: NcnnModel, onnx_model: onnx.ModelProto, layers: dict[str, str]) -> dict[str, str]:
    """ncnn Convolution name -> the ONNX layer name (``int8.conv_layers``) whose weights it holds."""
    initializers = {i.name: i for i in onnx_model.graph.initializer}
    by_bytes = {}
    for node in onnx_model.graph.node:
        if node.op_type == "Conv" and node.input[1] in initializers:
            weight = numpy_helper.to_array(initializers[node.input[1]]).astype(np.float32)
            by_bytes[weight.tobytes()] = layers[node.name]
    names = {}
    for conv in model.convolutions():
        stored = conv.weights[4 : 4 + 4 * conv.get(6)]
        if stored not in by_bytes:
            raise ExportError(f"ncnn INT8: convolution {conv.name} matches no ONNX convolution's weights")
        names[conv.name] = by_bytes[stored]
    return names


def activation_thresholds(net: NcnnNet, blobs: Sequence[str], images: Iterable[np.ndarray]) -> dict[str, float]:
    """The PERCENTILE of |x| of each blob over the images (1 x 3 x H x W each), exactly: the largest values
    over all images are kept, as many as the percentile needs."""
    images = list(images)
    tops = {name: np.empty(0, np.float32) for name in blobs}
    counts = dict.fromkeys(blobs, 0)
    keep_fraction = 1 - PERCENTILE / 100
    for batch in images:
        # Deepest blob first: ncnn runs the graph once and keeps every blob on the way, instead of resuming it for
        # each blob in turn (0.52 s against 0.88 s per 256 px image of the light generator, 2 cores).
        values = net.blobs(batch[0], list(reversed(blobs)))
        for name, value in values.items():
            flat = np.abs(value).ravel()
            counts[name] += flat.size
            tops[name] = _largest(tops[name], flat, math.ceil(flat.size * len(images) * keep_fraction) + 1)
    thresholds = {}
    for name in blobs:
        largest = np.sort(tops[name])[::-1]
        rank = (1 - PERCENTILE / 100) * (counts[name] - 1)  # numpy's linear percentile, from the top
        low, frac = int(math.floor(rank)), rank - math.floor(rank)
        high = min(low + 1, largest.size - 1)
        thresholds[name] = float(largest[low] * (1 - frac) + largest[high] * frac)
    return thresholds


def _largest(kept: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` largest of ``kept`` and ``values`` together (all of them when there are fewer). Once ``count``
    are kept, a value below the smallest of them cannot be among the largest: one comparison drops most of an
    image before the partition (8 against 25 ms per 4M-value blob)."""
    if kept.size >= count:
        values = values[values >= kept.min()]
    merged = np.concatenate([kept, values])
    return merged if merged.size <= count else np.partition(merged, merged.size - count)[merged.size - count :]


def _weight_scales(conv: NcnnLayer) -> np.ndarray:
    weights = np.frombuffer(conv.weights[4 : 4 + 4 * conv.get(6)], dtype=np.float32).reshape(conv.get(0), -1)
    peak = np.abs(weights).max(axis=1)
    return np.where(peak > 0, 127.0 / np.maximum(peak, np.finfo(np.float32).tiny), 0.0).astype(np.float32)


def quantize(model: NcnnModel, thresholds: dict[str, float], floating: set[str]) -> tuple[str, bytes]:
    """The INT8 model's param text and weights: every Convolution not named in ``floating`` (ncnn names)
    gets ``8=2`` and its scales."""
    lines, chunks = list(model.header), []
    for layer in model.layers:
        line, weights = layer.line, layer.weights
        if layer.type == "Convolution" and layer.name not in floating:
            if layer.get(8):
                raise ExportError(f"ncnn INT8: {layer.name} is quantized already")
            threshold = thresholds[layer.bottoms[0]]
            scale = np.float32(127.0 / threshold) if threshold > 0 else np.float32(1.0)
            line = f"{line} 8=2"
            weights = weights + _weight_scales(layer).tobytes() + np.array([scale], np.float32).tobytes()
        lines.append(line)
        chunks.append(weights)
    return "\n".join(lines) + "\n", b"".join(chunks)


def quantize_files(param: Path, weights: Path, onnx_model: onnx.ModelProto, layers: dict[str, str],
                   float_layers: set[str], images: Sequence[np.ndarray], target: Path) -> list[str]:  # fmt: skip
    """Calibrate the fp32 model at ``param``/``weights`` on ``images`` and write its INT8 form to
    ``target`` + PARAM_SUFFIX / BIN_SUFFIX (a work folder). Return the ncnn names left float."""
    model = read_model(param, weights)
    names = conv_names(model, onnx_model, layers)
    floating = {conv for conv, layer in names.items() if layer in float_layers}
    quantized = [conv for conv in model.convolutions() if conv.name not in floating]
    blobs = list(dict.fromkeys(conv.bottoms[0] for conv in quantized))
    thresholds = activation_thresholds(NcnnNet(param, weights, keep_blobs=True), blobs, images)
    text, data = quantize(model, thresholds, floating)
    target.with_name(target.name + PARAM_SUFFIX).write_text(text)
    target.with_name(target.name + BIN_SUFFIX).write_bytes(data)
    return sorted(floating)

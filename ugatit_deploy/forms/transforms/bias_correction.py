"""Bias correction for QDQ INT8 graphs (ORT's ``quantize_static`` has none for QDQ).

Quantizing a convolution's weights and clipping its input shifts the mean of its output, per output channel.
For each quantized convolution, in graph order, the per-output-channel mean of (FP32 output - INT8 output)
over the calibration images is added to its bias (empirical bias correction, Nagel et al. 2019, "Data-Free
Quantization", section 4.2). In graph order, each correction is measured with every earlier one in place, so
it also absorbs the mean drift the earlier layers leave; the INT8 outputs are those of the QDQ graph as ONNX
Runtime computes it unfused (dequantized values in float), which the int8 kernels reproduce.

A convolution without a bias gets one: for x86 graphs an int32 tensor dequantized with scale ``input_scale *
weight_scale`` (the form ORT gives biases, which ONNX Runtime fuses into its int8 kernel and OpenVINO folds);
for TensorRT-style graphs a float one (TensorRT dequantizes no int32 tensors and fuses a float bias itself).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ...core.memo import kept
from ...core.onnx_contract import INPUT_NAME
from ...core.optional import onnxruntime
from .segments import SegmentRunner

BIAS_CORRECTION_IMAGES = 16  # calibration images the means are taken over (per-channel means settle fast)


def quantized_convs(model: onnx.ModelProto) -> list[onnx.NodeProto]:
    """The Conv nodes of a QDQ graph whose weights come from a DequantizeLinear, in graph order."""
    producers = {out: node for node in model.graph.node for out in node.output}
    return [
        node
        for node in model.graph.node
        if node.op_type == "Conv" and getattr(producers.get(node.input[1]), "op_type", "") == "DequantizeLinear"
    ]


def _needed(model: onnx.ModelProto, outputs: Sequence[str]) -> onnx.ModelProto:
    """A copy of ``model`` whose outputs are ``outputs``, with only the nodes that compute them."""
    producers = {out: node for node in model.graph.node for out in node.output}
    keep, todo = set(), list(outputs)
    while todo:
        node = producers.get(todo.pop())
        if node is not None and id(node) not in keep:
            keep.add(id(node))
            todo.extend(node.input)
    pruned = onnx.ModelProto()
    pruned.CopyFrom(model)
    del pruned.graph.node[:], pruned.graph.output[:]
    pruned.graph.node.extend(n for n in model.graph.node if id(n) in keep)
    pruned.graph.output.extend(helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs)
    return pruned


def channel_means(model: onnx.ModelProto, tensors: Sequence[str], batches: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The per-channel mean of each of ``tensors`` (N x C x H x W) over the images, as ORT computes them
    without graph optimizations (a QDQ graph runs as dequantized float: no fused int8 kernels)."""
    ort = onnxruntime()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(_needed(model, tensors).SerializeToString(), options, ["CPUExecutionProvider"])
    sums: list[np.ndarray | float] = [0.0] * len(tensors)
    for batch in batches:
        outputs = session.run(list(tensors), {INPUT_NAME: batch})
        sums = [s + o.astype(np.float64).mean(axis=(0, 2, 3)) for s, o in zip(sums, outputs, strict=True)]
    return [np.asarray(s) / len(batches) for s in sums]


def _initializer(model: onnx.ModelProto, name: str) -> onnx.TensorProto:
    return next(t for t in model.graph.initializer if t.name == name)


def _add_to_bias(model: onnx.ModelProto, conv: onnx.NodeProto, delta: np.ndarray, quantized: bool) -> np.ndarray:
    """Add ``delta`` (one value per output channel) to the conv's bias: the int32 one a DequantizeLinear
    reads (scale input scale x weight scale), a float one, or a new one (int32 if ``quantized``, else float).
    Returns what the bias changed by, per channel, after its rounding."""
    producers = {out: node for node in model.graph.node for out in node.output}
    if len(conv.input) > 2 and conv.input[2]:
        dequantize = producers.get(conv.input[2])
        if dequantize is None:  # a float bias initializer
            tensor = _initializer(model, conv.input[2])
            before = numpy_helper.to_array(tensor)
            values = before + delta.astype(np.float32)
            tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))
            return values - before
        tensor = _initializer(model, dequantize.input[0])
        scale = numpy_helper.to_array(_initializer(model, dequantize.input[1])).astype(np.float32)
        before = numpy_helper.to_array(tensor)
        values = np.round(before.astype(np.float64) + delta / scale.astype(np.float64)).astype(np.int32)
        tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))
        return values.astype(np.float32) * scale - before.astype(np.float32) * scale  # as DequantizeLinear computes
    name = f"{conv.name}_corrected_bias"
    conv.input.append(name)
    if not quantized:
        model.graph.initializer.append(numpy_helper.from_array(delta.astype(np.float32), name))
        return delta.astype(np.float32)
    x_scale = numpy_helper.to_array(_initializer(model, producers[conv.input[0]].input[1]))
    w_scale = numpy_helper.to_array(_initializer(model, producers[conv.input[1]].input[1]))
    scale = (x_scale.astype(np.float32) * w_scale.astype(np.float32)).astype(np.float32)
    values = np.round(delta / scale.astype(np.float64)).astype(np.int32)
    model.graph.initializer.extend([numpy_helper.from_array(values, f"{name}_quantized"),
                                    numpy_helper.from_array(scale, f"{name}_scale")])  # fmt: skip
    axis = {"axis": 0} if scale.ndim else {}
    node = helper.make_node("DequantizeLinear", [f"{name}_quantized", f"{name}_scale"], [name], f"{name}_dq", **axis)
    model.graph.node.insert(0, node)  # reads initializers only: first is in topological order
    return values.astype(np.float32) * scale


_REFERENCE: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()  # FP32 conv output means (see below)


def _means_key(fp32: onnx.ModelProto, batches: Sequence[np.ndarray]) -> str:
    digest = hashlib.sha256(fp32.graph.SerializeToString())
    for batch in batches:
        digest.update(batch.tobytes())
    return digest.hexdigest()


def conv_outputs(model: onnx.ModelProto) -> list[str]:
    """The output tensor of every Conv node, in graph order."""
    return [node.output[0] for node in model.graph.node if node.op_type == "Conv"]


def reference_means(fp32: onnx.ModelProto, batches: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """The per-channel means of every Conv output of the FP32 graph over the images, by output name; kept
    for the process, since a sensitivity run corrects many graphs quantized from the same one."""
    names = conv_outputs(fp32)
    # one graph at a time: a study or an export works on one
    return kept(_REFERENCE, _means_key(fp32, batches),
                lambda: dict(zip(names, channel_means(fp32, names, batches), strict=True)), keep=1)  # fmt: skip


class MeansTap:
    """An ONNX Runtime session of the FP32 graph (every Conv output among its outputs, as the calibrators' augmented
    graphs have them) that also sums the per-channel means of those outputs over its first ``images`` runs: the
    calibration's pass over the images then gives bias correction its reference (``remember``), instead of a pass
    of its own. Everything else is the session's."""

    def __init__(self, session: Any, names: Sequence[str], images: int = BIAS_CORRECTION_IMAGES) -> None:
        self._session, self._names, self._limit = session, list(names), images
        self._sums: dict[str, Any] = {}
        self.runs = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def run(self, output_names: Sequence[str] | None, feed: Any, *args: Any, **kwargs: Any) -> list[np.ndarray]:
        outputs = self._session.run(output_names, feed, *args, **kwargs)
        if self.runs < self._limit:
            names = output_names or [output.name for output in self._session.get_outputs()]
            for name, value in zip(names, outputs, strict=True):
                if name in self._names:  # summed as channel_means sums them: the same numbers to the bit
                    self._sums[name] = self._sums.get(name, 0.0) + value.astype(np.float64).mean(axis=(0, 2, 3))
        self.runs += 1
        return outputs

    def remember(self, fp32: onnx.ModelProto, batches: Sequence[np.ndarray]) -> bool:
        """Keep the means as ``reference_means(fp32, batches[:images])`` when the runs were those batches, in order,
        with every Conv output seen (True); else keep nothing (False)."""
        used = list(batches[: self._limit])
        if self.runs != len(batches) or set(self._sums) != set(self._names) or self._names != conv_outputs(fp32):
            return False
        means = {name: np.asarray(self._sums[name]) / len(used) for name in self._names}
        kept(_REFERENCE, _means_key(fp32, used), lambda: means, keep=1)
        return True


def correct_biases(fp32: onnx.ModelProto, qdq: onnx.ModelProto, batches: Sequence[np.ndarray],
                   images: int = BIAS_CORRECTION_IMAGES, quantized: bool = True) -> onnx.ModelProto:  # fmt: skip
    """``qdq`` (quantized from ``fp32``) with each quantized conv's bias corrected, layer by layer in graph
    order, on the first ``images`` calibration batches (1 x 3 x S x S each); new biases are int32 if
    ``quantized`` (x86 graphs), else float (TensorRT-style graphs)."""
    used = list(batches[:images])
    corrected = onnx.ModelProto()
    corrected.CopyFrom(qdq)
    convs = quantized_convs(corrected)
    reference = reference_means(fp32, used)
    # Each node runs once per image: a corrected bias is added to the kept conv output that later layers read,
    # instead of running the graph up to every layer again (``segments``).
    runner = SegmentRunner(qdq, used)
    for conv in convs:
        outputs = runner.compute(conv.output[0])
        current = np.mean([o.astype(np.float64).mean(axis=(0, 2, 3)) for o in outputs], axis=0)
        change = _add_to_bias(corrected, conv, reference[conv.output[0]] - current, quantized)
        for output in outputs:
            output += change.reshape(1, -1, 1, 1).astype(output.dtype)
    return corrected


def correct_biases_by_rerunning(fp32: onnx.ModelProto, qdq: onnx.ModelProto, batches: Sequence[np.ndarray],
                                quantized: bool = True) -> onnx.ModelProto:  # fmt: skip
    """The definition ``correct_biases`` computes in one pass: for each quantized conv in graph order, run the graph
    with the corrections so far up to it on every image and add the mean error to its bias (one pass per layer;
    the tests and ``benchmarks/studies/bias_correction_speed.py`` compare the two)."""
    corrected = onnx.ModelProto()
    corrected.CopyFrom(qdq)
    reference = reference_means(fp32, batches)
    for conv in quantized_convs(corrected):
        (current,) = channel_means(corrected, [conv.output[0]], batches)
        _add_to_bias(corrected, conv, reference[conv.output[0]] - current, quantized)
    return corrected


def conv_biases(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """Each quantized conv's bias as stored (int32 steps behind a DequantizeLinear, or float), by node name."""
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    producers = {out: node for node in model.graph.node for out in node.output}
    biases = {}
    for conv in quantized_convs(model):
        name = conv.input[2] if len(conv.input) > 2 else ""
        biases[conv.name] = weights[producers[name].input[0] if name in producers else name]
    return biases


def mean_errors(fp32: onnx.ModelProto, qdq: onnx.ModelProto, batches: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """Per quantized conv (by output name): the per-channel mean of FP32 output - QDQ output over the images."""
    names = [conv.output[0] for conv in quantized_convs(qdq)]
    reference, quantized = channel_means(fp32, names, batches), channel_means(qdq, names, batches)
    return {name: r - q for name, r, q in zip(names, reference, quantized, strict=True)}

"""The INT8 convolutions to keep in float, in a few quantized graphs (``--keep-fp auto`` and ``--keep-fp N``).

Rank (one quantized graph): quantize every quantizable convolution, run the FP32 graph and that INT8 graph on the
held-out images and the photos with each convolution's input and output exposed, and score each layer by the error
it adds: the noise-to-signal ratio (NSR) of its output minus that of its input. An NSR is the error's spatial
variance over the FP32 tensor's, per image and channel (what the instance norm after each convolution sees),
averaged. Search: bisect over k, the number of the worst layers kept in float, for the fewest with which the images
pass the gate; the ranking's fully quantized graph is the k = 0 step, and at most ceil(log2 n) + 1 more graphs are
quantized. The answer k passed, and k - 1 was measured failing (or k is 0).

The per-layer sweep it replaces for ``--keep-fp`` (``export.sensitivity``: each layer quantized alone, n graphs, then
k + 1 more) stays the ``sensitivity`` diagnostic. Both side by side: ``benchmarks/studies/int8_search.py``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import onnx
from onnx import TensorProto, helper

from ..core.errors import ExportError
from ..core.gates import Gate
from ..core.onnx_contract import conv_layers
from ..core.optional import ort_session
from ..core.parity import image_parity
from ..forms.qdq import QdqForm
from ..forms.transforms.int8 import CalibrationSet
from ..forms.transforms.int8_options import QuantRecipe
from .sensitivity import ImageSets, quantizable_layers

FLAT_CHANNEL = 1e-6  # a channel's FP32 variance counts as at least this share of the tensor's mean channel variance


class Bar(Protocol):
    """A progress bar as tqdm's: ``update(n)`` and ``close()``."""

    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class LayerError:
    """One quantized convolution in the fully quantized graph: the NSR of the float tensor its input is quantized
    from (the error the layers before it left) and of its output (with its input's rounding and its weights')."""

    layer: str
    input_nsr: float
    output_nsr: float

    @property
    def added(self) -> float:
        """The error this layer adds: its output's NSR minus its input's (the ranking's score)."""
        return self.output_nsr - self.input_nsr


@dataclass(frozen=True)
class Step:
    """One quantized graph of the search: the ``kept`` worst layers in float, its worst set's PSNR and SSIM."""

    kept: int
    psnr_db: float
    ssim: float
    passes: bool


@dataclass(frozen=True)
class Search:
    """What ``search_keep_fp`` measured: the ranking, each graph it quantized and its answer."""

    ranking: list[LayerError]  # worst first
    steps: list[Step]  # in the order measured; the first is the fully quantized graph of the ranking
    kept: list[str]
    seconds: float


def _float_input(quantized: onnx.ModelProto, node: onnx.NodeProto) -> str:
    """The float tensor a quantized conv's input was quantized from (through DequantizeLinear, QuantizeLinear)."""
    producers = {out: n for n in quantized.graph.node for out in n.output}
    name = node.input[0]
    for op in ("DequantizeLinear", "QuantizeLinear"):
        producer = producers.get(name)
        if producer is None or producer.op_type != op:
            raise ExportError(f"conv {node.name}: its input is not quantized by a Q/DQ pair")
        name = producer.input[0]
    return name


def conv_tensors(base: onnx.ModelProto, quantized: onnx.ModelProto,
                 layers: Sequence[str]) -> dict[str, tuple[str, str, str, str]]:  # fmt: skip
    """Layer -> (input in ``base``, float input in ``quantized``, output in ``base``, output in ``quantized``) of
    each of ``layers``; the nodes are matched by name (quantization keeps the Conv nodes' names)."""
    by_layer = {layer: node for node, layer in conv_layers(base).items()}
    base_nodes = {n.name: n for n in base.graph.node}
    quantized_nodes = {n.name: n for n in quantized.graph.node if n.op_type == "Conv"}
    tensors = {}
    for layer in layers:
        name = by_layer[layer]
        if name not in quantized_nodes:
            raise ExportError(f"layer {layer}: conv {name} is not in the quantized graph")
        fp32, int8 = base_nodes[name], quantized_nodes[name]
        tensors[layer] = (fp32.input[0], _float_input(quantized, int8), fp32.output[0], int8.output[0])
    return tensors


def _with_outputs(model: onnx.ModelProto, names: Sequence[str]) -> onnx.ModelProto:
    """A copy of ``model`` that also outputs the tensors ``names``."""
    exposed = onnx.ModelProto()
    exposed.CopyFrom(model)
    present = {o.name for o in exposed.graph.output}
    exposed.graph.output.extend(helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in names
                                if n not in present)  # fmt: skip
    return exposed


def nsr(reference: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """Per image and channel of N x C x H x W tensors: the spatial variance of ``candidate - reference`` over that
    of ``reference`` (a flat channel's floored at ``FLAT_CHANNEL`` of the mean channel variance)."""
    signal = reference.var(axis=(2, 3), dtype=np.float64)
    floor = FLAT_CHANNEL * max(float(signal.mean()), np.finfo(np.float64).tiny)
    error = (candidate.astype(np.float64) - reference).var(axis=(2, 3))
    return error / np.maximum(signal, floor)


def rank_layers(base: onnx.ModelProto, quantized: onnx.ModelProto, layers: Sequence[str],
                sets: ImageSets) -> tuple[list[LayerError], dict[str, np.ndarray]]:  # fmt: skip
    """Score ``layers`` in the fully ``quantized`` graph on every image of ``sets`` (one image at a time); return
    them worst first (most error added) and the quantized graph's outputs of each set (the search's k = 0)."""
    tensors = conv_tensors(base, quantized, layers)
    fp32_names = [name for layer in layers for name in (tensors[layer][0], tensors[layer][2])]
    int8_names = [name for layer in layers for name in (tensors[layer][1], tensors[layer][3])]
    fp32 = ort_session(_with_outputs(base, fp32_names))
    int8 = ort_session(_with_outputs(quantized, int8_names))
    sums, counts = np.zeros((len(layers), 2)), np.zeros((len(layers), 2))  # NSRs of (input, output) and their count
    outputs = {}
    for set_name, (inputs, _) in sets.items():
        images = []
        for i in range(len(inputs)):
            feed = {"input": inputs[i : i + 1]}
            reference = fp32.run(fp32_names, feed)
            output, *candidate = int8.run(["output", *int8_names], feed)
            images.append(output)
            for j in range(len(layers)):
                for side in (0, 1):
                    values = nsr(reference[2 * j + side], candidate[2 * j + side])
                    sums[j, side] += values.sum()
                    counts[j, side] += values.size
        outputs[set_name] = np.concatenate(images)
    means = sums / counts
    ranking = [LayerError(layer, float(means[j, 0]), float(means[j, 1])) for j, layer in enumerate(layers)]
    return sorted(ranking, key=lambda e: -e.added), outputs


def judge(outputs: dict[str, np.ndarray], sets: ImageSets, gate: Gate, kept: int) -> Step:
    """The step of a graph whose outputs of each set are ``outputs``: the worst set's figures against ``gate``."""
    parities = [image_parity(reference, outputs[name]) for name, (_, reference) in sets.items()]
    passes = not any(gate.failures(parity) for parity in parities)
    return Step(kept, round(min(p.psnr_db for p in parities), 2), round(min(p.ssim for p in parities), 4), passes)


def bisect_fewest(count: int, measure: Callable[[int], Step], first: Step) -> tuple[int, list[Step]]:
    """The fewest k in 0..``count`` whose step passes, by bisection from ``first`` (k = 0, measured), and every
    step measured. Every k passes from the returned one on only where passing is monotone (it is not always):
    the answer passed and k - 1 failed, both measured. ExportError when k = ``count`` fails."""
    steps = [first]
    if first.passes:
        return 0, steps
    low, high = 0, count  # low failed; high passed or was not measured (count: every layer float)
    while high - low > 1:
        middle = (low + high) // 2
        steps.append(measure(middle))
        low, high = (low, middle) if steps[-1].passes else (middle, high)
    if not any(step.kept == high and step.passes for step in steps):
        steps.append(measure(high))
        if not steps[-1].passes:
            raise ExportError(f"no step passes, not even with all {count} layers in float")
    return high, steps


def _describe(step: Step) -> str:
    verdict = "passes" if step.passes else "fails"
    return f"{step.kept} worst in float: {step.psnr_db:.2f} dB / SSIM {step.ssim:.4f}, {verdict}"


def search_bound(layers: int) -> int:
    """The most graphs ``search_keep_fp`` quantizes for ``layers`` quantizable layers: the ranking's,
    ceil(log2 n) bisection steps, and every layer float when no step passed."""
    return 2 + int(np.ceil(np.log2(max(layers, 1))))


def rank_by_added_error(base: onnx.ModelProto, calibration: CalibrationSet, form: QdqForm, sets: ImageSets,
                        recipe: QuantRecipe | None = None, cache: Path | None = None,
                        ) -> tuple[list[LayerError], dict[str, np.ndarray]]:  # fmt: skip
    """``rank_layers`` of ``base`` quantized whole as ``form`` and ``recipe`` say (ranges cached in ``cache``)."""
    quantized = form.quantize(base, calibration.batches, cache, [], recipe)
    return rank_layers(base, quantized, quantizable_layers(base), sets)


def search_keep_fp(
    base: onnx.ModelProto,
    calibration: CalibrationSet,
    form: QdqForm,
    sets: ImageSets,
    gate: Gate,
    recipe: QuantRecipe | None = None,
    log: Callable[[str], None] = lambda _: None,
    bar: Callable[[int], Bar] = lambda _: _NoBar(),
    cache: Path | None = None,
) -> Search:
    """Rank the quantizable layers of ``base`` by the error they add (one quantized graph), then bisect for the
    fewest of the worst that, kept in float, make the quantized graph's images meet ``gate`` on every set of
    ``sets`` (name -> inputs, FP32 reference). ``log``: one line per step; ``bar(n)``: a progress bar over the
    at most n graphs quantized; ``cache``: where the calibration ranges are cached (default: a temporary
    folder)."""
    start = time.perf_counter()
    progress = bar(search_bound(len(quantizable_layers(base))))
    try:
        with tempfile.TemporaryDirectory(prefix="ugatit-keepfp-") as folder:
            cache = cache or Path(folder)
            ranking, outputs = rank_by_added_error(base, calibration, form, sets, recipe, cache)
            progress.update(1)
            ranked = [e.layer for e in ranking]
            log(f"    ranked {len(ranked)} layers by the error each adds in one quantized graph, worst first: "
                + ", ".join(ranked[:5]) + (", ..." if len(ranked) > 5 else ""))  # fmt: skip

            def measure(count: int) -> Step:
                quantized = form.quantize(base, calibration.batches, cache, ranked[:count], recipe)
                session = ort_session(quantized)
                step = judge({name: session.run(["output"], {"input": inputs})[0]
                              for name, (inputs, _) in sets.items()}, sets, gate, count)  # fmt: skip
                progress.update(1)
                log(f"    {_describe(step)}")
                return step

            first = judge(outputs, sets, gate, 0)
            log(f"    {_describe(first)}")
            try:
                count, steps = bisect_fewest(len(ranked), measure, first)
            except ExportError as error:
                raise ExportError(f"{form.name}: no INT8 graph meets {gate.describe()}: {error}") from None
    finally:
        progress.close()
    return Search(ranking, steps, ranked[:count], round(time.perf_counter() - start, 1))

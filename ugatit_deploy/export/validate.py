"""Export-time validation, as Hugging Face Optimum does: check the graph, then run it and compare."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import onnx
import onnx.checker
import torch

from ..core.errors import ExportError
from ..core.gates import Gate
from ..core.metadata import ValidationReport
from ..core.onnx_contract import INPUT_NAME
from ..core.optional import onnxruntime, ort_session  # noqa: F401 - export's callers take it from here
from ..core.parity import ImageParity, image_parity, relative_max_error
from ..model import ResnetGenerator
from .reuse import graph_runs, torch_outputs
from .tensorrt_ops import TENSORRT_VERSION_OF_LIST, nonzero_zero_points, unsupported_ops

OUTPUTS_INDEX = {"output": 0, "cam_logit": 1, "heatmap": 2}


def check_graph(model: onnx.ModelProto, require_symmetric: bool = False) -> None:
    """onnx.checker (full), TensorRT operator support, and zero points for TensorRT-style QDQ."""
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise ExportError(f"exported graph fails onnx.checker: {str(exc).splitlines()[0]}") from None
    bad = unsupported_ops(model)
    if bad:
        raise ExportError(f"graph uses ops TensorRT {TENSORRT_VERSION_OF_LIST} cannot parse: {', '.join(bad)}")
    if require_symmetric and (nodes := nonzero_zero_points(model)):
        raise ExportError(f"TensorRT needs zero points of 0; {len(nodes)} Q/DQ nodes have others, e.g. {nodes[0]}")


def _cases(images: torch.Tensor, dynamic_batch: bool, light: bool) -> list[tuple[str, torch.Tensor]]:
    """Batches that cover every image: 1, then 3, then the rest (one at a time for static batch),
    plus a non-square size that is not the export size for light models."""
    if not dynamic_batch:
        cases = [(f"image {i}", images[i : i + 1]) for i in range(len(images))]
    else:
        cases = [("batch 1", images[:1]), ("batch 3", images[1:4])]
        if len(images) > 4:
            cases.append((f"batch {len(images) - 4}", images[4:]))
    if light:
        size = images.shape[-1]
        other = (size // 4 * 3, size // 4 * 5)
        resized = torch.nn.functional.interpolate(images[:2], size=other, mode="bilinear", align_corners=False)
        cases.append((f"{other[0]}x{other[1]}", resized if dynamic_batch else resized[:1]))
    return cases


def _compare(session, generator: ResnetGenerator, batch: torch.Tensor, output_names: tuple[str, ...]) -> ImageParity:
    expected = torch_outputs(generator, batch)  # once per image, whichever forms are validated on it
    got = session.run(list(output_names), {INPUT_NAME: batch.numpy()})
    parity = image_parity(expected[0], got[0])
    for name, value in zip(output_names[1:], got[1:], strict=True):
        parity = parity.with_aux(name, relative_max_error(expected[OUTPUTS_INDEX[name]], value))
    return parity


def validate_against_torch(
    model: onnx.ModelProto,
    generator: ResnetGenerator,
    precision: str,
    gate: Gate,
    dynamic_batch: bool,
    output_names: tuple[str, ...],
    images: torch.Tensor,
    report_only: dict[str, torch.Tensor] | None = None,
    session: Any = None,
    other_size: bool = True,
) -> ValidationReport:
    """Run the graph on ONNX Runtime CPU and compare with the PyTorch FP32 generator on ``images``
    (N x 3 x S x S, N >= 4) in batches of 1, 3 and the rest, plus another size for light models (unless
    ``other_size`` is False: a graph of fixed size).

    Raises ExportError when ``gate`` fails: what was measured, the thresholds, and the ``--gate`` value
    that would accept these figures. Returns the report; ``report_only`` image sets are measured and
    recorded but not gated. ``session`` runs something else than the graph on ONNX Runtime (an MNN file
    converted from it): anything with ONNX Runtime's ``run(names, feeds)``.
    """
    session = session if session is not None else graph_runs(model)
    cases = {label: _compare(session, generator, batch, output_names)
             for label, batch in _cases(images, dynamic_batch, generator.light and other_size)}  # fmt: skip
    failures = [failure for label, parity in cases.items() for failure in gate.failures(parity, label)]
    measured = {label: _compare(session, generator, batch if dynamic_batch else batch[:1], output_names)
                for label, batch in (report_only or {}).items()}  # fmt: skip
    if failures:
        raise ExportError(
            f"{precision} failed validation against PyTorch FP32 (gate {gate.spec(precision)}): {'; '.join(failures)}."
            f" Nothing written for {precision}. {_how_to_move(gate, list(cases.values()), precision)}"
        )
    return ValidationReport(precision, gate.describe(), cases, measured, passed=True)


def _how_to_move(gate: Gate, cases: list[ImageParity], precision: str) -> str:
    """The ``--gate`` value that accepts the measured figures (NaN/Inf cannot be accepted)."""
    if any(parity.nonfinite for parity in cases):
        return "NaN/Inf outputs fail at any gate."
    moved = {}
    worst_abs = max(parity.max_abs for parity in cases)
    worst_psnr = min(parity.psnr_db for parity in cases)
    worst_ssim = min(parity.ssim if parity.ssim is not None else 1.0 for parity in cases)
    worst_aux = max((error for parity in cases for error in parity.aux.values()), default=0.0)
    if gate.max_abs is not None and worst_abs > gate.max_abs:
        moved["maxabs"] = f"{_round_up(worst_abs):.2g}"
    if gate.min_psnr_db is not None and worst_psnr < gate.min_psnr_db:
        moved["psnr"] = f"{math.floor(worst_psnr * 10) / 10:g}"
    if gate.min_ssim is not None and worst_ssim < gate.min_ssim:
        moved["ssim"] = f"{math.floor(worst_ssim * 1e4) / 1e4:g}"
    if gate.max_aux_error is not None and worst_aux > gate.max_aux_error:
        moved["aux"] = f"{_round_up(worst_aux):.2g}"
    spec = "+".join(f"{metric}={value}" for metric, value in moved.items())
    return f"To accept these figures: --gate {precision}:{spec}"


def _round_up(value: float) -> float:
    """``value`` rounded up to two significant digits (so the suggested bound still admits it)."""
    scale = 10 ** (math.floor(math.log10(value)) - 1) if value > 0 else 1.0
    return math.ceil(value / scale) * scale


def extreme_inputs(size: int, batch: int = 1) -> dict[str, np.ndarray]:
    """Inputs at the edges of [-1, 1]: all -1, all +1, and a +/-1 checkerboard."""
    ys, xs = np.indices((size, size))
    board = np.where((ys // 4 + xs // 4) % 2 == 0, 1.0, -1.0).astype(np.float32)
    return {
        "all -1": np.full((batch, 3, size, size), -1.0, np.float32),
        "all +1": np.full((batch, 3, size, size), 1.0, np.float32),
        "checkerboard": np.broadcast_to(board, (batch, 3, size, size)).copy(),
    }

"""Export-time validation, as Hugging Face Optimum does: check the graph, then run it and compare."""

from __future__ import annotations

import numpy as np
import onnx
import onnx.checker
import torch

from ..model import ResnetGenerator
from ..optional import onnxruntime
from ..parity import GATES, image_parity, relative_max_error
from .onnx_graph import INPUT_NAME, ExportError
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


def ort_session(model: onnx.ModelProto, threads: int | None = None):
    ort = onnxruntime()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


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


def _compare(session, generator: ResnetGenerator, batch: torch.Tensor, output_names: tuple[str, ...]) -> dict:
    with torch.no_grad():
        expected = [t.numpy() for t in generator(batch)]
    got = session.run(list(output_names), {INPUT_NAME: batch.numpy()})
    stats = image_parity(expected[0], got[0])
    for name, value in zip(output_names[1:], got[1:], strict=True):
        stats[f"{name}_rel_max"] = relative_max_error(expected[OUTPUTS_INDEX[name]], value)
    return stats


def validate_against_torch(
    model: onnx.ModelProto,
    generator: ResnetGenerator,
    precision: str,
    dynamic_batch: bool,
    output_names: tuple[str, ...],
    images: torch.Tensor,
    report_only: dict[str, torch.Tensor] | None = None,
) -> dict:
    """Run the graph on ONNX Runtime CPU and compare with the PyTorch FP32 generator on ``images``
    (N x 3 x S x S, N >= 4) in batches of 1, 3 and the rest, plus another size for light models.

    Raises ExportError with the figures when the precision's gate fails; returns the report.
    ``report_only`` image sets are measured and recorded but not gated.
    """
    gate = GATES[precision]
    session = ort_session(model)
    report: dict = {"precision": precision, "cases": {}, "report_only": {}}
    failures = []
    for label, batch in _cases(images, dynamic_batch, generator.light):
        stats = _compare(session, generator, batch, output_names)
        report["cases"][label] = stats
        failures += gate.failures(stats, label)
    for label, batch in (report_only or {}).items():
        chosen = batch if dynamic_batch else batch[:1]
        report["report_only"][label] = _compare(session, generator, chosen, output_names)
    report["passed"] = not failures
    if failures:
        raise ExportError(f"{precision} export failed validation against PyTorch FP32: {'; '.join(failures)}")
    return report


def extreme_inputs(size: int, batch: int = 1) -> dict[str, np.ndarray]:
    """Inputs at the edges of [-1, 1]: all -1, all +1, and a +/-1 checkerboard."""
    ys, xs = np.indices((size, size))
    board = np.where((ys // 4 + xs // 4) % 2 == 0, 1.0, -1.0).astype(np.float32)
    return {
        "all -1": np.full((batch, 3, size, size), -1.0, np.float32),
        "all +1": np.full((batch, 3, size, size), 1.0, np.float32),
        "checkerboard": np.broadcast_to(board, (batch, 3, size, size)).copy(),
    }

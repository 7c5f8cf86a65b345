"""torch -> ONNX for the U-GAT-IT generator: graph I/O, dynamic axes, the AdaILN pattern, inlining."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass

import onnx
import torch
from torch import nn
from torch.export import Dim

from ..core.errors import ExportError
from ..core.onnx_contract import INPUT_NAME, NORM_DOMAIN, NORM_DOMAIN_VERSION, OUTPUT_NAMES, dim_names, inline_norms
from ..model import ResnetGenerator
from .adailn_pattern import function_protos, with_norm_nodes

MIN_OPSET = 17  # LayerNormalization
MAX_BATCH = 4096
MIN_SIDE, MAX_SIDE = 8, 8192  # reflection padding needs a bottleneck of at least 2 x 2


@dataclass(frozen=True)
class GraphOptions:
    outputs: str = "image"  # "image": output only; "all": output, cam_logit, heatmap
    dynamic_batch: bool = True
    opset: int = 18
    adailn: str = "function"  # "function": ugatit.AdaILN / ugatit.ILN nodes; "inline": bodies in place

    def __post_init__(self) -> None:
        if self.outputs not in ("image", "all"):
            raise ExportError(f"--outputs must be image or all, got {self.outputs!r}")
        if self.adailn not in ("function", "inline"):
            raise ExportError(f"--adailn must be function or inline, got {self.adailn!r}")
        if not MIN_OPSET <= self.opset <= onnx.defs.onnx_opset_version():
            raise ExportError(
                f"--opset must be between {MIN_OPSET} (LayerNormalization) and "
                f"{onnx.defs.onnx_opset_version()}, got {self.opset}"
            )

    @property
    def output_names(self) -> tuple[str, ...]:
        return OUTPUT_NAMES if self.outputs == "all" else OUTPUT_NAMES[:1]


class _GraphOutputs(nn.Module):
    def __init__(self, generator: nn.Module, everything: bool) -> None:
        super().__init__()
        self.generator = generator
        self.everything = everything

    def forward(self, x: torch.Tensor):
        image, cam_logit, heatmap = self.generator(x)
        return (image, cam_logit, heatmap) if self.everything else image


def _set_dims(value: onnx.ValueInfoProto, dims: list) -> None:
    shape = value.type.tensor_type.shape
    for proto, dim in zip(shape.dim, dims, strict=True):
        proto.Clear()
        if isinstance(dim, str):
            proto.dim_param = dim
        else:
            proto.dim_value = dim


@contextlib.contextmanager
def _quiet():
    """torch.onnx prints progress, warnings and a torchvision notice; keep the CLI output clean."""
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def export_graph(generator: ResnetGenerator, options: GraphOptions) -> onnx.ModelProto:
    """The FP32 ONNX graph of a generator, with ``ugatit`` norm nodes (inlined in ``inline`` mode)."""
    size = generator.img_size
    module = _GraphOutputs(with_norm_nodes(generator), options.outputs == "all").eval()
    example = torch.zeros(2 if options.dynamic_batch else 1, 3, size, size)
    axes: dict[int, object] = {}
    if options.dynamic_batch:
        axes[0] = Dim("batch", min=1, max=MAX_BATCH)
    if generator.light:
        axes[2] = 4 * Dim("h4", min=MIN_SIDE // 4, max=MAX_SIDE // 4)
        axes[3] = 4 * Dim("w4", min=MIN_SIDE // 4, max=MAX_SIDE // 4)
    with _quiet(), torch.no_grad():
        program = torch.onnx.export(
            module,
            (example,),
            dynamo=True,
            input_names=[INPUT_NAME],
            output_names=list(options.output_names),
            dynamic_shapes={"x": axes} if axes else None,
            opset_version=options.opset,
            verbose=False,
        )
    model = program.model_proto
    model.functions.extend(function_protos(options.opset, unbiased=generator.variant != "tensorflow"))
    if not any(op.domain == NORM_DOMAIN for op in model.opset_import):
        model.opset_import.append(onnx.helper.make_opsetid(NORM_DOMAIN, NORM_DOMAIN_VERSION))
    dims = dim_names(generator.light, options.dynamic_batch, size)
    for value in list(model.graph.input) + list(model.graph.output):
        _set_dims(value, dims[value.name])
    model.producer_name = "ugatit-deploy"
    return inline_norms(model) if options.adailn == "inline" else model

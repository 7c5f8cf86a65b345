"""``export --format ncnn``: the validated ONNX graph, in the form pnnx converts correctly
(``ncnn_graph``), through ncnn's converter; the ncnn model itself validated against PyTorch before it is
written (no half files), as ``.ncnn.param`` + ``.ncnn.bin`` with a sidecar of the project's schema
(``kind: "ncnn"``, the weights file's hash under ``weights``). ``int8-cpu`` is the fp32 model with ncnn's
INT8 scales (``ncnn_int8``)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from ..fileio import atomic_output, file_sha256
from ..metadata import describe_file, write_sidecar
from ..ncnn_runtime import BIN_SUFFIX, PARAM_SUFFIX, NcnnSession, convert_onnx
from .ncnn_graph import ncnn_graph
from .ncnn_int8 import quantize_files


def weights_path(param: Path) -> Path:
    """The ``.ncnn.bin`` beside a ``.ncnn.param``."""
    return param.with_name(param.name.removesuffix(PARAM_SUFFIX) + BIN_SUFFIX)


@dataclass(frozen=True)
class NcnnInt8:
    """What ``int8-cpu`` needs: the ONNX layer names of the convolutions (``int8.conv_layers``), those
    that stay float, and the calibration images (1 x 3 x S x S each)."""

    layers: dict[str, str]
    float_layers: set[str]
    images: Sequence[np.ndarray]


def write_ncnn(model: onnx.ModelProto, path: Path, record: dict[str, Any], size: int,
               validate: Callable[..., dict[str, Any]], int8: NcnnInt8 | None = None) -> dict[str, Any]:  # fmt: skip
    """Rewrite, convert, quantize (``int8``: ``ncnn_int8``, from the fp32 ``model``), validate
    (``validate(session=...)`` raises ExportError when the gate fails), write the weights then the param
    file (the artifact) and the sidecar; return the validation report."""
    with tempfile.TemporaryDirectory(prefix="ugatit_ncnn_", ignore_cleanup_errors=True) as tmp:
        source = Path(tmp) / "model.onnx"
        onnx.save(ncnn_graph(model), str(source))
        convert_onnx(source, Path(tmp) / "model", (size, size))  # the graph runs at any size afterwards
        param, weights = Path(tmp) / f"model{PARAM_SUFFIX}", Path(tmp) / f"model{BIN_SUFFIX}"
        if int8 is not None:
            quantize_files(param, weights, model, int8.layers, int8.float_layers, int8.images, Path(tmp) / "int8")
            param, weights = Path(tmp) / f"int8{PARAM_SUFFIX}", Path(tmp) / f"int8{BIN_SUFFIX}"
        report = validate(session=NcnnSession(param, weights))
        target_weights = weights_path(path)
        with atomic_output(target_weights) as handle:
            handle.write(weights.read_bytes())
        with atomic_output(path) as handle:
            handle.write(param.read_bytes())
    extra = {"kind": "ncnn", "validation": report, "converter": f"pnnx {metadata.version('pnnx')}",
             "weights": {"file": target_weights.name, "sha256": file_sha256(target_weights),
                         "size_bytes": target_weights.stat().st_size}}  # fmt: skip
    write_sidecar(describe_file({**record, **extra}, path), path)
    return report

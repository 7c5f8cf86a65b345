"""``export --format ncnn``: the validated ONNX graph, in the form pnnx converts correctly
(``ncnn_graph``), through ncnn's converter; the ncnn model itself validated against PyTorch before it is
written (no half files), as ``.ncnn.param`` + ``.ncnn.bin`` with a sidecar of the project's schema
(``kind: "ncnn"``, the weights file's hash under ``weights``)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import onnx

from ..fileio import atomic_output, file_sha256
from ..metadata import describe_file, write_sidecar
from ..ncnn_runtime import BIN_SUFFIX, PARAM_SUFFIX, NcnnSession, convert_onnx
from .ncnn_graph import ncnn_graph


def weights_path(param: Path) -> Path:
    """The ``.ncnn.bin`` beside a ``.ncnn.param``."""
    return param.with_name(param.name.removesuffix(PARAM_SUFFIX) + BIN_SUFFIX)


def write_ncnn(model: onnx.ModelProto, path: Path, record: dict[str, Any], size: int,
               validate: Callable[..., dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """Rewrite, convert, validate (``validate(session=...)`` raises ExportError when the gate fails), write
    the weights then the param file (the artifact) and the sidecar; return the validation report."""
    with tempfile.TemporaryDirectory(prefix="ugatit_ncnn_", ignore_cleanup_errors=True) as tmp:
        source = Path(tmp) / "model.onnx"
        onnx.save(ncnn_graph(model), str(source))
        convert_onnx(source, Path(tmp) / "model", (size, size))  # the graph runs at any size afterwards
        param, weights = Path(tmp) / f"model{PARAM_SUFFIX}", Path(tmp) / f"model{BIN_SUFFIX}"
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

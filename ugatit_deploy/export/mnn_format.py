"""``export --format mnn``: the validated ONNX graph through MNN's own converter, then the ``.mnn`` file
itself validated against PyTorch before it is written (no half files), with a sidecar of the project's
schema (``kind: "mnn"``)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import onnx

from ..fileio import atomic_output
from ..metadata import describe_file, write_sidecar
from ..mnn_runtime import MnnSession, convert_onnx, temporary_dir
from ..onnx_contract import inline_norms


def write_mnn(model: onnx.ModelProto, path: Path, record: dict[str, Any], output_names: tuple[str, ...],
              validate: Callable[..., dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """Convert, validate (``validate(session=...)`` raises ExportError when the gate fails), write; return
    the validation report."""
    with temporary_dir() as tmp:
        source = Path(tmp) / "model.onnx"
        onnx.save(inline_norms(model) if model.functions else model, str(source))  # MNN reads no local functions
        converted = Path(tmp) / path.name
        convert_onnx(source, converted)
        report = validate(session=MnnSession(converted, list(output_names)))
        with atomic_output(path) as handle:
            handle.write(converted.read_bytes())
    version = metadata.version("mnn")
    write_sidecar(describe_file({**record, "kind": "mnn", "validation": report, "converter": f"MNN {version}"}, path),
                  path)  # fmt: skip
    return report

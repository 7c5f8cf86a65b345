"""MNN's runtime and converter, as export (validation) and the ``mnn-cpu`` runner both use them.

Only MNN's C extensions are called: the ``MNN.tools`` Python wrappers of its command-line tools install
a logging package with pip and send usage reports when imported, which a library must never do.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import UgatitDeployError
from ..core.optional import _quiet_stdout, mnn

# MNN's CPU precision modes: "high" keeps float32 arithmetic; "low" lets it use fp16/bf16 where the CPU has them.
PRECISION_MODES = ("high", "low")


class MnnError(UgatitDeployError):
    """An MNN model that cannot be converted, read or run."""


def convert_onnx(onnx_path: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """ONNX file -> MNN model file with MNN's own converter (``MNNConvert -f ONNX``)."""
    mnn()  # a clear message when it is missing
    with _quiet_stdout():
        import _tools  # MNN's converter extension, shipped beside MNN in its wheel

    args = ["mnnconvert", "-f", "ONNX", "--modelFile", str(onnx_path), "--MNNModel", str(target),
            "--bizCode", "ugatit-deploy"]  # fmt: skip
    with _quiet_stdout():
        status = _tools.mnnconvert(args)
    if status is False or not Path(target).is_file() or Path(target).stat().st_size == 0:
        raise MnnError(f"MNN's converter could not convert {Path(onnx_path).name} (status {status})")


class MnnModule:
    """One loaded MNN model: ``run(images) -> {output name: array}`` on NCHW float32 batches."""

    def __init__(self, path: str | os.PathLike[str], outputs: list[str], threads: int | None = None,
                 precision: str = "high") -> None:  # fmt: skip
        if precision not in PRECISION_MODES:
            raise MnnError(f"MNN precision must be one of {', '.join(PRECISION_MODES)}, got {precision!r}")
        engine = mnn()
        self.outputs = outputs
        config = {"backend": "CPU", "precision": precision, "numThread": int(threads or os.cpu_count() or 1)}
        try:
            with _quiet_stdout():
                runtime = engine.nn.create_runtime_manager((config,))
                self.module = engine.nn.load_module_from_file(str(path), ["input"], outputs,
                                                              runtime_manager=runtime, shape_mutable=True)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - MNN raises its own and plain exception types
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise MnnError(f"MNN cannot read {Path(path).name}: {reason}") from None
        if self.module is None:
            raise MnnError(f"MNN cannot read {Path(path).name}: not a valid MNN model")
        self._expr = engine.expr

    def stage(self, images: np.ndarray) -> Any:
        array = np.ascontiguousarray(images, dtype=np.float32)
        return self._expr.const(array, list(array.shape), self._expr.NCHW)

    def forward(self, staged: Any) -> list[Any]:
        try:
            with _quiet_stdout():
                results = self.module.forward([staged])
        except Exception as exc:  # noqa: BLE001 - MNN raises its own and plain exception types
            raise MnnError(f"MNN cannot run the model: {str(exc).splitlines()[0] if str(exc) else exc}") from None
        if (
            not isinstance(results, list | tuple)
            or len(results) != len(self.outputs)
            or any(r is None for r in results)
        ):
            raise MnnError(f"MNN's model gave {len(results) if results else 'no'} outputs, not the "
                           f"{len(self.outputs)} its sidecar names: the file is not this model")  # fmt: skip
        return list(results)

    def fetch(self, value: Any) -> np.ndarray:
        try:
            return np.array(self._expr.convert(value, self._expr.NCHW).read(), dtype=np.float32, copy=True)
        except Exception as exc:  # noqa: BLE001 - MNN raises its own and plain exception types
            raise MnnError(f"MNN cannot read an output: {str(exc).splitlines()[0] if str(exc) else exc}") from None

    def run(self, images: np.ndarray) -> dict[str, np.ndarray]:
        results = self.forward(self.stage(images))
        return {name: self.fetch(value) for name, value in zip(self.outputs, results, strict=True)}


class MnnSession:
    """An ONNX-Runtime-like ``run(names, feeds)`` over an MNN model, for export validation."""

    def __init__(self, path: str | os.PathLike[str], outputs: list[str]) -> None:
        self.module = MnnModule(path, outputs)

    def run(self, names: list[str] | None, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        results = self.module.run(next(iter(feeds.values())))
        return [results[name] for name in (names or self.module.outputs)]


def temporary_dir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="ugatit_mnn_", ignore_cleanup_errors=True)

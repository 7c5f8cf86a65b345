"""ncnn's converter (pnnx) and runtime, as export (validation) and the ``ncnn-cpu`` runner both use them.

pnnx is run with ``fp16=0``: its default stores the weights in fp16 (4e-3 to 6e-3 max abs error on our
models, measured). ncnn's fp16 and bf16 options are off: on x86 they only change storage (no fp16
arithmetic), measured no faster here, and cost 3e-3 (fp16) to 3e-2 (bf16) max abs. ncnn runs one
C x H x W image per extraction, so batches run image by image.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ..core.errors import UgatitDeployError
from ..core.optional import ncnn, pnnx

INPUT_BLOB, OUTPUT_BLOB = "in0", "out0"
PARAM_SUFFIX, BIN_SUFFIX = ".ncnn.param", ".ncnn.bin"


class NcnnError(UgatitDeployError):
    """An ncnn model that cannot be converted, read or run."""


def pnnx_executable() -> Path:
    """pnnx's converter binary, shipped inside its wheel."""
    return Path(pnnx().EXEC_PATH)


def convert_onnx(onnx_path: str | os.PathLike[str], target: str | os.PathLike[str], size: tuple[int, int]) -> None:
    """ONNX file -> ``<target>.ncnn.param`` + ``<target>.ncnn.bin`` with pnnx (its work files stay beside the
    ONNX, in its folder)."""
    source = Path(onnx_path)
    height, width = size
    done = subprocess.run([str(pnnx_executable()), source.name, f"inputshape=[1,3,{height},{width}]", "fp16=0"],
                          cwd=source.parent, capture_output=True, text=True)  # fmt: skip
    param, weights = source.with_suffix(PARAM_SUFFIX), source.with_suffix(BIN_SUFFIX)
    if done.returncode != 0 or not param.is_file() or not weights.is_file():
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        raise NcnnError(f"pnnx could not convert {source.name}: {lines[-1] if lines else f'exit {done.returncode}'}")
    shutil.move(param, f"{target}{PARAM_SUFFIX}")
    shutil.move(weights, f"{target}{BIN_SUFFIX}")


class NcnnNet:
    """One loaded ncnn model: ``run(images)`` on NCHW float32 batches (image by image)."""

    def __init__(
        self,
        param: str | os.PathLike[str],
        weights: str | os.PathLike[str],
        threads: int | None = None,
        keep_blobs: bool = False,
    ) -> None:
        module = ncnn()
        self.net = module.Net()
        options = self.net.opt
        options.num_threads = int(threads or os.cpu_count() or 1)
        options.lightmode = not keep_blobs  # light mode frees intermediate blobs as soon as they are used
        for flag in ("use_fp16_storage", "use_fp16_packed", "use_fp16_arithmetic", "use_bf16_storage"):
            setattr(options, flag, False)
        if self.net.load_param(str(param)) != 0 or self.net.load_model(str(weights)) != 0:
            raise NcnnError(f"ncnn cannot read {Path(param).name} / {Path(weights).name}")
        self._mat = module.Mat

    def run(self, images: np.ndarray) -> np.ndarray:
        return np.stack([self.blobs(image, [OUTPUT_BLOB])[OUTPUT_BLOB] for image in images])

    def blobs(self, image: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        """Intermediate blobs of one C x H x W image, by ncnn blob name (load with ``keep_blobs``)."""
        data = np.ascontiguousarray(image, dtype=np.float32)  # alive until extraction ends: ncnn reads it then
        extractor = self.net.create_extractor()
        extractor.input(INPUT_BLOB, self._mat(data))
        found = {}
        for name in names:
            status, value = extractor.extract(name)
            if status != 0:
                raise NcnnError(f"ncnn failed to run the model (status {status}, blob {name})")
            found[name] = np.array(value, dtype=np.float32, copy=True)
        return found


class NcnnSession:
    """An ONNX-Runtime-like ``run(names, feeds)`` over an ncnn model (image output only), for validation."""

    def __init__(self, param: str | os.PathLike[str], weights: str | os.PathLike[str]) -> None:
        self.net = NcnnNet(param, weights)

    def run(self, names: list[str] | None, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        return [self.net.run(next(iter(feeds.values())))]

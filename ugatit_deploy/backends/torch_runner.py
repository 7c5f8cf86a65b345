"""PyTorch eager runner: the reference implementation, on CPU or CUDA, with the usual GPU speed-ups."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..checkpoint import open_generator
from ..core.limits import Limits
from ..core.metadata import preprocessing_for
from ..core.optional import cuda_unavailable_reason
from ..forms import REFERENCE_FORM, join_hints
from .base import Availability, Backend, BackendError, BackendInfo

AUTOCAST = {"fp32": None, "fp16": torch.float16}  # the ``precision`` option: autocast dtype (None: plain FP32)

class TorchBackend(Backend):
    """``load_generator`` + forward. CUDA options: fp16 autocast, channels_last, CUDA graphs.

    FP32 on CUDA runs with TF32 disabled, so it stays comparable with the CPU reference.
    """

    def __init__(self, checkpoint: str | os.PathLike[str], device: str = "cpu", precision: str = "fp32",
                 direction: str = "a2b", channels_last: bool = False, cuda_graphs: bool = False,
                 threads: int | None = None) -> None:  # fmt: skip
        if device not in ("cpu", "cuda"):
            raise BackendError(f"torch device must be cpu or cuda, got {device!r}")
        if precision not in AUTOCAST:
            raise BackendError(f"the torch backend runs fp32 or fp16 (autocast), not {precision!r}")
        self.checkpoint = Path(checkpoint)
        if not self.checkpoint.exists():  # a file, or an official TensorFlow checkpoint's folder
            raise BackendError(f"checkpoint not found: {self.checkpoint}")
        self.device, self.direction, self.threads = device, direction, threads
        options = {"channels_last": channels_last, "cuda_graphs": cuda_graphs}
        self.autocast = AUTOCAST[precision]
        self.info = BackendInfo(f"torch-{device}", REFERENCE_FORM, self.checkpoint, options,
                                compute=join_hints([precision] if self.autocast else []))  # fmt: skip
        self.model: torch.nn.Module | None = None
        self._graphs: dict[tuple[int, ...], tuple[torch.cuda.CUDAGraph, torch.Tensor, torch.Tensor]] = {}
        self._caller_threads: int | None = None

    def availability(self) -> Availability:
        if self.device == "cuda" and (reason := cuda_unavailable_reason()):
            return Availability.no(reason)
        if self.device == "cpu":
            if self.autocast is not None:
                return Availability.no("fp16 autocast is a CUDA mode; on CPU use fp32 (or an ONNX INT8 variant)")
            if self.info.options["cuda_graphs"]:
                return Availability.no("CUDA graphs need a CUDA device")
        return Availability.yes()

    def load(self) -> None:
        self.require_available()
        if self.threads:  # torch's thread count is process-wide: hold it only while this runner is loaded
            if self._caller_threads is None:  # a second load() before close() keeps the caller's count
                self._caller_threads = torch.get_num_threads()
            torch.set_num_threads(self.threads)
        info, model = open_generator(self.checkpoint, self.direction, self.device)
        self.config = info.config_for(self.direction)
        Limits.current().check_model_size(self.config.img_size, f"{Path(self.checkpoint).name}: img_size")
        if self.info.options["channels_last"]:
            model = model.to(memory_format=torch.channels_last)
        self.model = model
        if self.device == "cuda":
            torch.cuda.reset_peak_memory_stats()

    def accepts(self, shape: tuple[int, ...]) -> str | None:
        size = self.config.img_size
        if not self.config.light and tuple(shape[2:]) != (size, size):
            return f"a full (non-light) model only takes {size}x{size}"
        return None

    @contextlib.contextmanager
    def _numerics(self):
        with contextlib.ExitStack() as stack:
            stack.enter_context(torch.inference_mode())
            if self.device == "cuda":
                tf32 = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
                torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
                stack.callback(self._restore_tf32, *tf32)
                if self.autocast is not None:
                    stack.enter_context(torch.autocast("cuda", dtype=self.autocast))
            yield

    @staticmethod
    def _restore_tf32(cudnn: bool, matmul: bool) -> None:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = cudnn, matmul

    def stage(self, images: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).to(self.device)
        return x.contiguous(memory_format=torch.channels_last) if self.info.options["channels_last"] else x

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        assert self.model is not None, "call load() first"
        return self.model(x)[0]

    def _graph_for(self, x: torch.Tensor) -> tuple[Any, torch.Tensor, torch.Tensor]:
        """Capture one CUDA graph per input shape (warm-up on a side stream first, as PyTorch requires)."""
        key = tuple(x.shape)
        if key not in self._graphs:
            static_input = x.clone()
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side), self._numerics():
                for _ in range(3):
                    self._forward(static_input)
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph), self._numerics():
                static_output = self._forward(static_input)
            self._graphs[key] = (graph, static_input, static_output)
        return self._graphs[key]

    def execute(self, staged: torch.Tensor) -> torch.Tensor:
        if self.info.options["cuda_graphs"] and self.device == "cuda":
            graph, static_input, static_output = self._graph_for(staged)
            static_input.copy_(staged)
            graph.replay()
            return static_output  # overwritten by the next replay: fetch before executing again
        with self._numerics():
            return self._forward(staged)

    def run_outputs(self, images: np.ndarray) -> dict[str, np.ndarray]:
        assert self.model is not None, "call load() first"
        with self._numerics():
            out, cam_logit, heatmap = self.model(self.stage(images))
        return {"output": self.fetch(out), "cam_logit": self.fetch(cam_logit), "heatmap": self.fetch(heatmap)}

    @property
    def img_size(self) -> int:
        return self.config.img_size

    @property
    def light(self) -> bool:
        return self.config.light

    @property
    def resize_method(self) -> str:
        return preprocessing_for(self.config.variant).resize_method

    def fetch(self, result: torch.Tensor) -> np.ndarray:
        return result.float().cpu().numpy()

    def synchronize(self) -> None:
        if self.device == "cuda":
            torch.cuda.synchronize()

    def device_memory_bytes(self) -> int | None:
        return int(torch.cuda.max_memory_allocated()) if self.device == "cuda" else None

    def close(self) -> None:
        self.model = None
        self._graphs.clear()
        if self._caller_threads is not None:
            torch.set_num_threads(self._caller_threads)
            self._caller_threads = None

"""What one process makes once when it exports several forms of one checkpoint: ``bench``, the main job and the CPU
fast path export form by form (each its own cache entry), and every form starts from the same generator, the
same FP32 graph and PyTorch's outputs on the same images.

Kept by content (the checkpoint's SHA-256, the direction, the graph options; a batch's bytes), a few entries at a
time; a graph is handed out as a fresh copy, so no export sees another's changes.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from typing import Any

import numpy as np
import onnx
import torch

from ..checkpoint import CheckpointInfo, checkpoint_sha256, open_generator
from ..core.memo import kept
from ..core.optional import ort_session
from .onnx_graph import GraphOptions, export_graph

KEEP = 2  # checkpoints (and FP32 graphs) kept: the one being exported and one more

_GENERATORS: OrderedDict[tuple[str, str], tuple[CheckpointInfo, Any]] = OrderedDict()
_GRAPHS: OrderedDict[tuple[str, str, GraphOptions], bytes] = OrderedDict()
_OUTPUTS: weakref.WeakKeyDictionary[torch.nn.Module, dict[str, list[np.ndarray]]] = weakref.WeakKeyDictionary()
_RUNS: OrderedDict[str, dict[str, list[np.ndarray]]] = OrderedDict()


def opened_generator(checkpoint: str, direction: str) -> tuple[CheckpointInfo, Any]:
    """``open_generator`` of this checkpoint's content and direction, read once per process."""
    try:
        digest = checkpoint_sha256(checkpoint)
    except OSError:  # missing or unreadable: open_generator says so in its own words
        return open_generator(checkpoint, direction)
    return kept(_GENERATORS, (digest, direction), lambda: open_generator(checkpoint, direction), KEEP)


def fp32_graph(checkpoint: str, direction: str, generator: torch.nn.Module, options: GraphOptions) -> onnx.ModelProto:
    """A copy of ``export_graph(generator, options)``, exported once per checkpoint content, direction and options
    (``generator`` must be ``opened_generator``'s for them)."""
    key = (checkpoint_sha256(checkpoint), direction, options)
    graph = kept(_GRAPHS, key, lambda: export_graph(generator, options).SerializeToString(), KEEP)
    return onnx.ModelProto.FromString(graph)


class _GraphRuns:
    """ONNX Runtime on one graph, its outputs kept per (names, batch content): a format validating its FP32 graph
    again (ncnn converts the graph ONNX validated) reads them; the session opens at the first new batch."""

    def __init__(self, model: onnx.ModelProto, known: dict[str, list[np.ndarray]]) -> None:
        self._model, self._known, self._session = model, known, None

    def run(self, names: list[str], feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        (value,) = feed.values()
        key = f"{names}-{value.shape}-{hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()}"
        if key not in self._known:
            if self._session is None:
                self._session = ort_session(self._model)
            self._known[key] = self._session.run(names, feed)
        return self._known[key]


def graph_runs(model: onnx.ModelProto) -> _GraphRuns:
    """An ONNX Runtime session's ``run`` on ``model`` whose outputs are kept for the process (the last ``KEEP``
    graphs, by content)."""
    digest = hashlib.sha256(model.SerializeToString()).hexdigest()
    return _GraphRuns(model, kept(_RUNS, digest, dict, KEEP))


def torch_outputs(generator: torch.nn.Module, batch: torch.Tensor) -> list[np.ndarray]:
    """The generator's FP32 outputs on ``batch`` as arrays, each image computed once per generator object and image
    content, whichever batches it comes in (every output of the generator is per image)."""
    known = _OUTPUTS.setdefault(generator, {})
    images = batch.detach().cpu().contiguous()
    keys = [hashlib.sha256(image.numpy().tobytes()).hexdigest() + str(tuple(image.shape)) for image in images]
    # Each new image once, alone: on a CPU a batch of one is faster per image (256 px light generator, 2 cores:
    # 0.90 s against 1.19 s in a batch of 8).
    with torch.no_grad():
        for i in [keys.index(key) for key in dict.fromkeys(keys) if key not in known]:
            known[keys[i]] = [t.numpy() for t in generator(images[i : i + 1])]
    return [np.concatenate([known[key][n] for key in keys]) for n in range(len(known[keys[0]]))]

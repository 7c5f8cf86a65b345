"""Translating files with a runner: the official pre-processing, batching and ``--keep-size``
(``translate``), CAM heatmaps beside the translations (``heatmaps``), faces and videos. Used by
``ugatit-deploy infer`` and the main job; the CPU fast path that picks the runner is the bench's
(``benchmarks.fast_path``)."""

from .translate import InferenceError, InferenceSummary, collect_inputs, translate_files

__all__ = ["InferenceError", "InferenceSummary", "collect_inputs", "translate_files"]

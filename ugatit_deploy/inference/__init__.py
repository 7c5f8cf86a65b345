"""Translating files with a runner: the official pre-processing, batching and ``--keep-size``
(``translate``), CAM heatmaps beside the translations (``heatmaps``), and the CPU fast path that picks the
quickest OpenVINO mode whose images pass (``fast_path``). Used by ``ugatit-deploy infer`` and the main job."""

from .fast_path import FastPath, cpu_fast_path
from .translate import InferenceError, InferenceSummary, collect_inputs, translate_files

__all__ = ["FastPath", "InferenceError", "InferenceSummary", "collect_inputs", "cpu_fast_path", "translate_files"]

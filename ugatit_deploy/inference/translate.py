"""Translate image files with any backend: the official pre-processing, batching, --keep-size, heatmaps.

Used by ``ugatit-deploy infer`` and the main-job demo. Pre/post-processing is ``ugatit_deploy.core.imaging``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from ..backends import Backend
from ..core.errors import UgatitDeployError
from ..core.fileio import atomic_output
from ..core.imaging import ImageReadError, image_to_tensor, is_image_file, read_image, resize, tensor_to_uint8
from ..core.limits import LimitError
from .faces import FacePipeline, ImageFaces
from .heatmaps import heatmap_path, heatmap_picture, run_with_heatmaps
from .video import VideoError, is_video_file, translate_video


class InferenceError(UgatitDeployError):
    """Inputs that cannot be translated as asked."""


@dataclass
class InferenceSummary:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<path>: <reason>"
    faces: list[ImageFaces] = field(default_factory=list)  # with --faces: one record per photo


def _output_name(name: Path) -> Path:
    """A video keeps its container (``clip.mp4`` -> ``clip.mp4``); an image becomes a PNG."""
    return name if is_video_file(name) else name.with_suffix(".png")


def collect_inputs(inputs: Sequence[str | os.PathLike[str]]) -> list[tuple[Path, Path]]:
    """(image or video file, output name relative to --out) for files and folders (recursively, sorted)."""
    found: list[tuple[Path, Path]] = []
    for item in map(Path, inputs):
        if item.is_dir():
            files = sorted(p for p in item.rglob("*") if p.is_file() and (is_image_file(p) or is_video_file(p)))
            found += [(p, _output_name(p.relative_to(item))) for p in files]
        elif item.exists():
            found.append((item, _output_name(Path(item.name))))
        else:
            raise InferenceError(f"input not found: {item}")
    if not found:
        raise InferenceError("no input images (give image or video files, or folders of them)")
    names: set[Path] = set()
    unique = []
    for source, name in found:  # two inputs with the same name: the second gets a numbered suffix
        candidate, index = name, 2
        while candidate in names:
            candidate, index = name.with_name(f"{name.stem}_{index}{name.suffix}"), index + 1
        names.add(candidate)
        unique.append((source, candidate))
    return unique


def _save(array: np.ndarray, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as handle:
        Image.fromarray(array).save(handle, format="PNG")
    return path


def translate_files(
    backend: Backend,
    inputs: Sequence[str | os.PathLike[str]],
    out: Path,
    batch: int = 1,
    keep_size: bool = False,
    heatmap: bool = False,
    resize_method: str = "pil",
    progress: Callable[[Iterable], Iterable] = lambda items: items,
    frame_progress: Callable[[int | None], Any] | None = None,
    faces: FacePipeline | None = None,
) -> InferenceSummary:
    """Translate every input image with a loaded backend into ``out`` (PNG, same relative names), and every
    video frame by frame (``video.translate_video``: same container, rate, size and audio;
    ``frame_progress(total)``: a bar per video). With ``faces``, photos go through the faces pipeline
    (``inference.faces``) instead: translated faces pasted back, or the crops, and a record per photo.
    ``resize_method``: how inputs reach the model size (``imaging.RESIZE_METHODS``; the backend's
    ``resize_method`` is the model's own)."""
    if batch < 1:
        raise InferenceError(f"--batch must be >= 1, got {batch}")
    jobs = collect_inputs(inputs)
    size = backend.img_size
    summary = InferenceSummary()
    pending: list[tuple[Path, Image.Image, tuple[int, int]]] = []

    def flush() -> None:
        if not pending:
            return
        images = [resize(picture, (size, size), resize_method) for _, picture, _ in pending]
        batch_array = torch.stack([image_to_tensor(image) for image in images]).numpy()
        outputs = run_with_heatmaps(backend, batch_array) if heatmap else {"output": backend.run(batch_array)}
        translated = tensor_to_uint8(torch.from_numpy(outputs["output"]))
        for index, (name, picture, original) in enumerate(pending):
            result = translated[index]
            if keep_size and original != (size, size):
                result = np.asarray(Image.fromarray(result).resize(original, Image.BILINEAR))
            summary.written.append(_save(result, out / name))
            if heatmap:
                overlay = heatmap_picture(
                    np.asarray(picture if keep_size else images[index]), outputs["heatmap"][index]
                )
                summary.written.append(_save(overlay, heatmap_path(out / name)))
        pending.clear()

    for source, name in progress(jobs):
        if is_video_file(source):
            if heatmap:
                raise InferenceError(f"--heatmap takes images, not videos ({source.name})")
            try:
                video = translate_video(backend, source, out / name, batch, resize_method, frame_progress, faces)
            except (VideoError, LimitError) as exc:
                summary.skipped.append(str(exc))
            else:
                summary.written.append(video.path)
            continue
        try:
            picture = read_image(source)
        except ImageReadError as exc:
            summary.skipped.append(str(exc))
            continue
        if faces is not None:
            result = faces.process(np.asarray(picture), str(name.with_suffix(source.suffix)))
            summary.written += [_save(image, out / f"{name.with_suffix('')}{suffix}") for suffix, image in
                                result.images.items()]  # fmt: skip
            summary.faces.append(result.record)
            continue
        pending.append((name, picture, picture.size))
        if len(pending) == batch:
            flush()
    flush()
    return summary

"""Exports kept under a key of their inputs (``core.cache``): the checkpoint's SHA-256, the direction, the graph
form, the format, the INT8 options of a calibrated form (its calibration images by content), and the
versions that make it. ``bench``, the main job and the CPU fast path export through here, so a second run
on the same model copies the validated files instead of exporting, calibrating and searching again. An
export that failed is kept too (its message), so a form that cannot be made is not tried on every run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ..checkpoint import checkpoint_sha256
from ..core import cache
from ..core.errors import UgatitDeployError
from ..core.imaging import IMAGE_EXTENSIONS
from ..core.metadata import sidecar_path
from ..formats import ArtifactFormat, read_record
from ..forms import FORMS
from ..forms.transforms.int8_options import Int8Options
from .onnx_graph import ExportError

KIND = "exports"


def _images_digest(folder: Path | None) -> str:
    """The calibration folder by content (names and bytes of its images); "" for the built-in images."""
    if folder is None:
        return ""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def export_key(checkpoint: Path, direction: str, form: str, fmt: ArtifactFormat, int8: Int8Options) -> str:
    """The cache key of one export (the INT8 options count only for a calibrated form)."""
    calibrated = FORMS[form].calibrated
    options = {"int8": int8, "calibration_images": _images_digest(int8.calib)} if calibrated else {}
    return cache.cache_key(checkpoint=checkpoint_sha256(checkpoint), direction=direction, form=form, format=fmt.name,
                           **options)  # fmt: skip


def _files(path: Path, fmt: ArtifactFormat) -> list[Path]:
    return [path, sidecar_path(path), *fmt.companions(path)]


def _intact(path: Path, fmt: ArtifactFormat) -> bool:
    """Whether a cached export is all there and its file still has the hash its record states."""
    try:
        present = all(file.exists() for file in _files(path, fmt))
        return present and read_record(path, fmt).sha256 == fmt.content_sha256(path)
    except (UgatitDeployError, OSError):
        return False


def cached_export(checkpoint: Path, direction: str, form: str, fmt: ArtifactFormat, int8: Int8Options,
                  log: Callable[[str], None]) -> list[Path]:  # fmt: skip
    """The files of one export (artifact, sidecar, companions) from the cache, exporting them there first when
    they are not: ExportError (also a failure kept from an earlier run), UnavailableError as export raises."""
    key = export_key(checkpoint, direction, form, fmt, int8)
    with cache.locked(KIND, key):  # a concurrent run making the same export: wait for it, then reuse it
        return _cached_export(checkpoint, direction, form, fmt, int8, log, key)


def _cached_export(checkpoint: Path, direction: str, form: str, fmt: ArtifactFormat, int8: Int8Options,
                   log: Callable[[str], None], key: str) -> list[Path]:  # fmt: skip
    from .pipeline import export_checkpoint

    folder = cache.entry(KIND, key)
    path = fmt.artifact_path(folder, checkpoint, direction, form)
    if _intact(path, fmt):
        log(f"  {form}: reusing the {fmt.name} export cached for this checkpoint, options and versions ({key})")
        return _files(path, fmt)
    if (failed := cache.read_json(KIND, f"{key}-failed")) is not None:
        log(f"  {form}: the export failed before with these inputs ({key}-failed): not tried again")
        raise ExportError(str(failed))
    try:
        (written,) = export_checkpoint(checkpoint, direction, folder, (form,), int8=int8, log=log, fmt=fmt.name)
    except ExportError as exc:
        cache.write_json(KIND, f"{key}-failed", str(exc), {"checkpoint": checkpoint.name, "form": form})
        raise
    return _files(written, fmt)

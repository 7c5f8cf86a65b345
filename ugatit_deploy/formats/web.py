"""A web bundle (``export --format web``): one folder a static host serves, in which a page translates a photo
with onnxruntime-web, on the visitor's machine (nothing is sent anywhere).

``<ckpt>_<direction>_<precision>.web/`` holds the graph with its norms written out as two-pass means (``web_graph``:
onnxruntime-web's own norm kernels are 15x less exact), validated against PyTorch on ONNX Runtime (``model.onnx``,
the record inside as in every ONNX file); ``manifest.json`` (input, size, pre-processing, limits, and the SHA-256
of every file); the page (``index.html``, ``app.mjs``, ``pipeline.mjs``: pre- and post-processing as
``core.imaging`` computes them); onnxruntime-web's own files in ``ort/`` (``web_runtime``: pinned, from npm, never a
CDN). The sidecar beside the folder (``<name>.web.json``) records the manifest's SHA-256: the manifest pins every
file, so it pins the bundle. The folder is made beside the target and renamed into place: never half a bundle.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, replace
from importlib import resources
from pathlib import Path

from ..core.errors import ExportError
from ..core.fileio import file_sha256
from ..core.limits import Limits
from ..core.metadata import ArtifactRecord, ValidationReport, write_sidecar
from ..core.optional import ort_session
from . import web_runtime
from .base import ArtifactFormat, WriteJob
from .onnx import ONNX
from .web_graph import two_pass_norms

MANIFEST = "manifest.json"
MODEL = "model.onnx"
PAGE = ("index.html", "app.mjs", "pipeline.mjs")  # package data in formats/web_bundle/
RUNTIME_FOLDER = "ort"
SCHEMA = "ugatit-deploy/web-bundle"
NORMALIZATION = "two-pass"  # the record's normalization: the norms written out (``web_graph``)


class WebFormat(ArtifactFormat):
    name = "web"
    kind = "web-bundle"
    suffixes = (".web",)
    describes = "a web bundle (export --format web)"
    summary = "<ckpt>_<direction>_<precision>.web/: a page that runs the model in the browser (onnxruntime-web)"
    precisions = ("fp32", "int8-cpu")
    refusal = ("onnxruntime-web runs FP32 and the x86 INT8 graph on WebAssembly; FP16 pays off only on WebGPU, and "
               "TensorRT's int8 graph is for TensorRT")  # fmt: skip
    image_output_only = True

    def recognises(self, path: str | os.PathLike[str]) -> bool:
        return str(path).rstrip("/\\").endswith(self.suffixes)

    def content_sha256(self, path: Path) -> str:
        return file_sha256(path / MANIFEST)  # the manifest pins every file of the bundle

    def unavailable_reason(self) -> str | None:
        return web_runtime.unavailable_reason()

    def write(self, job: WriteJob) -> ValidationReport:
        """The bundle of the graph with its norms written out (``web_graph``), validated against PyTorch on ONNX
        Runtime before anything is written; ``bench --backends onnxruntime-web`` measures it in a browser."""
        if job.record.preprocessing.resize != "bilinear":
            raise ExportError(f"--format web resizes as Pillow does; this model was trained with "
                              f"{job.record.preprocessing.resize} (a TensorFlow conversion)")  # fmt: skip
        model = two_pass_norms(job.model)
        report = job.validate(ort_session(model))
        job = replace(job, model=model, report=report,
                      record=replace(job.record, normalization=NORMALIZATION, validation=report))  # fmt: skip
        runtime = web_runtime.ort_web_files(job.log)
        job.path.parent.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(prefix=f".{job.path.name}.", dir=job.path.parent))
        staged.chmod(0o755)  # mkdtemp makes it private; a static host serves it to others
        try:
            record = _fill(staged, job, runtime)
            shutil.rmtree(job.path, ignore_errors=True)
            os.replace(staged, job.path)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        write_sidecar(record, job.path)
        return report


def _fill(folder: Path, job: WriteJob, runtime: dict[str, Path]) -> ArtifactRecord:
    """Write the bundle's files into ``folder``; return the record that describes it."""
    ONNX.write(replace(job, path=folder / MODEL, record=replace(job.record, kind=ONNX.kind)))  # record inside too
    (folder / f"{MODEL}.json").unlink()  # the bundle's record is the one beside the folder
    page = resources.files(__package__) / "web_bundle"
    for name in PAGE:
        (folder / name).write_bytes((page / name).read_bytes())
    (folder / RUNTIME_FOLDER).mkdir()
    for name, source in runtime.items():
        shutil.copyfile(source, folder / RUNTIME_FOLDER / name)
    manifest = _manifest(folder, job.record)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    return replace(job.record, file=job.path.name, sha256=WEB.content_sha256(folder), size_bytes=size,
                   converter=f"onnxruntime-web {web_runtime.VERSION}")  # fmt: skip


def _manifest(folder: Path, record: ArtifactRecord) -> dict:
    """What the page reads first: the model and how images reach it, and the SHA-256 of every file."""
    limits = Limits.current()
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return {
        "schema": SCHEMA,
        "schema_version": 1,
        "model": MODEL,
        "precision": record.precision,
        "direction": record.direction,
        "source": record.source.checkpoint,
        "input": {"name": record.io.input.name, "size": record.model.img_size, "any_size": record.model.light},
        "output": record.io.outputs[0].name,
        "preprocessing": asdict(record.preprocessing),
        "limits": {"max_image_pixels": limits.max_image_pixels, "max_image_side": limits.max_image_side},
        "runtime": {"package": web_runtime.PACKAGE, "version": web_runtime.VERSION, "folder": RUNTIME_FOLDER},
        "files": {path.relative_to(folder).as_posix(): file_sha256(path) for path in files},
    }


WEB = WebFormat()

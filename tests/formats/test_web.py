"""``export --format web`` (``formats.web``): one folder with the validated graph, the manifest, the page and
onnxruntime-web's pinned files; recognised by the registry; never half written. ``serve-web`` serves it with the
headers that give the page threads."""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from click.testing import CliRunner

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main
from ugatit_deploy.core.errors import UgatitDeployError
from ugatit_deploy.core.fileio import file_sha256
from ugatit_deploy.formats import FORMATS, format_of, read_record, web_runtime
from ugatit_deploy.formats.web import MANIFEST, PAGE, WEB
from ugatit_deploy.formats.web_host import ISOLATION_HEADERS, bundle_server

needs_runtime = pytest.mark.skipif(web_runtime.FOLDER_ENV not in os.environ and web_runtime.unavailable_reason()
                                   is not None, reason="onnxruntime-web's files are not cached and npm is missing")
pytestmark = pytest.mark.slow  # an export


def _export(out: Path, *extra: str) -> CliRunner:
    return CliRunner().invoke(main, ["export", "--ckpt", str(shapes_model_path()), "--format", "web", "--out", str(out),
                                     *extra])  # fmt: skip


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    if reason := web_runtime.unavailable_reason():
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("web")
    result = _export(out)
    assert result.exit_code == 0, result.output
    (path,) = out.glob("*.web")
    return path


def test_the_bundle_holds_the_model_the_manifest_the_page_and_the_pinned_runtime(bundle):
    manifest = json.loads((bundle / MANIFEST).read_text())
    assert bundle.name == "demo_shapes_a2b_a2b_fp32.web"
    assert {Path(name).name for name in manifest["files"]} == {"model.onnx", *PAGE, *web_runtime.FILES}
    for name, digest in manifest["files"].items():
        assert file_sha256(bundle / name) == digest, name
    for name, digest in web_runtime.FILES.items():
        assert manifest["files"][f"ort/{name}"] == digest
    assert manifest["input"] == {"name": "input", "size": 64, "any_size": True} and manifest["output"] == "output"
    assert manifest["preprocessing"]["scale"] == "x / 127.5 - 1" and manifest["runtime"]["version"] == "1.30.0"
    assert sorted(p.name for p in bundle.parent.iterdir()) == [bundle.name, f"{bundle.name}.json"]  # nothing else


def test_the_registry_knows_the_bundle_by_its_sidecar_and_its_name(bundle):
    record = read_record(bundle, WEB)
    assert format_of(bundle) is WEB and FORMATS["web"] is WEB and WEB.recognises(f"{bundle}/")
    assert record.kind == "web-bundle" and record.file == bundle.name
    assert record.sha256 == file_sha256(bundle / MANIFEST) and record.validation.passed
    assert read_record(bundle / "model.onnx").kind == "onnx"  # the graph inside is a plain ONNX file


def test_fp16_is_refused_with_the_reason_before_anything_is_written(tmp_path):
    result = _export(tmp_path, "--precision", "fp16")
    assert result.exit_code == 1 and "--format web takes fp32, int8-cpu, not fp16" in result.output
    assert list(tmp_path.iterdir()) == []


@needs_runtime
def test_runtime_files_that_are_not_the_pinned_ones_are_refused_and_nothing_is_written(tmp_path, monkeypatch):
    wrong = tmp_path / "ort"
    wrong.mkdir()
    for name in web_runtime.FILES:
        (wrong / name).write_bytes(b"not onnxruntime-web")
    monkeypatch.setenv(web_runtime.FOLDER_ENV, str(wrong))
    out = tmp_path / "out"
    result = _export(out)
    assert result.exit_code == 2 and result.output.strip().splitlines()[-1] == (  # 2: a runtime unavailable
        f"Error: {web_runtime.FOLDER_ENV}={wrong}: it must hold onnxruntime-web 1.30.0's ort.wasm.min.mjs, "
        "ort-wasm-simd-threaded.mjs, ort-wasm-simd-threaded.wasm (the pinned SHA-256 of each)")
    assert not list(out.glob("*.web*"))


def test_without_npm_or_cached_files_the_format_says_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.delenv(web_runtime.FOLDER_ENV, raising=False)
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path))
    monkeypatch.setattr(web_runtime.shutil, "which", lambda _: None)
    reason = WEB.unavailable_reason()
    assert reason is not None and "npm is not installed" in reason and web_runtime.FOLDER_ENV in reason


def _get(url: str) -> tuple[Message, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers, response.read()


@pytest.mark.parametrize("isolated", [True, False])
def test_serve_web_sends_the_isolation_headers_unless_told_not_to(bundle, isolated):
    server = bundle_server(bundle, port=0, isolated=isolated)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        headers, page = _get(base)
        assert b'<script type="module" src="app.mjs">' in page
        assert all((headers.get(name) == value) is isolated for name, value in ISOLATION_HEADERS.items())
        wasm_headers, _ = _get(base + "ort/ort-wasm-simd-threaded.wasm")
        assert wasm_headers["Content-Type"] == "application/wasm"
        assert _get(base + "app.mjs")[0]["Content-Type"] == "text/javascript"
    finally:
        server.shutdown()
        server.server_close()


def test_serve_web_refuses_a_folder_that_is_not_a_bundle_in_one_line(tmp_path):
    with pytest.raises(UgatitDeployError, match="not a web bundle"):
        bundle_server(tmp_path, port=0)
    result = CliRunner().invoke(main, ["serve-web", str(tmp_path), "--port", "0"])
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        f"Error: {tmp_path}: not a web bundle (no manifest.json); make one with export --format web"]

"""The onnxruntime-web runner: a web bundle's own page in headless Chromium, as the bench and infer run it."""

from __future__ import annotations

import os

import numpy as np
import pytest
from support.web import export_bundle, require_browser

from ugatit_deploy.backends import BackendError, create_backend
from ugatit_deploy.core.optional import ort_session
from ugatit_deploy.core.reference_images import photo_variants, reference_batch

pytestmark = pytest.mark.slow  # a browser, an export


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    require_browser()
    return export_bundle(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def opened(bundle):
    runner = create_backend("onnxruntime-web", bundle)
    runner.load()
    yield runner
    runner.close()


def test_the_page_computes_what_onnx_runtime_computes_on_the_same_graph_within_1e_4(bundle, opened):
    """Eight real photos (the bundled four, and each turned), one at a time and as one batch."""
    import onnx

    photos = np.concatenate([reference_batch(64, 0).numpy(), photo_variants(64).numpy()])
    native = ort_session(onnx.load(bundle / "model.onnx")).run(["output"], {"input": photos})[0]
    one_by_one = np.concatenate([opened.run(photos[i : i + 1]) for i in range(len(photos))])
    assert len(photos) == 8 and np.abs(one_by_one - native).max() <= 1e-4  # the acceptance bound: 1e-3
    assert np.abs(opened.run(photos) - native).max() <= 1e-4


def test_the_page_runs_on_threads_and_its_cold_start_is_measured(opened):
    info = opened.page.info
    assert info["isolated"] is True and info["backend"] == "wasm"
    assert info["threads"] == max(1, min(4, os.cpu_count() or 1))  # the page's default: the cores, at most 4
    assert opened.cold_start_ms is not None and opened.cold_start_ms >= opened.load_ms > 0
    assert opened.page.outside_requests() == []


def test_a_folder_that_is_not_a_bundle_is_refused_in_one_line(tmp_path):
    with pytest.raises(BackendError, match=r"web bundle not found: .* \(no manifest.json\)"):
        create_backend("onnxruntime-web", tmp_path)


def test_without_chromium_the_runner_says_what_to_install(bundle, monkeypatch, tmp_path):
    monkeypatch.setenv("UGATIT_CHROMIUM", str(tmp_path / "missing-chromium"))
    status = create_backend("onnxruntime-web", bundle).availability()
    assert not status.ok and status.reason == f"UGATIT_CHROMIUM={tmp_path / 'missing-chromium'} is not a file"

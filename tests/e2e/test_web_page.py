"""The web bundle's page in headless Chromium, clicked through as a person would: choose a real photo, see it
translated, download the result, and compare it with Python's (the same graph on ONNX Runtime, Python's pre- and
post-processing). Served with the isolation headers it runs on threads; without them on one thread, and it says
so. It asks nothing of any other origin."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import onnx
import pytest
from PIL import Image
from support.web import export_bundle, require_browser

from ugatit_deploy.backends.browser import BundlePage
from ugatit_deploy.core.imaging import image_to_tensor, read_image, resize
from ugatit_deploy.core.optional import ort_session
from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.formats.web import MANIFEST

pytestmark = pytest.mark.slow  # a browser, an export


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    require_browser()
    return export_bundle(tmp_path_factory.mktemp("web"))


def _python_result(bundle, photo) -> np.ndarray:
    """What ``ugatit-deploy infer --keep-size`` computes for the photo with the bundle's graph on ONNX Runtime."""
    image = read_image(photo)
    size = json.loads((bundle / MANIFEST).read_text())["input"]["size"]
    tensor = image_to_tensor(resize(image, (size, size))).unsqueeze(0).numpy()
    output = ort_session(onnx.load(bundle / "model.onnx")).run(["output"], {"input": tensor})[0][0]
    pixels = np.round((np.clip(output, -1, 1) + 1) * 127.5).astype(np.uint8).transpose(1, 2, 0)
    return np.asarray(Image.fromarray(pixels).resize(image.size, Image.BILINEAR))


def _choose(page, photo) -> None:
    page.set_input_files("#file", str(photo))
    page.wait_for_function("document.querySelector('#caption').textContent.includes(' ms')")


def test_a_photo_chosen_on_the_page_downloads_as_python_translates_it(bundle, tmp_path):
    photo = photo_paths()[0]
    page = BundlePage(bundle).open()
    try:
        _choose(page.page, photo)
        with page.page.expect_download() as download:
            page.page.click("#download")
        download.value.save_as(tmp_path / "result.png")
        got = np.asarray(Image.open(tmp_path / "result.png").convert("RGB"))
        want = _python_result(bundle, photo)
        assert download.value.suggested_filename == f"{photo.stem}_translated.png" and got.shape == want.shape
        assert np.abs(got.astype(int) - want).max() <= 1  # WASM's float rounding moves a pixel by one level at most
        assert page.outside_requests() == [] and page.errors == []
    finally:
        page.close()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: the page's threads are one either way")
def test_with_the_isolation_headers_the_page_runs_on_threads(bundle):
    page = BundlePage(bundle, isolated=True).open()
    try:
        assert page.page.evaluate("crossOriginIsolated") is True and page.info["threads"] > 1
        assert f"{page.info['threads']} threads (cross-origin isolated)" in page.page.text_content("#runtime")
    finally:
        page.close()


def test_without_them_it_translates_on_one_thread_and_says_so(bundle):
    page = BundlePage(bundle, isolated=False).open()
    try:
        assert page.page.evaluate("crossOriginIsolated") is False and page.info["threads"] == 1
        assert "not cross-origin isolated, so it runs on one thread" in page.page.text_content("#runtime")
        _choose(page.page, photo_paths()[1])
        assert page.page.text_content("#error") == ""
    finally:
        page.close()


def test_a_file_that_is_no_image_gets_a_message_on_the_page(bundle, tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    page = BundlePage(bundle).open()
    try:
        page.page.set_input_files("#file", str(text))
        page.page.wait_for_function("document.querySelector('#error').textContent !== ''")
        assert page.page.text_content("#error") == "notes.jpg is not an image this browser can read"
        assert page.page.is_disabled("#download")
    finally:
        page.close()


def test_a_photo_beyond_the_limits_is_refused_before_it_is_drawn(bundle, tmp_path):
    small = tmp_path / bundle.name
    shutil.copytree(bundle, small)
    manifest = json.loads((small / MANIFEST).read_text())
    manifest["limits"]["max_image_side"] = 100
    (small / MANIFEST).write_text(json.dumps(manifest))
    page = BundlePage(small).open()
    try:
        page.page.set_input_files("#file", str(photo_paths()[0]))
        page.page.wait_for_function("document.querySelector('#error').textContent !== ''")
        width, height = Image.open(photo_paths()[0]).size
        assert page.page.text_content("#error") == f"the photo is {width} x {height} pixels: a side may be at most 100"
    finally:
        page.close()


def test_infer_runs_a_bundle_in_the_browser_as_any_other_model(bundle, tmp_path):
    from click.testing import CliRunner

    from ugatit_deploy.cli import main

    photo = photo_paths()[2]
    result = CliRunner().invoke(main, ["infer", str(photo), "--model", str(bundle), "--keep-size", "--out",
                                       str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "onnxruntime-web fp32" in result.output
    got = np.asarray(Image.open(tmp_path / photo.name).convert("RGB"))
    assert np.abs(got.astype(int) - _python_result(bundle, photo)).max() <= 1

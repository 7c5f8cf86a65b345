"""The MNN backend (`mnn-cpu`) and `export --format mnn`: MNN's Winograd CPU backend, judged FP32-grade
(PSNR >= 60 dB, SSIM >= 0.999) against PyTorch on the demo model, its unavailable reason, damaged files."""

from __future__ import annotations

import json
import sys

import pytest
import torch
from click.testing import CliRunner

from ugatit_deploy import load_generator
from ugatit_deploy.assets import default_model_path
from ugatit_deploy.backends import BACKENDS, create_backend, open_model
from ugatit_deploy.cli import main
from ugatit_deploy.gates import WINOGRAD_FP32_GATE
from ugatit_deploy.metadata import read_sidecar
from ugatit_deploy.parity import image_parity
from ugatit_deploy.reference_images import reference_batch

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def mnn_file(tmp_path_factory):
    pytest.importorskip("MNN", reason="MNN is not installed: pip install 'ugatit-deploy[mnn]'")
    out = tmp_path_factory.mktemp("mnn")
    result = CliRunner().invoke(main, ["export", "--format", "mnn", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (path,) = out.glob("*.mnn")
    return path


def test_export_writes_a_validated_mnn_file_with_a_sidecar_and_no_onnx(mnn_file):
    assert mnn_file.name == "demo_shapes_a2b_a2b_fp32.mnn"
    assert sorted(p.name for p in mnn_file.parent.iterdir()) == [mnn_file.name, f"{mnn_file.name}.json"]
    sidecar = read_sidecar(mnn_file)
    assert sidecar["kind"] == "mnn" and sidecar["converter"].startswith("MNN ")
    assert sidecar["validation"]["passed"] and sidecar["validation"]["gate"] == {"psnr": 60.0, "ssim": 0.999}
    assert not list(mnn_file.parent.glob("*.onnx"))


@pytest.mark.parametrize(("batch", "size"), [(1, (64, 64)), (2, (64, 64)), (1, (48, 80))])
def test_mnn_runs_the_demo_model_within_its_gate(mnn_file, batch, size):
    images = reference_batch(64)[4 : 4 + batch]  # in-domain demo images
    images = torch.nn.functional.interpolate(images, size=size, mode="bilinear") if size != (64, 64) else images
    with torch.no_grad():
        reference = load_generator(default_model_path())(images)[0].numpy()
    with create_backend("mnn-cpu", mnn_file, threads=2) as runner:
        got = runner.run(images.numpy())
    stats = image_parity(reference, got)
    assert got.shape == reference.shape and WINOGRAD_FP32_GATE.failures(stats) == [], stats


def test_infer_picks_mnn_for_an_mnn_file_and_a_damaged_file_is_one_line(mnn_file, tmp_path):
    with open_model(mnn_file) as runner:
        assert runner.info.label == "mnn-cpu fp32"
    damaged = tmp_path / mnn_file.name
    data = bytearray(mnn_file.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    (tmp_path / f"{mnn_file.name}.json").write_text(json.dumps(read_sidecar(mnn_file)))
    image = tmp_path / "in.png"
    from PIL import Image

    Image.new("RGB", (64, 64), (200, 30, 30)).save(image)
    result = CliRunner().invoke(main, ["infer", "--model", str(damaged), str(image), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == (
        f"Error: {damaged.name} is missing or does not match the sha256 its sidecar records: the file is damaged "
        "or was changed (export it again)"
    )
    assert not (tmp_path / "out").exists()


def test_without_mnn_the_backend_says_how_to_install_it(mnn_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "MNN", None)
    status = create_backend("mnn-cpu", mnn_file).availability()
    assert not status.ok and status.reason == "MNN is not installed: pip install 'ugatit-deploy[mnn]'"


def test_mnn_is_a_registry_entry_like_the_others():
    spec = BACKENDS["mnn-cpu"]
    assert (spec.family, spec.runs, spec.device, spec.options) == ("mnn", "mnn", "cpu", ("threads",))
    result = CliRunner().invoke(main, ["export", "--format", "mnn", "--precision", "fp16", "--out", "unused"])
    assert result.exit_code == 1 and "--format mnn takes fp32, not fp16" in result.output


def test_conversion_never_loads_the_mnn_tools_wrappers(mnn_file):
    # MNN's Python tool wrappers pip-install a logging package and report usage when imported.
    assert mnn_file.is_file()
    assert "MNN.tools" not in sys.modules and "MNN.tools.utils.log" not in sys.modules

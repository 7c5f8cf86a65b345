"""Shared fixtures: small real checkpoints and images, the C++ build. The factories behind them are in
``support.models``; tests never import this file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from PIL import Image
from support.cpp_build import Build, build_runner
from support.models import SMALL, SMALL_FULL, TINY, TINY_FULL, make_generator, official_checkpoint

from ugatit_deploy import save_generator
from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main
from ugatit_deploy.core.reference_images import demo_images, photo_paths
from ugatit_deploy.export import GraphOptions, export_checkpoint

# Session fixtures that export or build (seconds each): a test that takes one is slow, whatever its own time, so
# that make test-fast (the inner loop) never pays for them.
EXPORTING_FIXTURES = {"tiny", "tiny_exports", "trt_onnx_files", "demo_onnx", "mnn_file", "ncnn_file", "cpp_build"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if EXPORTING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def _quiet(_line: str) -> None:
    """Export logs nothing in fixtures."""


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The tests' own ``UGATIT_DEPLOY_CACHE`` (exports, peaks, fast-path choices, trusted-model marks), never the
    user's; under pytest-xdist one for all workers (its entries are written atomically), so an export one worker
    made is the other's too."""
    import os

    from ugatit_deploy.formats import web_runtime

    # onnxruntime-web's files (33 MB from npm) are fetched once per machine (make test does it), not per session.
    fetched = web_runtime.cached_folder()
    if web_runtime.FOLDER_ENV not in os.environ and all((fetched / name).is_file() for name in web_runtime.FILES):
        os.environ[web_runtime.FOLDER_ENV] = str(fetched)
    cache = _shared_root(tmp_path_factory) / "ugatit-cache"
    cache.mkdir(exist_ok=True)
    os.environ["UGATIT_DEPLOY_CACHE"] = str(cache)


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's temporary folder; under pytest-xdist the run's, above each worker's own."""
    import os

    root = tmp_path_factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


@pytest.fixture(scope="session", autouse=True)
def _faked_peaks() -> Iterator[None]:
    """Benches in tests use fixed matmul peaks (above any 2-core CPU's, so every share of peak stays within
    100 %): measuring them costs seconds per CPU class. tests/benchmarks/test_peaks.py measures the real ones."""
    from ugatit_deploy.benchmarks import suite
    from ugatit_deploy.benchmarks.peaks import CPU_BF16, CPU_FP32, CPU_INT8, Peak

    faked = {CPU_FP32: Peak(1000.0, "faked by tests/conftest.py"), CPU_INT8: Peak(4000.0, "faked by tests/conftest.py"),
             CPU_BF16: Peak(None, "not measured: faked by tests/conftest.py")}  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(suite, "measure_peaks", lambda threads: dict(faked))
        yield


@pytest.fixture
def official_ckpt(tmp_path: Path) -> Path:
    """A tiny official-format training checkpoint (six state_dicts)."""
    path = tmp_path / "tiny_params_0000002.pt"
    torch.save(official_checkpoint(TINY), path)
    return path


@pytest.fixture
def test_images() -> torch.Tensor:
    """Two 64 px RGB images in [-1, 1] with structure (gradients and a disc), not just noise."""
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, 64), torch.linspace(-1, 1, 64), indexing="ij")
    disc = ((xs - 0.2) ** 2 + (ys + 0.1) ** 2 < 0.25).float()
    first = torch.stack([xs, ys, disc * 2 - 1])
    second = torch.stack([torch.sin(3 * xs), disc - 0.5, torch.cos(2 * ys) * 0.8])
    return torch.stack([first, second]).clamp(-1, 1)


@pytest.fixture(scope="session")
def cpp_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The C++ runner built once per session (support/cpp_build.py); a second xdist worker waits for the first's
    build and finds it up to date."""
    import fcntl

    root = _shared_root(tmp_path_factory)
    with open(root / "cpp-build.lock", "ab") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        return build_runner(root / "cpp-build")


# -------------------------------------------------------------- exports shared by several test folders


@pytest.fixture(scope="session")
def demo_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in demo model's FP32 ONNX (function mode, image output)."""
    (path,) = export_checkpoint(shapes_model_path(), out=tmp_path_factory.mktemp("demo-onnx"), log=_quiet)
    return path


def _export_format(tmp_path_factory: pytest.TempPathFactory, fmt: str, suffix: str) -> Path:
    out = tmp_path_factory.mktemp(fmt)
    result = CliRunner().invoke(
        main, ["export", "--ckpt", str(shapes_model_path()), "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    (path,) = out.glob(f"*{suffix}")
    return path


@pytest.fixture(scope="session")
def mnn_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo model as ``export --format mnn`` writes it."""
    pytest.importorskip("MNN", reason="MNN is not installed: pip install 'ugatit-deploy[mnn]'")
    return _export_format(tmp_path_factory, "mnn", ".mnn")


@pytest.fixture(scope="session")
def ncnn_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo model as ``export --format ncnn`` writes it (the .ncnn.param; its .ncnn.bin beside it)."""
    pytest.importorskip("ncnn", reason="ncnn is not installed: pip install 'ugatit-deploy[ncnn]'")
    pytest.importorskip("pnnx", reason="pnnx is not installed: pip install 'ugatit-deploy[ncnn]'")
    return _export_format(tmp_path_factory, "ncnn", ".ncnn.param")


@pytest.fixture(scope="session")
def infer_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of three demo circles and a 100 x 60 photo (not the model's size or aspect)."""
    folder = tmp_path_factory.mktemp("inputs")
    for index, image in enumerate(demo_images(3, 64, seed=5)):
        image.save(folder / f"circle_{index}.png")
    Image.open(photo_paths()[0]).resize((100, 60)).save(folder / "wide.jpg")
    return folder


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generator files of a tiny light and a tiny full model (random weights and norm parameters)."""
    root = tmp_path_factory.mktemp("ckpt")
    paths = {}
    for name, config in (("light", TINY), ("full", TINY_FULL)):
        paths[name] = root / f"tiny_{name}.pt"
        save_generator(make_generator(config, seed=4), paths[name], metadata={"note": "test"})
    return paths


@pytest.fixture(scope="session")
def tiny_exports(tiny_checkpoints: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """FP32, FP16 and the ORT-CPU INT8 of both tiny (random-weight) models, function mode, outputs=all.
    The TensorRT-style INT8 needs trained weights to reach 30 dB: see tests/export/test_int8.py."""
    out = tmp_path_factory.mktemp("onnx")
    files = {}
    for name, ckpt in tiny_checkpoints.items():
        paths = export_checkpoint(ckpt, out=out / name, precisions=("fp32", "fp16", "int8-cpu"),
                                  options=GraphOptions(outputs="all"), log=_quiet)  # fmt: skip
        files[name] = dict(zip(("fp32", "fp16", "int8-cpu"), paths, strict=True))
    return files


@pytest.fixture(scope="session")
def trt_onnx_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """FP16 ONNX files of the smallest light and full models, and a static-batch light one: what the
    TensorRT build tests build from."""
    root = tmp_path_factory.mktemp("trt")
    files = {}
    for name, config in (("light", SMALL), ("full", SMALL_FULL)):
        ckpt = root / f"{name}.pt"
        save_generator(make_generator(config), ckpt)
        (files[name],) = export_checkpoint(ckpt, out=root, precisions=("fp16",), log=_quiet)
    (files["static"],) = export_checkpoint(root / "light.pt", out=root / "static.onnx",
                                           options=GraphOptions(dynamic_batch=False), log=_quiet)  # fmt: skip
    return files

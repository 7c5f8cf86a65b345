"""The CPU fast path: `infer --backend openvino` on a checkpoint, and how the main job picks its mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from ugatit_deploy import load_generator
from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main
from ugatit_deploy.core.cpu_caps import bf16_unavailable_reason
from ugatit_deploy.core.gates import FAST_PATH_GATE
from ugatit_deploy.core.imaging import preprocess
from ugatit_deploy.core.parity import image_parity
from ugatit_deploy.core.reference_images import demo_images, photo_paths

SHAPES = str(shapes_model_path())  # the small circles -> squares model: fast to export

pytestmark = pytest.mark.slow  # exports and compares every CPU mode

pytest.importorskip("openvino", reason="OpenVINO is not installed: pip install 'ugatit-deploy[openvino]'")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    for index, image in enumerate(demo_images(3, 64, seed=11)):
        image.save(folder / f"circle_{index}.png")
    Image.open(photo_paths()[1]).save(folder / "photo.png")
    return folder


@pytest.fixture(scope="module")
def warm_exports(tmp_path_factory):
    """The shapes model's fast-path exports, made once: each test seeds its own cache with them (hard links),
    so it pays for timing and choosing, which it checks, not for exporting, which tests/export checks."""
    import os

    from ugatit_deploy.benchmarks.fast_path import cpu_fast_path

    cache, before = tmp_path_factory.mktemp("fast-path-cache"), os.environ["UGATIT_DEPLOY_CACHE"]
    os.environ["UGATIT_DEPLOY_CACHE"] = str(cache)
    try:
        cpu_fast_path(shapes_model_path(), threads=2, log=lambda _: None)
    finally:
        os.environ["UGATIT_DEPLOY_CACHE"] = before
    return cache / "exports"


def _seeded(cache, warm_exports):
    """A fresh cache folder holding only the warm exports (no choice, no fast-path copy)."""
    import os
    import shutil

    shutil.copytree(warm_exports, cache / "exports", copy_function=os.link)
    return cache


def _infer_openvino(inputs, out):
    args = ["infer", str(inputs), "--model", SHAPES, "--backend", "openvino", "--out", str(out)]
    return CliRunner().invoke(main, args)


def test_infer_with_openvino_takes_the_fastest_passing_mode_once_and_meets_its_gate(inputs, tmp_path, monkeypatch,
                                                                                  warm_exports):  # fmt: skip
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(_seeded(tmp_path / "cache", warm_exports)))
    first = _infer_openvino(inputs, tmp_path / "a")
    assert first.exit_code == 0, first.output
    assert "the fastest OpenVINO CPU mode that passes" in first.output and "wrote 4 files" in first.output
    (exported,) = (tmp_path / "cache" / "fast-path").rglob("*_int8-cpu.onnx")  # a copy of the export cache's
    (cached,) = (tmp_path / "cache" / "exports").rglob("*_int8-cpu.onnx")
    (choice,) = (tmp_path / "cache").rglob("choice-*.json")
    assert exported.read_bytes() == cached.read_bytes()
    stamps = exported.stat().st_mtime_ns, choice.stat().st_mtime_ns

    second = _infer_openvino(inputs, tmp_path / "b")
    assert second.exit_code == 0, second.output
    assert "exporting" not in second.output and "timing" not in second.output  # exports and choice are cached
    assert "reusing the choice measured earlier" in second.output
    assert (exported.stat().st_mtime_ns, choice.stat().st_mtime_ns) == stamps

    sources = sorted(inputs.iterdir())
    with torch.no_grad():
        reference = load_generator(shapes_model_path())(torch.cat([preprocess(p, 64) for p in sources]))[0]
    written = np.stack([np.asarray(Image.open(tmp_path / "b" / f"{p.stem}.png")) for p in sources])
    images = written.transpose(0, 3, 1, 2).astype(np.float32) / 127.5 - 1
    assert FAST_PATH_GATE.failures(image_parity(reference.numpy(), images)) == []


def _fast_path_in_child(tmp_path, cap: str | None, warm_exports) -> dict:
    """cpu_fast_path on the shapes model in a fresh process (oneDNN reads its ISA cap at start-up)."""
    import json
    import os
    import subprocess
    import sys

    cache = tmp_path / "cache"
    if not cache.exists():
        _seeded(cache, warm_exports)
    env = {**os.environ, "UGATIT_DEPLOY_CACHE": str(cache)}
    env.pop("ONEDNN_MAX_CPU_ISA", None)
    if cap:
        env["ONEDNN_MAX_CPU_ISA"] = cap
    code = (
        "import json, sys; from pathlib import Path; from ugatit_deploy.benchmarks.fast_path import cpu_fast_path\n"
        f"c = cpu_fast_path(Path({SHAPES!r}), threads=2, log=lambda line: None)\n"
        "print(json.dumps({'mode': c.mode, 'ms': c.ms_per_image, 'skipped': list(c.skipped)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_under_the_avx2_cap_the_fast_path_skips_bf16_in_words_and_takes_the_fastest_passing_mode(
    tmp_path, warm_exports
):
    choice = _fast_path_in_child(tmp_path, "AVX2", warm_exports)
    assert choice["mode"].split()[0] in ("int8-cpu", "fp32", "fp32-winograd", "fp32-int8x3")
    measured = {line.split(":")[0] for line in choice["skipped"] if "slower than" in line} | {choice["mode"]}
    assert {"fp32", "fp32-winograd"} <= measured  # both FP32 forms pass and are timed
    # The cap where this CPU has BF16, else the CPU itself: the words this host gives under the cap.
    reason = bf16_unavailable_reason(environ={"ONEDNN_MAX_CPU_ISA": "AVX2"})
    bf16 = [line for line in choice["skipped"] if "bf16" in line.split(":")[0]]
    assert len(bf16) == 2 and all(line.endswith(f"unavailable: {reason}") for line in bf16), bf16
    slower = [line for line in choice["skipped"] if "slower than" in line]
    assert all(float(line.split(": ")[1].split(" ms")[0]) >= choice["ms"] for line in slower)


def test_the_choice_is_kept_per_cpu_class(tmp_path, warm_exports):
    native = _fast_path_in_child(tmp_path, None, warm_exports)
    capped = _fast_path_in_child(tmp_path, "AVX2", warm_exports)
    files = sorted(p.name for p in (tmp_path / "cache").rglob("choice-*.json"))
    assert len(files) == 2 and ("-avx2-threads2-" in files[0]) != ("-avx2-threads2-" in files[1])
    assert native["mode"] and capped["mode"]

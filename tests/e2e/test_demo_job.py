"""The main job (``make demo`` = ``ugatit-deploy demo``): export, validate, benchmark, translate, report.

The module runs it once on the 64 px shapes model (``--ckpt``): every step is the same as on the built-in
256 px model, in a fraction of the time. The built-in model's own demo is the nightly test at the end."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from PIL import Image

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.backends import BACKENDS
from ugatit_deploy.benchmarks.choose import choose_fastest, meets
from ugatit_deploy.benchmarks.records import BenchResults
from ugatit_deploy.cli import main
from ugatit_deploy.core.gates import FAST_PATH_GATE
from ugatit_deploy.forms import FORMS
from ugatit_deploy.forms.transforms.int8_options import QUICK_CALIB_IMAGES

pytestmark = pytest.mark.slow  # whole commands, each a few seconds to minutes

SHAPES = str(shapes_model_path())
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.png"]


def _demo(out, *extra: str):
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--iters", "1", *extra])
    assert result.exit_code == 0, result.output
    return result.output, BenchResults.from_dict(json.loads((out / "results.json").read_text()))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "report"
    output, results = _demo(out, "--ckpt", SHAPES)
    return out, output, results


def test_the_demo_writes_the_report_folder(demo_run):
    out, output, results = demo_run
    assert f"report: {out / 'report.md'}" in output
    for name in ("report.md", "results.json", "results.csv", "latency.png", "grid.png", "grid_all_modes.png"):
        assert (out / name).stat().st_size > 0, name
    assert results.settings.batches == [1]  # the choice's batch (--batch adds more)
    assert results.inputs.names == [*PHOTOS, *(f"demo_circle_{i}" for i in range(4))]  # not a photo model


def test_the_grid_shows_input_reference_the_chosen_mode_and_its_error(demo_run):
    out, _, _ = demo_run
    assert Image.open(out / "grid.png").size == (1236, 532)  # 8 images at 64 px, 4 rows
    assert Image.open(out / "grid_all_modes.png").size[1] > 532  # every mode: the second file


def test_the_demo_exports_only_the_forms_that_can_win_here(demo_run):
    out, _, results = demo_run
    lines = [line for line in results.not_run if "cannot be the fastest" in line]
    left_out = [form for line in lines for form in line.split(":")[0].split(", ")]
    exported = sorted(p.stem.rsplit("_", 1)[1] for p in (out / "onnx").glob("*.onnx"))
    assert exported == sorted(f for f in FORMS if f not in left_out) and "fp32" in exported


def test_backends_this_machine_cannot_run_are_planned_out_with_why_never_rows(demo_run):
    _, output, results = demo_run
    assert {r.backend for r in results.records if r.status == "ok"} >= {"torch-cpu", "onnxruntime-cpu"}
    table = output.split("not run here:")[0]
    rows = [line for line in table.splitlines() if line.split(" ")[0] in BACKENDS]  # the table's rows
    assert len(rows) == sum(r.status != "unavailable" for r in results.records)  # BF16 without BF16: listed only
    if not results.machine.get("gpu"):
        assert {"torch-cuda", "tensorrt"} <= {line.split(":")[0] for line in results.not_run}
        assert "not planned here: torch-cuda: " in output


def test_the_demo_translates_every_input_with_the_fastest_passing_mode(demo_run):
    out, output, results = demo_run
    chosen = choose_fastest(results.records, FAST_PATH_GATE)
    assert chosen is not None and meets(chosen, FAST_PATH_GATE)
    assert f"translated the demo images with {chosen.label} (fastest passing backend)" in output
    translated = sorted(p.name for p in (out / "translated").glob("*.png") if "heatmap" not in p.name)
    assert translated == sorted(p.name for p in (out / "inputs").glob("*.png")) and len(translated) == 8


def test_the_faces_example_is_the_astronaut_beside_her_translated_face(demo_run):
    out, output, _ = demo_run
    assert Image.open(out / "faces.png").size == (512, 256)
    assert "faces: the astronaut's face found, translated and pasted back" in output


def test_a_second_demo_reuses_the_exports_and_peaks_and_says_so(demo_run, tmp_path):
    output, results = _demo(tmp_path / "again", "--ckpt", SHAPES)
    assert "exporting" not in output
    assert output.count("reusing the onnx export cached for this checkpoint") >= 3
    assert "reusing the matmul peaks measured earlier on this CPU class" in output
    assert choose_fastest(results.records, FAST_PATH_GATE) is not None


def test_what_the_demo_left_out_would_not_have_won_in_bench_all(demo_run, tmp_path):
    """bench --all measures the whole CPU matrix side by side; none of the modes the demo's plan left out
    passes the demo's gate and runs faster than the fastest passing mode of those it kept (20 % for noise)."""
    _, _, demo = demo_run
    same_int8 = ["--keep-fp", "auto", "--calib-images", str(QUICK_CALIB_IMAGES)]  # the demo's: its exports are reused
    result = CliRunner().invoke(main, ["bench", "--ckpt", SHAPES, "--backends", "cpu", "--all", "--iters", "5",
                                       *same_int8, "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    every = BenchResults.from_dict(json.loads((tmp_path / "results.json").read_text())).records
    planned = {r.label for r in demo.records}
    kept = choose_fastest([r for r in every if r.label in planned], FAST_PATH_GATE)
    assert kept is not None and kept.latency is not None
    left_out = [r for r in every if r.label not in planned and choose_fastest([r], FAST_PATH_GATE) is not None]
    faster = [r.label for r in left_out if r.latency.ms_per_image.p50 < 0.8 * kept.latency.ms_per_image.p50]
    assert faster == [], f"left out by the plan but faster than {kept.label}: {faster}"


@pytest.mark.nightly
def test_the_built_in_256px_demo_chooses_a_passing_mode_and_improves_the_photos(tmp_path):
    out = tmp_path / "report"
    output, results = _demo(out)
    assert Image.open(out / "grid.png").size == (1220, 1044)  # 4 photos at 256 px: input, reference, chosen, error
    assert results.inputs.names == PHOTOS  # a photo model: the photos only
    scored = [r.task for r in results.records if r.status == "ok"]
    assert scored and all(task is not None and task.psnr_db > task.input_psnr_db for task in scored)
    assert "task dB: PSNR of each backend's images of the 4 bundled photos" in output
    assert choose_fastest(results.records, FAST_PATH_GATE) is not None and "(fastest passing backend)" in output
    assert Image.open(out / "faces.png").size == (512, 256)

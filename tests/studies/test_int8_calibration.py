"""The INT8 calibration study: its combinations, its choice of the best, and the record of a tiny model."""

from __future__ import annotations

import json
from dataclasses import fields, replace

import pytest
from support.models import SMALL, make_generator
from support.studies import load_study

from ugatit_deploy import save_generator
from ugatit_deploy.core.reference_images import demo_images

study = load_study("int8_calibration")


def test_combinations_cross_each_range_method_with_weights_and_bias_correction():
    recipes = study.combinations(["minmax", "percentile"], [99.9, 99.99])
    names = [study.recipe_name(r) for r in recipes]
    assert len(recipes) == 3 * 2 * 2 * 2  # ranges x conv outputs x weights x bias correction
    assert names[:4] == ["minmax per-channel float-out", "minmax per-channel float-out +bc",
                         "minmax per-tensor float-out", "minmax per-tensor float-out +bc"]  # fmt: skip
    assert names[4] == "minmax per-channel int8-out"
    assert {r.ranges for r in recipes} == {"minmax", "percentile-99.9", "percentile-99.99"}


def test_weight_bits_cross_the_rest_and_name_their_rows():
    recipes = study.combinations(["minmax"], [], bias=(True,), per_channel=(True,), outputs=("float",),
                                 weight_bits=(8, 7))  # fmt: skip
    assert [study.recipe_name(r) for r in recipes] == ["minmax per-channel float-out +bc 8-bit weights",
                                                       "minmax per-channel float-out +bc 7-bit weights"]  # fmt: skip


def _result(name: str, passes: bool, ssim: float, psnr: float, every: bool = True) -> study.ComboResult:
    return study.ComboResult(name, "minmax", None, True, False, "float", 7, (), 4, psnr, psnr, ssim, ssim, psnr, ssim,
                             None, None, passes, every, passes, 1.0)  # fmt: skip


def test_the_best_passes_then_passes_on_every_image_then_has_the_highest_set_ssim_then_psnr():
    results = [_result("a", False, 0.99, 40.0), _result("b", True, 0.981, 36.0), _result("c", True, 0.985, 35.5),
               _result("d", True, 0.985, 35.9), _result("e", True, 0.99, 40.0, every=False)]  # fmt: skip
    assert study.best(results).name == "d"
    assert study.best(results[:1] + results[4:]).name == "e"


def _folder(root, name, count, seed):
    folder = root / name
    folder.mkdir()
    for i, image in enumerate(demo_images(count, SMALL.img_size, seed)):
        image.save(folder / f"{i}.png")
    return folder


@pytest.mark.slow
def test_a_tiny_model_gives_one_record_per_combination_and_a_table(tmp_path, capsys):
    ckpt = tmp_path / "tiny.pt"
    save_generator(make_generator(SMALL, seed=1), ckpt)
    calib, images = _folder(tmp_path, "calib", 6, 1), _folder(tmp_path, "eval", 3, 2)
    out = tmp_path / "study.json"
    study.main(["--ckpt", str(ckpt), "--calib", str(calib), "--images", str(images), "--methods", "minmax",
                "--per-channel", "on", "--bias-correction", "off,on", "--conv-outputs", "float", "--no-keep-fp-auto",
                "--no-before", "--runtime", "onnxruntime", "--out", str(out)])  # fmt: skip
    record = json.loads(out.read_text())
    assert {"command", "machine", "checkpoint", "variant", "runtime", "calibration", "eval_images", "gate", "best",
            "fp32_task_psnr_db", "results"} <= set(record)  # fmt: skip
    assert record["eval_images"] == 3 and record["fp32_task_psnr_db"] is None  # not the cartoon model: no task score
    names = [r["name"] for r in record["results"]]
    assert names == ["minmax per-channel float-out 7-bit weights", "minmax per-channel float-out +bc 7-bit weights"]
    for result in record["results"]:
        assert set(result) == {f.name for f in fields(study.ComboResult)}
        assert result["float_layers"] == 4 and result["psnr_db_worst"] <= result["psnr_db_mean"]
    table = out.with_suffix(".md").read_text()
    assert table.count("| minmax per-channel float-out") == 2
    assert "python benchmarks/studies/int8_calibration.py" in table


def test_calibration_images_among_the_evaluation_images_are_refused():
    batch = study.np.zeros((1, 3, 4, 4), study.np.float32)
    with pytest.raises(SystemExit, match="--images holds calibration images"):
        study._check_held_out([batch], study.np.concatenate([batch + 1, batch]))


def test_a_task_drop_over_1_db_fails_where_the_gate_passes():
    """Outputs 0.01 above a flat FP32 image: 46 dB against FP32; one uint8 level off the cartoon (42.1 dB)."""
    np = study.np
    reference = np.full((1, 3, 16, 16), 0.5, np.float32)
    photos = np.full((1, 16, 16, 3), 191, np.uint8)  # = to_uint8(0.5), the cartoon of a flat photo is itself
    outputs = reference + 0.01  # uint8 193
    data = study.Evaluation(reference, reference, photos, photos, None)
    within = study.judge("x", study.QuantRecipe(), (), 4, outputs, replace(data, fp32_task_psnr_db=42.6), 0.0)
    beyond = study.judge("x", study.QuantRecipe(), (), 4, outputs, replace(data, fp32_task_psnr_db=44.0), 0.0)
    assert within.passes_gate and beyond.passes_gate
    assert within.task_drop_db == pytest.approx(0.5, abs=0.02) and within.passes
    assert beyond.task_drop_db == pytest.approx(1.9, abs=0.02) and not beyond.passes

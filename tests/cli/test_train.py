"""``ugatit-deploy train`` and ``data synth``: runs, one-line errors, no temp files left."""

from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner
from support.training_helpers import make_dataset, tiny_config

from ugatit_deploy.cli import main
from ugatit_deploy.training import Trainer


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_data_synth_cli(tmp_path):
    result = _cli("data", "synth", "--out", tmp_path / "d", "--n", 2, "--size", 32)
    assert result.exit_code == 0, result.output
    assert "wrote 20 images (2 per train domain)" in result.output
    assert len(list((tmp_path / "d" / "testA").iterdir())) == 8


@pytest.mark.slow
def test_train_cli_runs_two_steps(tmp_path):
    root = make_dataset(tmp_path / "shapes", n=2)
    result = _cli(
        "train", "--dataset", root, "--light", "--img-size", 64, "--ch", 4, "--n-res", 1,
        "--iterations", 2, "--result-dir", tmp_path / "runs", "--no-progress", "--device", "cpu",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "done: 2 steps" in result.output
    assert (tmp_path / "runs" / "shapes" / "model" / "shapes_params_0000002.pt").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--img-size", "30"], "--img-size must be a multiple of 4"),
        (["--iterations", "0"], "--iterations must be >= 1"),
        (["--dataset", "/nonexistent/data"], "dataset folder not found"),
        (["--result-dir", "/proc/forbidden"], "cannot write to result dir"),
        (["--device", "cuda"], "no CUDA device is available"),
    ],
)
def test_train_cli_bad_options_give_one_error_line(tmp_path, args, message):
    if torch.cuda.is_available() and "cuda" in args:
        pytest.skip("a CUDA device is present")
    root = make_dataset(tmp_path / "shapes", n=2)
    base = ["train", "--dataset", str(root), "--light", "--img-size", "64", "--ch", "4", "--n-res", "1",
            "--iterations", "1", "--result-dir", str(tmp_path / "runs"), "--no-progress"]  # fmt: skip
    for i in range(0, len(args), 2):  # later options override earlier ones
        base += args[i : i + 2]
    result = CliRunner().invoke(main, base)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]


@pytest.mark.slow
def test_training_checkpoints_never_leave_temp_files(tmp_path):
    root = make_dataset(tmp_path / "shapes", n=2)
    Trainer(tiny_config(root, tmp_path / "runs"), progress=False, log=lambda _: None).run()
    leftovers = [p for p in (tmp_path / "runs").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []

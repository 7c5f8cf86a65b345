"""``ugatit-deploy info``: what a checkpoint holds, as text and JSON, and one-line errors."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner
from support.bad_checkpoints import BAD_CASES, bad_checkpoints
from support.models import TINY, make_generator

from ugatit_deploy import save_generator
from ugatit_deploy.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_info_without_ckpt_describes_the_built_in_model():
    result = run("info")
    assert result.exit_code == 0, result.output
    assert "built-in photo -> cartoon model" in result.output
    assert "light, ngf 16, n_blocks 4" in result.output
    assert "metadata.task" in result.output and "cartoonize" in result.output
    assert "MACs" in result.output


def test_info_on_an_official_checkpoint(official_ckpt):
    result = run("info", "--ckpt", str(official_ckpt))
    assert result.exit_code == 0, result.output
    assert "official-training" in result.output
    assert "a2b, b2a" in result.output
    assert "disGA, disGB, disLA, disLB" in result.output


def test_info_json_is_machine_readable(tmp_path):
    path = tmp_path / "gen.pt"
    save_generator(make_generator(TINY), path, direction="b2a")
    record = json.loads(run("info", "--ckpt", str(path), "--json").output)
    assert record["format"] == "ugatit-deploy/generator"
    assert record["directions"] == ["b2a"]
    assert record["file_size_bytes"] == path.stat().st_size
    gen = record["generators"]["b2a"]
    assert {k: gen[k] for k in ("ngf", "n_blocks", "img_size", "light")} == TINY.to_dict()
    assert gen["parameters"] == sum(p.numel() for p in make_generator(TINY).parameters())
    assert gen["macs"] > 0


def test_info_full_model_reports_its_size_and_macs(tmp_path):
    from support.models import official_checkpoint

    from ugatit_deploy.model import GeneratorConfig

    path = tmp_path / "full.pt"
    torch.save(official_checkpoint(GeneratorConfig(ngf=4, n_blocks=1, img_size=32, light=False)), path)
    result = run("info", "--ckpt", str(path))
    assert "full, ngf 4, n_blocks 1" in result.output
    assert "32 (fixed by the weights" in result.output


@pytest.mark.parametrize("case", BAD_CASES)
def test_info_bad_checkpoint_is_one_error_line_and_exit_1(tmp_path, official_ckpt, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    path, message = bad_checkpoints(tmp_path, official_ckpt)[case]
    result = run("info", "--ckpt", str(path))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert result.exc_info is None or result.exc_info[0] is SystemExit


def test_info_direction_shows_only_that_generator(official_ckpt):
    result = run("info", "--ckpt", str(official_ckpt), "--direction", "b2a", "--json")
    assert result.exit_code == 0
    assert list(json.loads(result.output)["generators"]) == ["b2a"]


@pytest.mark.parametrize(
    ("direction", "message"),
    [
        ("x2y", "Error: unknown direction 'x2y': use one of a2b, b2a"),
        ("b2a", "has no b2a generator (available: a2b)"),
    ],
)
def test_info_bad_direction_is_one_error_line(tmp_path, direction, message):
    path = tmp_path / "gen.pt"
    save_generator(make_generator(TINY), path, direction="a2b")
    result = run("info", "--ckpt", str(path), "--direction", direction)
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and message in result.output

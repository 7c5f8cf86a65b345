"""``ugatit-deploy demo``'s options (the main job end to end is tests/e2e/test_demo_job.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ugatit_deploy.cli import main


@pytest.mark.parametrize("value", ["0", "-8", "eight"])
def test_a_batch_below_one_or_not_a_number_is_a_one_line_usage_error(tmp_path, value):
    result = CliRunner().invoke(main, ["demo", "--batch", value, "--out", str(tmp_path / "report")])
    assert result.exit_code == 2 and "Invalid value for '--batch'" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "report").exists()


def test_the_help_says_the_choice_is_made_at_batch_1_and_how_to_add_throughput_modes():
    result = CliRunner().invoke(main, ["demo", "--help"])
    assert result.exit_code == 0
    assert "The choice is made at batch 1" in " ".join(result.output.split())

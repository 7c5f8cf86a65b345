"""The ``ugatit-deploy`` command: help, version, the installed entry point and ``python -m``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ugatit_deploy import __version__
from ugatit_deploy.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_help_lists_the_commands_and_an_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "info" in result.output and "ugatit-deploy info --ckpt" in result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"ugatit-deploy, version {__version__}"


@pytest.mark.slow
def test_installed_entry_point_prints_no_traceback(tmp_path):
    """The real console script, in a fresh process: stderr carries one line, the exit code is 1."""
    script = Path(sys.executable).with_name("ugatit-deploy")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "ugatit_deploy"]
    done = subprocess.run(
        [*command, "info", "--ckpt", str(tmp_path / "missing.pt")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == f"Error: checkpoint not found: {tmp_path / 'missing.pt'}"


@pytest.mark.slow
def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "ugatit_deploy", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and __version__ in done.stdout

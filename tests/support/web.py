"""A web bundle of the 64 px shapes model for the browser tests, and why they skip where they cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main
from ugatit_deploy.core.errors import UnavailableError
from ugatit_deploy.core.optional import browser
from ugatit_deploy.formats import web_runtime


def require_browser() -> None:
    """Skip, with what to install, where Playwright, Chromium or onnxruntime-web's files are missing."""
    try:
        browser()
    except UnavailableError as exc:
        pytest.skip(str(exc))
    if reason := web_runtime.unavailable_reason():
        pytest.skip(reason)


def export_bundle(out: Path, precision: str = "fp32") -> Path:
    """``export --format web`` of the shapes model into ``out``: the bundle's folder."""
    result = CliRunner().invoke(main, ["export", "--ckpt", str(shapes_model_path()), "--format", "web",
                                       "--precision", precision, "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    (bundle,) = out.glob(f"*_{precision}.web")
    return bundle

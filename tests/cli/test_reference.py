"""The generated reference (``ugatit-deploy info --reference``): docs/reference.md is exactly what the code says."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ugatit_deploy.cli import main
from ugatit_deploy.cli.reference import reference_markdown
from ugatit_deploy.forms import COMPUTE_HINTS, FORMS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference.md"


def test_the_committed_reference_is_what_the_code_generates():
    # On a failure: ugatit-deploy info --reference > docs/reference.md
    assert PAGE.read_text(encoding="utf-8") == reference_markdown()


def test_info_reference_prints_the_page():
    result = CliRunner().invoke(main, ["info", "--reference"])
    assert result.exit_code == 0 and result.output == reference_markdown()


def test_every_form_and_compute_hint_has_its_row_with_its_gate():
    page = reference_markdown()
    for form in FORMS.values():
        assert f"| `{form.name}` | {form.summary} | `{form.gate.spec(form.name)}` |" in page
    for hint in COMPUTE_HINTS.values():
        assert f"| `{hint.name}` | {hint.summary} |" in page

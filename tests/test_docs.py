"""The guides in docs/ stay guides: short pages, no lab-notebook references, links that resolve. Measured
results live beside their files in benchmarks/results/, indexed by its README."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RESULTS_INDEX = ROOT / "benchmarks" / "results" / "README.md"
MAX_LINES = 250
# The generated reference tables (docs/reference.md) are written from the code by another tool; a link to
# them is allowed before the file exists.
GENERATED = {DOCS / "reference.md"}
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _pages() -> list[Path]:
    pages = sorted(DOCS.glob("*.md"))
    assert pages, "no docs/*.md found"
    return pages


def _relative_links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return [link for link in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", link)]


def test_every_docs_page_is_at_most_250_lines():
    long = {p.name: n for p in _pages() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_no_docs_page_says_issue():
    found = {p.name: n for p in _pages() if (n := len(re.findall("issue", p.read_text(encoding="utf-8"), re.I)))}
    assert found == {}


def test_every_relative_link_in_docs_and_the_results_index_resolves():
    broken = []
    for page in [*_pages(), RESULTS_INDEX]:
        for link in _relative_links(page):
            target = (page.parent / link).resolve()
            if target not in GENERATED and not target.exists():
                broken.append(f"{page.relative_to(ROOT)}: {link}")
    assert broken == []


PAGES_AND_README = [*(p.relative_to(ROOT) for p in sorted(DOCS.glob("*.md"))), Path("README.md")]
SOURCE_PATH = re.compile(r"`(ugatit_deploy/[\w/]+/(?!my)\w+\.py)`")  # my*.py: a file the reader adds
IMPORT = re.compile(r"^from (ugatit_deploy[\w.]*) import ([\w, ]+)$", re.MULTILINE)


def test_every_package_file_a_page_names_exists():
    missing = [f"{page}: {path}" for page in PAGES_AND_README
               for path in SOURCE_PATH.findall((ROOT / page).read_text(encoding="utf-8"))
               if not (ROOT / path).is_file()]  # fmt: skip
    assert missing == []


def test_every_import_in_a_page_imports():
    import importlib

    broken = []
    for page in PAGES_AND_README:
        for module, names in IMPORT.findall((ROOT / page).read_text(encoding="utf-8")):
            try:
                imported = importlib.import_module(module)
                absent = [n.strip() for n in names.split(",") if not hasattr(imported, n.strip())]
            except ImportError as exc:
                absent = [str(exc)]
            broken += [f"{page}: from {module}: {name}" for name in absent]
    assert broken == []

"""The layers run one way: core <- model <- checkpoint <- export / backends / training <- bench / inference /
serving <- cli.

Read from the source with ``ast``: every import, lazy ones inside functions included, must point to the
module's own part, a lower layer, or (for the small shared contracts of the core) another core module.
Siblings of one layer never import each other (a backend does not import export). A new top-level
module must be placed in a layer here before it can land. Also: ruff sees ugatit_deploy as first-party.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ugatit_deploy"

# Lowest first. Each name is a top-level module or sub-package of ugatit_deploy.
LAYERS: list[tuple[str, set[str]]] = [
    ("core", {"__about__", "errors", "fileio", "optional", "imaging", "parity", "gates", "precisions", "metadata",
              "artifacts", "onnx_contract", "heatmap", "assets", "shapes", "reference_images", "mnn_runtime",
              "ncnn_runtime"}),
    ("model", {"model"}),
    ("checkpoint", {"checkpoint"}),
    ("export / backends / training", {"export", "backends", "training"}),
    ("bench / inference / serving", {"benchmarks", "inference", "fast_path", "serving"}),
    ("cli", {"cli"}),
    ("entry points", {"__main__", "__init__"}),  # python -m ugatit_deploy; the package's public facade
]  # fmt: skip
LAYER_OF = {part: index for index, (_, parts) in enumerate(LAYERS) for part in parts}


def _part(module: str) -> str:
    """``ugatit_deploy.export.int8`` -> ``export``; the package itself -> ``__init__`` (its facade)."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").is_file() or (PACKAGE / name / "__init__.py").is_file()


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every ugatit_deploy import in a file."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "ugatit_deploy"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "ugatit_deploy":
                target = node.module
            else:
                continue
            if target == "ugatit_deploy":  # `from .. import x`: a sub-module, or a name of the facade
                found += [
                    (node.lineno, f"ugatit_deploy.{a.name}" if _is_module(a.name) else target) for a in node.names
                ]
            else:
                found.append((node.lineno, target))
    return found


def _edges_that_run_back() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _part(_module_name(path))
        for line, target in _imports(path):
            destination = _part(target)
            if destination == source:
                continue
            low, high = LAYER_OF[destination], LAYER_OF[source]
            if low > high or (low == high and LAYERS[low][0] != "core"):
                problems.append(f"{path.relative_to(ROOT)}:{line} ({source}) imports {target} ({destination})")
    return problems


def test_every_part_of_the_package_has_a_layer():
    parts = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    assert parts == set(LAYER_OF), f"place these in LAYERS: {sorted(parts ^ set(LAYER_OF))}"


def test_imports_never_run_back_up_the_layers():
    assert _edges_that_run_back() == []


def test_the_layering_check_catches_an_edge_that_runs_back(tmp_path, monkeypatch):
    # The check itself, on a planted file: a backend importing export must be reported.
    planted = PACKAGE / "backends" / "_planted_for_test.py"
    planted.write_text("from ..export import export_checkpoint\n")
    try:
        problems = _edges_that_run_back()
    finally:
        planted.unlink()
    assert problems == [
        "ugatit_deploy/backends/_planted_for_test.py:1 (backends) imports ugatit_deploy.export (export)"
    ]


# ---------------------------------------------------------------------------------------------- ruff


def _ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def ruff_available():
    if shutil.which("ruff") is None and _ruff("--version").returncode != 0:
        pytest.fail("ruff is missing: it is part of the test extras (pip install -e '.[test]')")


def test_ruff_check_passes_on_the_repository(ruff_available):
    done = _ruff("check", ".")
    assert done.returncode == 0, done.stdout[-3000:]


def test_ruff_sorts_ugatit_deploy_as_first_party(ruff_available, tmp_path):
    config = ["--config", str(ROOT / "pyproject.toml"), "check", "--select", "I", "--no-cache"]
    first_party = tmp_path / "first.py"
    first_party.write_text("import numpy\n\nimport ugatit_deploy.export\n\nprint(numpy, ugatit_deploy)\n")
    assert _ruff(*config, str(first_party), cwd=tmp_path).returncode == 0
    third_party = tmp_path / "third.py"
    third_party.write_text("import numpy\nimport ugatit_deploy.export\n\nprint(numpy, ugatit_deploy)\n")
    assert _ruff(*config, str(third_party), cwd=tmp_path).returncode == 1

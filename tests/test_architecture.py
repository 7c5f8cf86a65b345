"""The layers run one way: core <- model <- checkpoint <- forms <- formats <- export / backends / training <- bench /
inference <- serving <- cli, and no module imports itself back through others.

Read from the source with ``ast``: every import, lazy ones inside functions included, must point to the
module's own part or a lower layer. Siblings of one layer never import each other (a backend does not
import export). A new top-level part must be placed in a layer here before it can land, and the package
root holds only the facade. Also: ruff sees ugatit_deploy as first-party; modules and functions stay short.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ugatit_deploy"

# Lowest first. Each name is a top-level module or sub-package of ugatit_deploy.
LAYERS: list[tuple[str, set[str]]] = [
    ("core", {"__about__", "core", "assets"}),
    ("model", {"model"}),
    ("checkpoint", {"checkpoint"}),
    ("forms", {"forms"}),  # graph forms and compute hints: what formats, export, backends and the bench read
    ("formats", {"formats"}),  # what export writes and the backends run: both read its entries
    ("export / backends / training", {"export", "backends", "training"}),
    ("bench / inference", {"benchmarks", "inference"}),
    ("serving", {"serving"}),  # serves the runners and the inference pipelines (serve --faces)
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
    """Whether a dotted name under ugatit_deploy (``export.int8`` or ``export``) is a module or package."""
    path = PACKAGE.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every ugatit_deploy import in a file; ``from pkg import sub`` names the
    sub-module when ``sub`` is one (a name of ``pkg``'s own otherwise)."""
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
            inside = target.removeprefix("ugatit_deploy").lstrip(".")
            for alias in node.names:
                sub = f"{inside}.{alias.name}".lstrip(".")
                found.append((node.lineno, f"ugatit_deploy.{sub}" if _is_module(sub) else target))
    return list(dict.fromkeys(found))


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


def test_the_package_root_holds_only_the_facade():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert modules == ["__about__.py", "__init__.py", "__main__.py"]  # at most 5; the rest lives in packages


def test_imports_never_run_back_up_the_layers():
    assert _edges_that_run_back() == []


@pytest.mark.slow
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


# ---------------------------------------------------------------------------------------- import circles


def _module_graph() -> dict[str, set[str]]:
    """module -> the modules it imports (lazy imports too); ``from pkg import sub`` counts as ``pkg.sub``."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        targets = set()
        for _line, target in _imports(path):
            targets.add(target)
        graph[module] = {t for t in targets if t != module and t.split(".")[0] == "ugatit_deploy"}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_through_others():
    assert _circles(_module_graph()) == []


def test_the_circle_check_catches_a_lazy_circle():
    planted = [PACKAGE / "core" / "_planted_a.py", PACKAGE / "core" / "_planted_b.py"]
    planted[0].write_text("def f():\n    from . import _planted_b\n")
    planted[1].write_text("from ._planted_a import f\n")
    try:
        circles = _circles(_module_graph())
    finally:
        for path in planted:
            path.unlink()
    assert circles == [["ugatit_deploy.core._planted_a", "ugatit_deploy.core._planted_b"]]


# ------------------------------------------------------------------------------------------------ sizes

MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 80
CODE = [PACKAGE, ROOT / "tests", ROOT / "benchmarks", ROOT / "export", ROOT / "training", ROOT / "cpp" / "tools"]


def _python_files() -> list[Path]:
    return sorted(path for folder in CODE for path in folder.rglob("*.py") if "data" not in path.parts)


def test_no_module_is_over_400_lines():
    long = [f"{p.relative_to(ROOT)}: {n}" for p in _python_files() if (n := len(p.read_text().splitlines())) > 400]
    assert long == []


def test_no_function_is_over_80_lines():
    long = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if (size := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {size} lines")
    assert long == []


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


# ------------------------------------------------------------------------------------ graph forms by name

_FORM_NAMES = "fp32|fp32-winograd|fp32-int8x3|fp16|int8|int8-cpu|bf16"
# A comparison with a form's (or compute hint's) name, a derived list of names, or a kind test by prefix.
_BY_NAME = re.compile(
    rf"""(==|!=|\bin)\s*\(?\s*["']({_FORM_NAMES})["']|["']({_FORM_NAMES})["']\s*(==|!=|\bin\b)"""
    r"""|\.startswith\(["'](int8|fp|bf)|\b[A-Z0-9]+_PRECISIONS\b|core\.precisions"""
)


def _decisions_by_form_name() -> list[str]:
    """Lines outside ``ugatit_deploy/forms/`` that decide by a form's name. Comparing a declared kernel class
    (``kernel == "int8"``) reads what a form declares, so lines naming ``kernel`` are allowed."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "forms"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _BY_NAME.search(line.split("#")[0]) and "kernel" not in line:
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_module_outside_the_form_registry_decides_by_a_forms_name():
    assert _decisions_by_form_name() == []


def test_the_form_name_check_catches_a_planted_test(tmp_path):
    planted = PACKAGE / "backends" / "_planted_form_check.py"
    planted.write_text('def f(precision):\n    return precision == "int8-cpu" or precision in INT8_PRECISIONS\n')
    try:
        found = _decisions_by_form_name()
    finally:
        planted.unlink()
    assert found == ['ugatit_deploy/backends/_planted_form_check.py:2: return precision == "int8-cpu" or precision '
                     "in INT8_PRECISIONS"]  # fmt: skip

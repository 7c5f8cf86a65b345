"""The library is one importable package, ugatit_deploy/, found by setuptools without any mapping; the
top-level training/, export/ and benchmarks/ folders are documentation, scripts and results, never code
that installs."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib
from setuptools import find_packages

import ugatit_deploy

ROOT = Path(__file__).resolve().parents[1]
USER_FOLDERS = ("training", "export", "benchmarks")


def _setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_pyproject_has_no_package_dir_mapping_and_finds_the_package():
    config = _setuptools_config()
    assert "package-dir" not in config and "packages" in config and "find" in config["packages"]
    assert config["packages"]["find"]["include"] == ["ugatit_deploy", "ugatit_deploy.*"]


def test_setuptools_finds_every_folder_of_the_package():
    found = set(find_packages(str(ROOT), include=["ugatit_deploy", "ugatit_deploy.*"]))
    with_code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "ugatit_deploy").rglob("*.py")}
    assert found == with_code
    assert {"ugatit_deploy.export", "ugatit_deploy.training", "ugatit_deploy.benchmarks"} <= found


@pytest.mark.parametrize("folder", USER_FOLDERS)
def test_top_level_folders_are_readmes_and_scripts_not_packages(folder):
    assert (ROOT / folder / "README.md").is_file()
    assert not (ROOT / folder / "__init__.py").exists()


@pytest.mark.slow
def test_a_checkout_on_pythonpath_imports_every_part_with_nothing_installed(tmp_path):
    # A copy of the package alone: if anything still came from an install, __file__ would say so.
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "ugatit_deploy", checkout / "ugatit_deploy", ignore=shutil.ignore_patterns("__pycache__"))
    code = "import ugatit_deploy.export, ugatit_deploy.training, ugatit_deploy.benchmarks.suite as s; print(s.__file__)"
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(checkout / "ugatit_deploy" / "benchmarks" / "suite.py")


@pytest.mark.parametrize("bare", ["export", "training", "benchmarks"])
def test_no_bare_top_level_module_is_importable(tmp_path, bare):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # as installed, not a checkout on the path
    done = subprocess.run([sys.executable, "-c", f"import {bare}"], cwd=tmp_path, env=env, capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode != 0 and "No module named" in done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The regular wheel of this checkout, built once for the tests that read it."""
    # Build from a copy: setuptools keeps a build/ folder whose stale files would leak into later wheels.
    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "src"
    skip = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__", ".pytest_cache", "exports")
    shutil.copytree(ROOT, source, ignore=skip)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    done = subprocess.run([*command, str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    (built,) = tmp_path.glob("ugatit_deploy-*.whl")
    return built


@pytest.mark.slow
def test_regular_wheel_holds_only_ugatit_deploy(tmp_path, wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {
        "ugatit_deploy",
        f"ugatit_deploy-{ugatit_deploy.__version__}.dist-info",
    }
    assert "ugatit_deploy/export/__init__.py" in names
    assert "ugatit_deploy/assets/demo_shapes_a2b.pt" in names
    assert "ugatit_deploy/assets/photos/astronaut.png" in names

    # A regular (non-editable) install of that wheel works on its own: CLI, sub-packages, asset.
    target = tmp_path / "site"
    pip_install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
    subprocess.run([*pip_install, str(wheel)], check=True, capture_output=True)
    code = (
        f"import sys; sys.path.insert(0, {str(target)!r}); "
        "import ugatit_deploy.export, ugatit_deploy.cli.info as i; from click.testing import CliRunner; "
        "r = CliRunner().invoke(i.info_command, []); "
        "print(ugatit_deploy.__file__); print(r.exit_code, r.output)"
    )
    # -I: isolated mode, so neither the checkout nor the editable install is on sys.path.
    done = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(str(target))
    assert "0 " in done.stdout and "light, ngf 16, n_blocks 4" in done.stdout


STUDIES = ("winograd_graph", "ncnn_layer_profile", "cpp_end_to_end", "serve_bench", "export_graph_report",
           "train_throughput", "face_detection", "real_inputs", "int8_calibration", "mnn_interference",
           "int8_search", "bias_correction_speed", "web_bundle", "face_parity")  # fmt: skip
# Doors: thin scripts that run a CLI command. Lab: the studies and the official-architecture writer, argparse
# scripts with their own code that import the package and are never installed.
DOORS = ["training/train.py", "training/train_cartoon.py", "training/make_shapes.py", "export/export.py",
         "export/build_engine.py", "export/sensitivity.py", "benchmarks/bench.py"]  # fmt: skip
LAB = ["benchmarks/official_checkpoint.py", *(f"benchmarks/studies/{name}.py" for name in STUDIES)]
SCRIPTS = DOORS + LAB


def test_every_script_in_the_user_folders_is_listed_here():
    found = sorted(str(p.relative_to(ROOT)) for f in USER_FOLDERS for p in (ROOT / f).rglob("*.py"))
    assert found == sorted(SCRIPTS)


@pytest.mark.parametrize("script", DOORS)
def test_user_folder_scripts_are_thin_doors_to_the_package(script):
    tree = ast.parse((ROOT / script).read_text())
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert len((ROOT / script).read_text().splitlines()) <= 12
    assert [node.module for node in imports] and all(node.module.startswith("ugatit_deploy") for node in imports)


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(level, module) of every import in a tree, lazy ones too: ``import a.b`` -> (0, "a.b")."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


@pytest.mark.parametrize("script", LAB)
def test_lab_scripts_import_the_package_by_name_and_run_as_scripts(script):
    tree = ast.parse((ROOT / script).read_text())
    imports = _imports(tree)
    assert [module for level, module in imports if level] == []  # not a package: no relative imports
    assert any(module.split(".")[0] == "ugatit_deploy" for _, module in imports)
    assert any(_is_main_guard(node) for node in tree.body)


@pytest.mark.slow
def test_the_lab_is_out_of_the_package():
    assert not (ROOT / "ugatit_deploy" / "benchmarks" / "studies").exists()
    assert not (ROOT / "ugatit_deploy" / "benchmarks" / "official_checkpoint.py").exists()
    lab_names = {Path(script).stem for script in LAB} | {"studies", *USER_FOLDERS}
    reaching_out = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "ugatit_deploy").rglob("*.py"))
        for level, module in _imports(ast.parse(path.read_text()))
        if not level and module.split(".")[0] in lab_names
    ]
    assert reaching_out == []


@pytest.mark.slow  # a fresh interpreter per script
@pytest.mark.parametrize("script", SCRIPTS)
def test_user_folder_scripts_run_as_files(tmp_path, script):
    done = subprocess.run([sys.executable, str(ROOT / script), "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert Path(script).name in done.stdout.splitlines()[0]


def _is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":``"""
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and [type(c) for c in test.comparators] == [ast.Constant]
            and test.comparators[0].value == "__main__")  # fmt: skip


@pytest.mark.slow  # builds the wheel (a few seconds, shared with the test above)
def test_the_wheel_holds_no_script(wheel):
    """argparse scripts and ``__main__`` blocks live in benchmarks/ (the lab), not in the installed package: its
    one entry point is ``python -m ugatit_deploy`` (the CLI)."""
    scripts = []
    with zipfile.ZipFile(wheel) as archive:
        for name in (n for n in archive.namelist() if n.endswith(".py") and n != "ugatit_deploy/__main__.py"):
            tree = ast.parse(archive.read(name).decode("utf-8"), name)
            if any(module.split(".")[0] == "argparse" for level, module in _imports(tree) if not level):
                scripts.append(f"{name}: imports argparse")
            if any(_is_main_guard(node) for node in ast.walk(tree) if isinstance(node, ast.stmt)):
                scripts.append(f"{name}: has an if __name__ == '__main__' block")
    assert scripts == []


@pytest.mark.slow
def test_a_script_reports_a_user_mistake_in_one_line(tmp_path):
    script = str(ROOT / "export" / "export.py")
    done = subprocess.run([sys.executable, script, "--ckpt", "missing.pt", "--out", str(tmp_path)], cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == "Error: checkpoint not found: missing.pt"
    assert "Traceback" not in done.stderr and list(tmp_path.iterdir()) == []


def test_the_readme_is_a_front_door_of_at_most_150_lines_whose_links_resolve():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 150
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert links and [link for link in links if not link.startswith("http") and not (ROOT / link).exists()] == []

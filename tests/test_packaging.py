"""The package installs only under ugatit_deploy, with every sub-package of the mapped folders."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

import ugatit_deploy

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"ugatit_deploy": "ugatit_deploy", "training": "ugatit_deploy.training",
          "export": "ugatit_deploy.export", "benchmarks": "ugatit_deploy.benchmarks"}  # fmt: skip


def _declared_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(config["packages"])


def _packages_on_disk() -> set[str]:
    found = set()
    for folder, package in MAPPED.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *relative)))
    return found


def test_pyproject_lists_every_package_folder():
    assert _declared_packages() == _packages_on_disk()


@pytest.mark.parametrize("name", ["ugatit_deploy.training", "ugatit_deploy.export", "ugatit_deploy.benchmarks"])
def test_top_level_folders_import_under_ugatit_deploy(name):
    __import__(name)


@pytest.mark.parametrize("bare", ["export", "training", "benchmarks"])
def test_no_bare_top_level_module_is_importable(tmp_path, bare):
    done = subprocess.run([sys.executable, "-c", f"import {bare}"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0 and "No module named" in done.stderr


@pytest.mark.slow
def test_regular_wheel_holds_only_ugatit_deploy(tmp_path):
    # Build from a copy: setuptools keeps a build/ folder whose stale files would leak into later wheels.
    source = tmp_path / "src"
    skip = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__", ".pytest_cache", "exports")
    shutil.copytree(ROOT, source, ignore=skip)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = tmp_path.glob("ugatit_deploy-*.whl")
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
    assert "0 " in done.stdout and "light, ngf 8, n_blocks 4" in done.stdout

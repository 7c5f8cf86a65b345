"""The lab scripts of the top-level benchmarks/ folder, loaded from their files for the tests.

benchmarks/ is not a package and never installs (tests/benchmarks/ would make the name ambiguous anyway), so a
script is loaded by path, as ``python benchmarks/studies/<name>.py`` runs it: its own folder on ``sys.path``
(for sibling imports), the package imported as ``ugatit_deploy``. Each file is loaded once per session.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from support.paths import REPO

LAB = REPO / "benchmarks"
STUDIES = LAB / "studies"


def load_script(path: Path) -> ModuleType:
    """The module of the script at ``path`` (registered as ``lab_<folder>_<name>``; its folder goes on the path)."""
    name = f"lab_{path.parent.name}_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    if str(path.parent) not in sys.path:
        sys.path.append(str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, f"not a Python file: {path}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before running it: dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_study(name: str) -> ModuleType:
    """``benchmarks/studies/<name>.py`` as a module."""
    return load_script(STUDIES / f"{name}.py")

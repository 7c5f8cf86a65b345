"""The Triton server binary and its Python backend, from PyPI's ``nvidia-pytriton`` wheel.

That wheel ships ``tritonserver`` (CPU capable), Triton's Python backend and one backend stub per Python
version. ugatit-deploy uses only those files: it never imports ``pytriton`` (whose own Python API pins
numpy < 2), so the wheel is installed with ``--no-deps``. Two things the wheel leaves to its users are done
here: the stub of *this* Python version is put in a backend folder of our own, and the server runs with this
interpreter's ``libpython`` first on ``LD_LIBRARY_PATH`` (the stub links ``libpython3.X.so``; the system's
copy, e.g. Debian's 3.11.2 against a pyenv 3.11.7 standard library, fails at model load with
``'_thread.RLock' object has no attribute '_recursion_count'``, measured).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import UnavailableError

PYTRITON_VERSION = "0.7.0"
INSTALL = f"pip install --no-deps nvidia-pytriton=={PYTRITON_VERSION}"
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
BACKEND_FILES = ("libtriton_python.so", "triton_python_backend_utils.py")


@dataclass(frozen=True)
class TritonRuntime:
    """The files of one installed Triton server."""

    root: Path  # pytriton/tritonserver

    @property
    def server(self) -> Path:
        return self.root / "bin" / "tritonserver"

    @property
    def stub(self) -> Path:
        return self.root / "python_backend_stubs" / PYTHON_VERSION / "triton_python_backend_stub"

    def backend_directory(self, folder: Path) -> Path:
        """``folder``/python with the Python backend and this Python's stub (links); returns ``folder``."""
        python = folder / "python"
        python.mkdir(parents=True, exist_ok=True)
        sources = [self.root / "backends" / "python" / name for name in BACKEND_FILES] + [self.stub]
        for source in sources:
            link = python / source.name
            if not link.exists():
                link.symlink_to(source)
        return folder

    def environment(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The server's environment: this interpreter's libpython first on the library path."""
        env = dict(os.environ if base is None else base)
        libdir = sysconfig.get_config_var("LIBDIR") or ""
        env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (libdir, env.get("LD_LIBRARY_PATH", "")) if p)
        return env


def site_folders() -> list[str]:
    """Where the backend stub must find ugatit_deploy and the runners' packages: this environment's
    site-packages (added with ``site.addsitedir``, so editable installs resolve) and this checkout. The stub's
    embedded interpreter ignores PYTHONPATH (measured), so the model file adds them itself."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"], str(Path(__file__).resolve().parents[2])]))


def find_runtime() -> TritonRuntime:
    """The installed Triton server, or UnavailableError with the install line."""
    spec = importlib.util.find_spec("pytriton")
    if spec is None or not spec.submodule_search_locations:
        raise UnavailableError(f"the Triton server is not installed: {INSTALL} (or make venv)")
    runtime = TritonRuntime(Path(next(iter(spec.submodule_search_locations))) / "tritonserver")
    if not runtime.server.is_file():
        raise UnavailableError(f"nvidia-pytriton has no tritonserver at {runtime.server}: reinstall it ({INSTALL})")
    if not runtime.stub.is_file():
        raise UnavailableError(
            f"nvidia-pytriton has no Python backend stub for Python {PYTHON_VERSION} at {runtime.stub}"
        )
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        raise UnavailableError("this Python has no shared libpython, which Triton's Python backend stub links: "
                               "use a Python built with --enable-shared")  # fmt: skip
    return runtime

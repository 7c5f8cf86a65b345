"""Load and run a model file once in a child process, so that a runtime that crashes on a damaged or hostile
file (MNN: SIGSEGV in ``_createSubModuleInfo``, ``SizeComputerSuite::search``, ``TensorUtils::getDescribe``)
ends the child, not the command, and the user reads one line.

Runners call ``probe_in_child`` before loading a file this machine did not export (``core.trusted``); a file
that passes is remembered as trusted by its sha256, so the cost is paid once per file.

The child runs ``main(["mnn", FILE, SIZE, OUTPUT...])`` (``python -c``: the package has no ``__main__`` blocks
but its own): exit 0 when the file loads and one zero image of SIZE x SIZE runs to the named outputs, else one
line on stderr and exit 1.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from ..core.errors import UgatitDeployError
from .base import BackendError

RUNTIMES = {"mnn": "MNN"}
TIMEOUT_S = 300.0
_CHILD = f"import sys; from {__name__} import main; sys.exit(main(sys.argv[1:]))"


def probe_in_child(kind: str, path: Path, outputs: tuple[str, ...], size: int, timeout_s: float = TIMEOUT_S) -> None:
    """BackendError (one line) unless a child process loads ``path`` with runtime ``kind`` and runs one
    ``size`` x ``size`` image through it."""
    command = [sys.executable, "-c", _CHILD, kind, str(path), str(size), *outputs]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise BackendError(
            f"{RUNTIMES[kind]} did not finish loading and running {path.name} in {timeout_s:.0f} s "
            "(in a child process): the file is damaged or made to hang it; it was not loaded"
        ) from None
    if result.returncode < 0:
        name = signal.Signals(-result.returncode).name
        raise BackendError(f"{RUNTIMES[kind]} crashed ({name}) loading {path.name} in a child process: the file is "
                           "damaged or made to crash it; it was not loaded here (export it again)")  # fmt: skip
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackendError(
            lines[-1] if lines else f"{RUNTIMES[kind]} cannot load {path.name} (exit {result.returncode})"
        )


def _run_mnn(path: Path, size: int, outputs: list[str]) -> None:
    from ..formats.mnn_runtime import MnnModule

    module = MnnModule(path, outputs, threads=1)
    results = module.run(np.zeros((1, 3, size, size), np.float32))
    image = results[outputs[0]]
    if image.shape != (1, 3, size, size):
        raise UgatitDeployError(f"{path.name}: MNN's output is {list(image.shape)}, not [1, 3, {size}, {size}]")


def main(argv: list[str]) -> int:
    kind, path, size, outputs = argv[0], Path(argv[1]), int(argv[2]), argv[3:]
    try:
        {"mnn": _run_mnn}[kind](path, size, outputs)
    except UgatitDeployError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0

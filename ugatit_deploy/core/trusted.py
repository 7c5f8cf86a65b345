"""Model files known to be safe to parse in this process: the ones this machine's export wrote, and the
ones a child process has already loaded and run without crashing (``formats.model_probe``).

A model file is as trusted as code: runtimes parse it with native code, and some (MNN) crash on hostile
files. A file is named here by its sha256, so a changed file is a new, untrusted one.
"""

from __future__ import annotations

import re
from pathlib import Path

from .fileio import cache_root

_HEX = re.compile(r"[0-9a-f]{64}")


def _marker(sha256: str) -> Path:
    if not _HEX.fullmatch(sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return cache_root() / "trusted-models" / sha256


def is_trusted(sha256: str | None) -> bool:
    """Whether a file with this hash was written by export here or passed a child-process probe."""
    return sha256 is not None and _HEX.fullmatch(sha256) is not None and _marker(sha256).is_file()


def mark_trusted(sha256: str) -> None:
    """Remember a file as safe to parse in-process (best effort: an unwritable cache only costs a re-probe)."""
    marker = _marker(sha256)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass

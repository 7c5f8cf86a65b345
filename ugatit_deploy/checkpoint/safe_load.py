"""Read a checkpoint file with ``torch.load(weights_only=True)`` and explain every way it can fail."""

from __future__ import annotations

import os
import pickle
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

from ..core.errors import CheckpointError

_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_PROTO = b"\x80"


def read_checkpoint_file(path: str | os.PathLike[str]) -> Any:
    """Load a checkpoint's object tree on the CPU without ever running code from the file.

    Zip-format files (torch >= 1.6) have their checksums verified, then are memory-mapped, so a
    multi-GB training file costs no RAM until its tensors are used. Raises CheckpointError with a
    one-line reason on any failure.
    """
    file = Path(path)
    if not file.exists():
        raise CheckpointError(f"checkpoint not found: {file}")
    if file.is_dir():
        raise CheckpointError(f"checkpoint path is a directory, not a file: {file}")
    try:
        with open(file, "rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        raise CheckpointError(f"cannot read checkpoint {file}: {exc.strerror or exc}") from None
    if not head:
        raise CheckpointError(f"checkpoint is empty (0 bytes): {file}")

    is_zip = head.startswith(_ZIP_MAGIC)
    if is_zip:
        _check_zip(file)
    try:
        with warnings.catch_warnings():
            # Legacy (non-zip) pickles of protocol > 2 make torch warn about protocol support; noise here.
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return torch.load(file, map_location="cpu", weights_only=True, mmap=is_zip)
    except pickle.UnpicklingError as exc:
        if "weights only load failed" in str(exc).lower() or "unsupported global" in str(exc).lower():
            raise CheckpointError(
                f"refusing to load {file}: it contains Python objects other than tensors and plain "
                "containers, and loading it could run code (torch.load weights_only=True)"
            ) from None
        raise CheckpointError(_unreadable(file, head, is_zip)) from None
    except Exception:  # a damaged file can fail anywhere inside the unpickler: KeyError, EOFError, ...
        raise CheckpointError(_unreadable(file, head, is_zip)) from None


def _check_zip(file: Path) -> None:
    """Verify the archive's directory and every member's CRC-32: catches truncated and damaged downloads
    that would otherwise load as silently wrong weights."""
    try:
        with zipfile.ZipFile(file) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise CheckpointError(f"checkpoint is truncated or corrupted (incomplete zip archive): {file}") from None
    if bad is not None:
        raise CheckpointError(f"checkpoint is corrupted (CRC mismatch in {bad}): {file}")


def _unreadable(file: Path, head: bytes, is_zip: bool) -> str:
    if is_zip:
        return f"checkpoint is truncated or corrupted (unreadable zip archive): {file}"
    if head.startswith(_PICKLE_PROTO):
        return f"checkpoint is truncated or corrupted (unreadable legacy pickle): {file}"
    return f"not a PyTorch checkpoint (neither a torch.save zip archive nor a pickle): {file}"

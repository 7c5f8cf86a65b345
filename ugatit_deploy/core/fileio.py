"""File helpers shared by every writer: atomic writes and content hashes."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import torch

from .errors import UgatitDeployError


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` and rename it over ``path`` only if the block succeeds.

    Readers never see a half-written file, and an interrupted write leaves the old file intact.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise UgatitDeployError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        os.chmod(tmp_name, 0o666 & ~_current_umask())  # mkstemp creates 0600; give the usual mode
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def check_writable(target: str | os.PathLike[str]) -> None:
    """Fail now, in the words ``atomic_output`` would use later, when ``target``'s folder cannot take a file:
    before minutes of work whose result could not be written. Creates the folder."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=target.parent):
            pass
    except OSError as exc:
        raise UgatitDeployError(f"cannot write {target}: {exc.strerror or exc}") from None


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_torch_save(obj: object, path: str | os.PathLike[str]) -> None:
    """``torch.save`` that never leaves a partial file behind."""
    with atomic_output(path) as handle:
        torch.save(obj, handle)


def cache_root() -> Path:
    """``$UGATIT_DEPLOY_CACHE``, else ``~/.cache/ugatit-deploy``: exports the fast path made, trusted files."""
    return Path(os.environ.get("UGATIT_DEPLOY_CACHE") or Path.home() / ".cache" / "ugatit-deploy")


def file_sha256(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks (checkpoints can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()

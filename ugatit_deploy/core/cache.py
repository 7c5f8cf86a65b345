"""Work that does not change, kept under a key of its inputs: exports, INT8 float-layer choices, matmul peaks,
fast-path choices. A key is the SHA-256 of every input that decides the result (checkpoint hash, graph form,
recipe, ...) together with this package's version and the versions of the runtimes that made it, so a
changed input or a new release misses the cache instead of being served stale.

Entries live in ``cache_root()/<kind>/<key>`` (``$UGATIT_DEPLOY_CACHE``, else ``~/.cache/ugatit-deploy``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ..__about__ import __version__
from .fileio import atomic_output, cache_root

# The distributions whose versions change what the cached work computes (absent ones count as absent).
RUNTIMES = ("torch", "onnx", "onnxruntime", "openvino", "numpy")


def runtime_versions(names: tuple[str, ...] = RUNTIMES) -> dict[str, str]:
    """``{distribution: version}`` of this package and the runtimes, ``"-"`` for one not installed."""
    versions = {"ugatit-deploy": __version__}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return versions


def _plain(value: Any) -> Any:
    """A JSON-ready form of a key part: dataclasses by their fields, paths as text, mappings sorted."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in sorted(value.items(), key=lambda pair: str(pair[0]))}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, Path):
        return str(value)
    return value


def cache_key(**parts: Any) -> str:
    """The key of a piece of work: its inputs and the versions that compute it, hashed (24 hex digits)."""
    text = json.dumps({"inputs": _plain(parts), "versions": runtime_versions()}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def entry(kind: str, key: str) -> Path:
    """The folder of one cache entry (not created)."""
    return cache_root() / kind / key


@contextmanager
def locked(kind: str, key: str) -> Iterator[None]:
    """Hold one entry's lock while making it: a second process (or test worker) asking for the same work waits,
    then finds it made, instead of making it alongside. Without ``fcntl`` (Windows) there is no lock; entries
    are still written atomically."""
    try:
        import fcntl
    except ImportError:
        fcntl = None  # type: ignore[assignment]
    folder = cache_root() / kind
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{key}.lock", "ab") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # released when the file closes
        yield


def _entry_with_inputs(kind: str, key: str, inputs: Mapping[str, Any] | None) -> Path:
    """An entry's folder, created, with the inputs that made its value (for a person to read) when given."""
    folder = entry(kind, key)
    folder.mkdir(parents=True, exist_ok=True)
    if inputs is not None:
        with atomic_output(folder / "inputs.json") as handle:
            handle.write(json.dumps(_plain(inputs), indent=2, default=str).encode())
    return folder


def read_json(kind: str, key: str) -> Any | None:
    """A cached JSON value, or None when there is none (or it does not parse: it is made again)."""
    try:
        return json.loads((entry(kind, key) / "value.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(kind: str, key: str, value: Any, inputs: Mapping[str, Any] | None = None) -> Path:
    """Keep a JSON value (written atomically) with the inputs that made it, for a person to read."""
    folder = _entry_with_inputs(kind, key, inputs)
    with atomic_output(folder / "value.json") as handle:
        handle.write(json.dumps(value, indent=2).encode())
    return folder / "value.json"


def read_array(kind: str, key: str) -> np.ndarray | None:
    """A cached array, or None when there is none (or it does not load: it is made again)."""
    try:
        return np.load(entry(kind, key) / "value.npy", allow_pickle=False)
    except (OSError, ValueError):
        return None


def write_array(kind: str, key: str, value: np.ndarray, inputs: Mapping[str, Any] | None = None) -> Path:
    """Keep an array (written atomically, no pickles) with the inputs that made it, for a person to read."""
    folder = _entry_with_inputs(kind, key, inputs)
    with atomic_output(folder / "value.npy") as handle:
        np.save(handle, np.ascontiguousarray(value), allow_pickle=False)
    return folder / "value.npy"


def copy_files(files: list[Path], target: Path) -> list[Path]:
    """Copy cached files (and folders: a web bundle) into ``target`` (hard links where the file system allows),
    replacing what is there."""
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in files:
        destination = target / source.name
        if destination.is_dir() and not destination.is_symlink():
            shutil.rmtree(destination)
        destination.unlink(missing_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination, copy_function=_link_or_copy)
        else:
            _link_or_copy(source, destination)
        copied.append(destination)
    return copied


def _link_or_copy(source: str | Path, destination: str | Path) -> None:
    try:
        Path(destination).hardlink_to(source)
    except OSError:
        shutil.copy2(source, destination)

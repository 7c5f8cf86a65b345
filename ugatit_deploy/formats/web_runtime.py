"""onnxruntime-web's files for a web bundle (``export --format web``), at one pinned version, never from a CDN.

They come from the npm package: ``npm pack onnxruntime-web@<version>`` once, unpacked into the cache folder
(``$UGATIT_DEPLOY_CACHE/onnxruntime-web/<version>/``), each file checked against its pinned SHA-256; later exports
read them there, offline. ``UGATIT_ORT_WEB_DIR`` names a folder that already holds them (a machine without npm:
copy ``dist/`` of the package there). Only the WASM build is shipped: the page runs on WebAssembly, with threads
where the page is cross-origin isolated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..core.errors import UnavailableError
from ..core.fileio import cache_root, file_sha256

PACKAGE = "onnxruntime-web"
VERSION = "1.30.0"
# The files the page loads (dist/ of the package) and their SHA-256 at VERSION.
FILES = {
    "ort.wasm.min.mjs": "219e6a1fc8a9938268d18efca3c91d310bd2f4a59bbd13744df5b2b7fc6cee3b",
    "ort-wasm-simd-threaded.mjs": "e13f7f94fc51b4ca72b12faeb1ee95f4ace6dfbc8939bc718aabdc0a27c4299b",
    "ort-wasm-simd-threaded.wasm": "3398c10d07d229bd91b364548e130e0e51a8e5704b88c7c083ebbeb78842dee2",
}
FOLDER_ENV = "UGATIT_ORT_WEB_DIR"


def _checked(folder: Path) -> dict[str, Path] | None:
    """The files in ``folder`` when every one is there with its pinned hash, else None."""
    paths = {name: folder / name for name in FILES}
    intact = all(path.is_file() and file_sha256(path) == FILES[name] for name, path in paths.items())
    return paths if intact else None


def cached_folder() -> Path:
    return cache_root() / PACKAGE / VERSION


def unavailable_reason() -> str | None:
    """None when the files are at hand or npm can fetch them, else why not (one line)."""
    if os.environ.get(FOLDER_ENV) or _checked(cached_folder()) is not None or shutil.which("npm"):
        return None
    return (f"onnxruntime-web {VERSION}'s files are not cached and npm is not installed: install Node.js (npm), or put "
            f"{', '.join(FILES)} from the npm package's dist/ in a folder and set {FOLDER_ENV} to it")  # fmt: skip


def ort_web_files(log: Callable[[str], None] = print) -> dict[str, Path]:
    """The pinned files: from ``UGATIT_ORT_WEB_DIR``, the cache, or fetched with npm into the cache (said in one
    line). UnavailableError when none of these works or a file's hash is not the pinned one."""
    if given := os.environ.get(FOLDER_ENV):
        if (found := _checked(Path(given))) is None:
            raise UnavailableError(f"{FOLDER_ENV}={given}: it must hold onnxruntime-web {VERSION}'s "
                                   f"{', '.join(FILES)} (the pinned SHA-256 of each)")  # fmt: skip
        return found
    folder = cached_folder()
    if (found := _checked(folder)) is not None:
        return found
    if reason := unavailable_reason():
        raise UnavailableError(reason)
    log(f"fetching {PACKAGE} {VERSION} with npm (once: kept in {folder})")
    _fetch(folder)
    if (found := _checked(folder)) is None:
        raise UnavailableError(f"{PACKAGE} {VERSION} from npm does not have the pinned files (SHA-256): not used")
    return found


def _fetch(folder: Path) -> None:
    """``npm pack`` the package into a temporary folder, unpack the files, and move them into ``folder``."""
    with tempfile.TemporaryDirectory(prefix="ugatit-ort-web-") as tmp:
        done = subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", tmp, "--silent"],
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or len(tarballs) != 1:
            lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            raise UnavailableError(f"npm pack {PACKAGE}@{VERSION} failed: {lines[-1] if lines else done.returncode}")
        staged = Path(tmp) / "files"
        staged.mkdir()
        with tarfile.open(tarballs[0]) as archive:
            for name in FILES:
                member = archive.getmember(f"package/dist/{name}")
                source = archive.extractfile(member)
                if source is None:
                    raise UnavailableError(f"{PACKAGE} {VERSION}: dist/{name} is not a file")
                with source, open(staged / name, "wb") as target:
                    shutil.copyfileobj(source, target)
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staged, folder)

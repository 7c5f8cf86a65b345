"""onnxruntime-web in headless Chromium: a web bundle (``export --format web``) run through its own page's code
(``formats/web_bundle/app.mjs``), so ``infer``, ``bench`` and the tests treat the browser as any other runtime.

``stage`` sends a batch into the page once (base64 float32), ``execute`` runs the page's ``session.run`` on it,
``fetch`` reads the output back. The page is cross-origin isolated (served with COOP/COEP), so WASM runs on threads
(``threads``; default the page's own, the cores up to 4). ``cold_start_ms``: from opening the page (server, browser,
navigation, the model's session) to its first image fetched; ``load_ms``: to the loaded model.
"""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import UgatitDeployError
from ..core.fileio import file_sha256
from ..core.optional import browser
from ..formats.web import MANIFEST, WEB
from .base import Availability, Backend, BackendError, BackendInfo, artifact_record
from .browser import BundlePage


class OnnxRuntimeWebBackend(Backend):
    """One page of the bundle in one headless Chromium."""

    def __init__(self, bundle: str | os.PathLike[str], threads: int | None = None) -> None:
        self.path = Path(bundle)
        if not (self.path / MANIFEST).is_file():
            raise BackendError(f"web bundle not found: {self.path} (no {MANIFEST})")
        self.record = artifact_record(self.path, WEB)
        self.threads = threads
        options: dict[str, Any] = {"threads": threads} if threads else {}
        self.info = BackendInfo("onnxruntime-web", self.record.precision, self.path, options, self.record.variant)
        self.page: BundlePage | None = None
        self.load_ms: float | None = None
        self._opened_at = 0.0

    def availability(self) -> Availability:
        return Availability.of_import(browser)

    def load(self) -> None:
        self.require_available()
        if self.record.sha256 != file_sha256(self.path / MANIFEST):
            raise BackendError(f"{self.path.name}: its manifest is not the one its sidecar records (export it again)")
        self.cold_start_ms, self._opened_at = None, time.perf_counter()
        try:
            self.page = BundlePage(self.path, isolated=True, threads=self.threads).open()
        except UgatitDeployError:
            raise
        except Exception as exc:  # noqa: BLE001 - Playwright's errors: the page did not load
            raise BackendError(f"the page of {self.path.name} did not load: {str(exc).splitlines()[0]}") from None
        if self.page.errors:
            raise BackendError(f"the page of {self.path.name} failed: {self.page.errors[0]}")
        self.load_ms = self.page.load_ms

    def _evaluate(self, script: str, *args: Any) -> Any:
        assert self.page is not None and self.page.page is not None, "call load() first"
        try:
            return self.page.page.evaluate(script, *args)
        except Exception as exc:  # noqa: BLE001 - Playwright's errors carry the page's exception
            raise BackendError(f"onnxruntime-web: {str(exc).splitlines()[0]}") from None

    def stage(self, images: np.ndarray) -> list[int]:
        batch = np.ascontiguousarray(images, dtype=np.float32)
        self._evaluate("([text, dims]) => ugatit.stage(text, dims)",
                       [base64.b64encode(batch.tobytes()).decode(), list(batch.shape)])  # fmt: skip
        return list(batch.shape)

    def execute(self, staged: list[int]) -> float:
        return float(self._evaluate("() => ugatit.runStaged()"))

    def fetch(self, result: float) -> np.ndarray:
        output = self._evaluate("() => ugatit.fetchStaged()")
        if self.cold_start_ms is None:  # the page's first image: its cold start, from opening the page
            self.cold_start_ms = (time.perf_counter() - self._opened_at) * 1e3
        return np.frombuffer(base64.b64decode(output["data"]), dtype=np.float32).reshape(output["dims"]).copy()

    def artifact_bytes(self) -> int | None:
        return self.record.size_bytes

    @property
    def img_size(self) -> int:
        return self.record.model.img_size

    def close(self) -> None:
        if self.page is not None:
            self.page.close()
        self.page = None

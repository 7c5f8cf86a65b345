"""A web bundle's page in headless Chromium, driven by Playwright: what the onnxruntime-web runner and the browser
tests open. The bundle is served on localhost (``formats.web_host``) with or without the cross-origin isolation headers;
every request the page makes is recorded, so a test can show that nothing leaves the page's origin.

Chromium is the system's (``core.optional.browser``: Debian's ``chromium``, or ``UGATIT_CHROMIUM``), not a download
of Playwright's.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..core.optional import browser


class BundlePage:
    """The bundle's page, open and its model loaded (``open``), until ``close``. ``requests``: every URL it asked
    for; ``info``: what the page reports (backend, threads, isolation, load time); ``load_ms``: navigation to a
    loaded model, as the host measured it."""

    def __init__(self, bundle: Path, isolated: bool = True, threads: int | None = None) -> None:
        self.bundle, self.isolated, self.threads = bundle, isolated, threads
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.info: dict[str, Any] = {}
        self.load_ms = 0.0
        self.page: Any = None
        self._server: Any = None
        self._playwright: Any = None
        self._browser: Any = None

    @property
    def url(self) -> str:
        assert self._server is not None, "open() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def open(self, timeout_s: float = 120.0) -> BundlePage:
        from playwright.sync_api import sync_playwright

        from ..formats.web_host import bundle_server

        self._server = bundle_server(self.bundle, port=0, isolated=self.isolated)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        try:
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=browser(),
                                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
            self.page = self._browser.new_page(accept_downloads=True)
            self.page.set_default_timeout(timeout_s * 1000)
            self.page.on("request", lambda request: self.requests.append(request.url))
            self.page.on("pageerror", lambda error: self.errors.append(str(error)))
            started = time.perf_counter()
            self.page.goto(self.url + (f"?threads={self.threads}" if self.threads else ""))
            self.info = self.page.evaluate("() => ugatit.ready")
            self.load_ms = (time.perf_counter() - started) * 1e3
        except BaseException:
            self.close()
            raise
        return self

    def outside_requests(self) -> list[str]:
        """The requests that left the page's origin (a ``blob:`` URL of the page counts as its own)."""
        own = urlsplit(self.url)
        return [url for url in self.requests if not url.startswith("data:")
                and urlsplit(url.removeprefix("blob:")).netloc != own.netloc]  # fmt: skip

    def close(self) -> None:
        for stop in (self._browser and self._browser.close, self._playwright and self._playwright.stop):
            try:
                if stop:
                    stop()
            except Exception:  # noqa: BLE001 - a browser already gone: nothing left to close
                pass
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._browser = self._playwright = self._server = self.page = None

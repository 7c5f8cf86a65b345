"""How a web bundle is hosted (``ugatit-deploy serve-web``, the browser runner): a local HTTP server of the
folder, with the headers that make the page cross-origin isolated (COOP ``same-origin`` + COEP ``require-corp``),
which onnxruntime-web needs to run on more than one thread. Any static host serves the same folder; without those
headers the page runs on one thread and says so.
"""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..core.errors import UgatitDeployError
from .web import MANIFEST

ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json",
         ".onnx": "application/octet-stream"}  # fmt: skip


class _Handler(SimpleHTTPRequestHandler):
    """Files of one folder, read-only, with the isolation headers unless ``isolated`` is False."""

    isolated = True
    quiet = True
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def end_headers(self) -> None:
        if self.isolated:
            for name, value in ISOLATION_HEADERS.items():
                self.send_header(name, value)
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        if not self.quiet:
            super().log_message(format, *args)


def check_bundle(folder: Path) -> Path:
    """``folder`` when it is a web bundle, else UgatitDeployError in one line."""
    if not (folder / MANIFEST).is_file():
        raise UgatitDeployError(f"{folder}: not a web bundle (no {MANIFEST}); make one with export --format web")
    return folder


def bundle_server(folder: Path, host: str = "127.0.0.1", port: int = 8000, isolated: bool = True,
                  quiet: bool = True) -> ThreadingHTTPServer:  # fmt: skip
    """A server of the bundle at ``folder`` (port 0: any free port; ``server.server_address`` says which). The
    caller runs ``serve_forever`` (in a thread, for the browser runner) and ``shutdown``."""
    handler = type("BundleHandler", (_Handler,), {"isolated": isolated, "quiet": quiet})
    try:
        server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(check_bundle(folder))))
    except OSError as exc:
        raise UgatitDeployError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    server.daemon_threads = True
    return server

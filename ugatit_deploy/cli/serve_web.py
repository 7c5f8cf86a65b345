"""``ugatit-deploy serve-web``: a web bundle on localhost, cross-origin isolated so its page runs on threads."""

from __future__ import annotations

import signal
from pathlib import Path

import click


@click.command("serve-web")
@click.argument("bundle", type=click.Path(path_type=Path, file_okay=False))
@click.option("--port", default=8000, show_default=True, help="The port; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 serves other machines.")  # fmt: skip
@click.option("--no-isolation", is_flag=True,
              help="Leave out the COOP/COEP headers: the page then runs on one thread, as on a plain static host.")
@click.option("--log", "verbose", is_flag=True, help="Print a line per request.")
def serve_web_command(bundle: Path, port: int, host: str, no_isolation: bool, verbose: bool) -> None:
    """Serve a web bundle (a folder made by export --format web) on a local HTTP server.

    The page translates photos in the browser with onnxruntime-web: the photo never leaves the machine. The
    server sends Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, which
    onnxruntime-web needs for WebAssembly threads; any static host with the same headers does the same (without
    them the page runs on one thread and says so). Ctrl-C stops it.

    \b
    Examples:
      ugatit-deploy export --format web --out site/        # site/demo_shapes_a2b_a2b_fp32.web/
      ugatit-deploy serve-web site/demo_shapes_a2b_a2b_fp32.web --port 8080
    """
    from ..formats.web_host import bundle_server

    server = bundle_server(bundle, host, port, isolated=not no_isolation, quiet=not verbose)
    address, bound = server.server_address[:2]
    threads = "one thread (no isolation headers)" if no_isolation else "threads (cross-origin isolated)"
    click.echo(f"serving {bundle} at http://{address}:{bound}/ ({threads}); Ctrl-C stops")
    signal.signal(signal.SIGTERM, lambda *_: server.shutdown())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

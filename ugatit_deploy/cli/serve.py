"""``ugatit-deploy serve``: the generator on a real Triton Inference Server (CPU), dynamic batching on any
of the project's runners."""

from __future__ import annotations

import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import click

from ..assets import default_model_path
from ..backends.registry import BACKENDS, FAMILIES
from ..core.limits import Limits, apply_limits
from ..inference.faces import FACE_MODES


def _checked_options(max_batch: int, instances: int, max_size: int | None, max_queue_delay_us: int,
                     faces: str | None) -> int:  # fmt: skip
    """Usage errors for options out of range; returns --max-model-size (default: the shared limit's)."""
    from ..serving.repository import SERVED_FACE_MODES

    if max_size is None:
        max_size = Limits.current().max_model_size
    for option, value in (("--max-batch", max_batch), ("--instances", instances), ("--max-model-size", max_size)):
        if value < 1:
            raise click.BadParameter(f"must be >= 1, got {value}", param_hint=option)
    if max_queue_delay_us < 0:
        raise click.BadParameter(f"must be >= 0, got {max_queue_delay_us}", param_hint="--max-queue-delay-us")
    if faces is not None and faces not in SERVED_FACE_MODES:
        raise click.BadParameter(f"{faces}: the server returns one image per photo; use "
                                 f"{' or '.join(SERVED_FACE_MODES)}", param_hint="--faces")  # fmt: skip
    return max_size


@click.command("serve")
@click.argument("model", required=False, type=click.Path(path_type=Path))
@click.option("--backend", default="auto", show_default=True,
              type=click.Choice(list(dict.fromkeys(["auto", *FAMILIES, *BACKENDS]))),
              help="The runner inside the server, as for infer: auto (the model file's own kind), a family or a "
              "backend name.")  # fmt: skip
@click.option("--direction", default="a2b", show_default=True, metavar="a2b|b2a", help="Generator of a checkpoint.")
@click.option("--max-batch", default=8, show_default=True, help="Triton's max_batch_size: images per execution.")
@click.option("--max-queue-delay-us", default=2000, show_default=True,
              help="How long Triton's dynamic batcher waits to fill a batch.")  # fmt: skip
@click.option("--instances", default=1, show_default=True, help="Model instances (each a runner in its own process).")
@click.option("--threads", type=int, default=None, help="CPU threads per instance. Default: the runner's.")
@click.option(
    "--max-model-size",
    "--max-size",
    "max_size",
    type=int,
    default=None,
    help="Largest H or W a light model accepts, and the largest size a model may declare: the shared "
    "limit max_model_size (default 1,024; also UGATIT_MAX_MODEL_SIZE). --max-size is its old name.",
)
@click.option("--http-port", default=8000, show_default=True)
@click.option("--grpc-port", default=8001, show_default=True)
@click.option("--metrics-port", default=8002, show_default=True, help="Prometheus metrics at /metrics.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 serves other machines.")  # fmt: skip
@click.option("--name", default="ugatit", show_default=True, help="The model's name on the server.")
@click.option("--repo", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Keep the model repository and Triton's log here (default: a temporary folder).")  # fmt: skip
@click.option("--faces", type=click.Choice(FACE_MODES), default=None, is_flag=False, flag_value="paste",
              help="Also serve the face pipeline as the model <name>_faces: an image file's bytes in, the PNG of the "
              "photo with its faces translated and pasted back (paste, the default of a bare --faces; auto: a photo "
              "without a face is translated whole) and the faces JSON line out; not crops: the server returns one "
              "image per photo. Any HTTP client can call it (docs/serving.md).")  # fmt: skip
def serve_command(model: Path | None, backend: str, direction: str, max_batch: int, max_queue_delay_us: int,
                  instances: int, threads: int | None, max_size: int, http_port: int, grpc_port: int,
                  metrics_port: int, host: str, name: str, repo: Path | None, faces: str | None) -> None:  # fmt: skip
    """Serve a model (checkpoint, ONNX, .mnn, .ncnn.param; default: the built-in model) on Triton.

    Inputs and outputs are those of the exported ONNX: FP32 "input" B x 3 x H x W in [-1, 1] and
    "output", same shape; light models take any H, W that are multiples of 4 (up to --max-model-size), full models
    their own size. Health, readiness and model metadata answer on the HTTP and gRPC ports, Prometheus
    metrics on the metrics port. Ctrl-C or SIGTERM: requests in flight finish, new ones are refused, exit 0.

    \b
    Examples:
      ugatit-deploy serve                                    # the built-in model, torch on CPU
      ugatit-deploy serve exports/run_a2b_fp32.onnx --instances 2 --max-batch 4
      ugatit-deploy serve exports/run_a2b_int8-cpu.onnx --backend openvino --host 0.0.0.0
      ugatit-deploy serve --faces                            # also ugatit_faces: photo file in, PNG out
      ugatit-deploy infer --server localhost:8001 photos/ --out anime/   # a client
    """
    from ..backends import artifact_kind, open_model
    from ..serving.repository import ServedModel, faces_model_name, write_repository
    from ..serving.server import Ports, ServeError, TritonServer
    from ..serving.triton_runtime import find_runtime

    max_size = _checked_options(max_batch, instances, max_size, max_queue_delay_us, faces)
    apply_limits(max_model_size=max_size)  # for the model's check here and in Triton's model processes
    runtime = find_runtime()
    ports = Ports(http_port, grpc_port, metrics_port, host)
    ports.check_free()  # before the model loads: a taken port fails at once (start() checks again)
    path = (model or default_model_path()).resolve()
    if not path.exists():
        raise click.BadParameter(f"{path}: no such file", param_hint="MODEL")
    options: dict[str, Any] = {"threads": threads} if threads else {}
    if artifact_kind(path) == "checkpoint":
        options["direction"] = direction
    runner = open_model(path, backend, **options)
    if faces is not None:
        from ..export.face_detector import detector_folder, read_detector

        # the detector's files are there and whole (else one line saying how to get them), before Triton starts;
        # the faces model's processes compile them
        read_detector(detector_folder(None, path))
    with runner:  # loads here, so a model that cannot run fails now, in one line, before Triton starts
        served = ServedModel(str(path), runner.info.backend, runner.light, runner.img_size, runner.resize_method,
                             name, direction, max_batch, max_queue_delay_us, instances, threads, max_size)  # fmt: skip
        label = runner.info.label
    workdir = repo or Path(tempfile.mkdtemp(prefix="ugatit-serve-"))
    write_repository(workdir / "models", served, faces)
    server = TritonServer(runtime, workdir / "models", ports, workdir)
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)
        if server.process is not None and server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.start()
    except ServeError:
        server.stop()
        raise
    size = "any H, W (multiples of 4)" if served.light else f"{served.img_size} x {served.img_size}"
    faces_url = f"  faces   http://{host}:{http_port}/v2/models/{faces_model_name(name)} ({faces})\n" if faces else ""
    click.echo(f"serving {name} ({label}, {size}, max batch {max_batch}, {instances} instance(s))\n"
               f"  HTTP    http://{host}:{http_port}/v2/models/{name}\n{faces_url}  gRPC    {host}:{grpc_port}\n"
               f"  metrics http://{host}:{metrics_port}/metrics\n  log     {server.log}\n"
               "Ctrl-C or SIGTERM stops it (requests in flight finish first).", err=False)  # fmt: skip
    code = server.wait()
    if not stopping:
        raise ServeError(f"Triton exited by itself (exit {code}); see {server.log}")
    code = server.stop()
    click.echo(f"stopped (Triton exit {code})")
    if code != 0:
        raise ServeError(f"Triton did not stop cleanly (exit {code}); see {server.log}")
    if repo is None:  # a temporary repository: kept only when something went wrong, for its log
        shutil.rmtree(workdir, ignore_errors=True)

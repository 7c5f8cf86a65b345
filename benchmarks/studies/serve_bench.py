"""Serving throughput and latency: `ugatit-deploy serve` (Triton, dynamic batching, gRPC clients on loopback)
against direct in-process calls of the same runner, at several client concurrencies. Each client sends
``--requests`` single-image requests one after another; the direct baseline runs the same calls on the same
runner from as many threads. Writes a JSON record and a chart. Usage::

    python benchmarks/studies/serve_bench.py --model exports/demo_shapes_a2b_a2b_int8-cpu.onnx \\
        --backend onnxruntime-cpu --out benchmarks/results/serve_demo.json

The runner is ``backends.create_backend``'s; each client times its calls with ``benchmarks.latency``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ugatit_deploy.backends import create_backend
from ugatit_deploy.benchmarks.latency import summarize, time_interleaved
from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.serving.server import free_ports

SCRIPT = "benchmarks/studies/serve_bench.py"


def start_server(args: argparse.Namespace, folder: Path) -> tuple[subprocess.Popen, int]:
    """`ugatit-deploy serve` in a subprocess on free ports, once ready: (the process, its gRPC port)."""
    http, grpc, metrics = free_ports(3)
    command = [sys.executable, "-m", "ugatit_deploy", "serve", str(args.model), "--backend", args.backend,
               "--max-batch", str(args.max_batch), "--max-queue-delay-us", str(args.queue_delay_us),
               "--http-port", str(http), "--grpc-port", str(grpc), "--metrics-port", str(metrics),
               "--repo", str(folder)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http}/v2/health/ready", timeout=1) as answer:
                if answer.status == 200:
                    return process, grpc
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not get ready")


def measure(concurrency: int, requests: int, call: Callable[[], object]) -> dict:
    """``concurrency`` threads, each making ``requests`` calls in a row: latency per call, throughput overall."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        mine = time_interleaved({"call": call}, rounds=1, iters=requests, warmup=0)["call"]
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "concurrency": concurrency,
        "requests": len(ordered),
        "images_per_s": round(len(ordered) / elapsed, 2),
        "p50_ms": round(summarize(ordered, 1).ms_per_batch.p50, 2),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2),  # an observed latency, not interpolated
    }


def chart(rows: list[dict], path: Path) -> None:
    """Throughput and p50 / p99 latency against client concurrency, served and direct, as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4))
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    for mode, marker in (("served", "o"), ("direct", "s")):
        points = [r for r in rows if r["mode"] == mode]
        levels = [r["concurrency"] for r in points]
        left.plot(levels, [r["images_per_s"] for r in points], marker=marker, label=mode)
        right.plot(levels, [r["p50_ms"] for r in points], marker=marker, label=f"{mode} p50")
        right.plot(levels, [r["p99_ms"] for r in points], marker=marker, linestyle="--", label=f"{mode} p99")
    left.set(xlabel="client concurrency", ylabel="images / s", title="throughput", xscale="log")
    right.set(xlabel="client concurrency", ylabel="ms per request", title="latency", xscale="log")
    for axes in (left, right):
        axes.legend()
        axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def served_rows(args: argparse.Namespace, image: np.ndarray, levels: list[int]) -> list[dict]:
    """One row per concurrency through the server (gRPC clients, one per thread), after a short warm-up."""
    import tritonclient.grpc as grpc

    with tempfile.TemporaryDirectory(prefix="ugatit_serve_bench_") as tmp:
        process, port = start_server(args, Path(tmp) / "repo")
        local, clients = threading.local(), []

        def served() -> object:
            if not hasattr(local, "client"):
                local.client = grpc.InferenceServerClient(f"127.0.0.1:{port}")
                clients.append(local.client)
            request = grpc.InferInput("input", list(image.shape), "FP32")
            request.set_data_from_numpy(image)
            return local.client.infer("ugatit", [request]).as_numpy("output")

        try:
            measure(2, 10, served)  # warm-up
            return [{"mode": "served", **measure(c, args.requests, served)} for c in levels]
        finally:
            for client in clients:  # gRPC channels left open keep threads that outlive the server
                client.close()
            process.terminate()
            process.wait(60)


def direct_rows(args: argparse.Namespace, image: np.ndarray, levels: list[int]) -> list[dict]:
    """One row per concurrency of in-process calls on one runner shared by the threads."""
    with create_backend(args.backend, args.model) as runner:
        runner.run(image)
        return [{"mode": "direct", **measure(c, args.requests, lambda: runner.run(image))} for c in levels]


def compare(rows: list[dict], levels: list[int]) -> None:
    """Add the served rows' p50 overhead (%) and throughput ratio against direct calls at the same level."""
    for level in levels:
        served_row, direct_row = (next(r for r in rows if r["mode"] == m and r["concurrency"] == level)
                                  for m in ("served", "direct"))  # fmt: skip
        served_row["overhead_p50_pct"] = round(100 * (served_row["p50_ms"] / direct_row["p50_ms"] - 1), 1)
        served_row["throughput_vs_direct"] = round(served_row["images_per_s"] / direct_row["images_per_s"], 2)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (``argv``; ``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--backend", default="onnxruntime-cpu")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--requests", type=int, default=50, help="requests per client")
    parser.add_argument("--max-batch", type=int, default=8)
    parser.add_argument("--queue-delay-us", type=int, default=2000)
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Served, then direct, at each concurrency; write the record and its chart (same name, .png)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    with create_backend(args.backend, args.model) as runner:
        size = runner.img_size
    image = np.random.default_rng(0).uniform(-1, 1, (1, 3, size, size)).astype(np.float32)
    levels = [int(c) for c in args.concurrency.split(",")]
    rows = served_rows(args, image, levels) + direct_rows(args, image, levels)
    compare(rows, levels)
    for row in rows:
        print(row)
    result = {"command": f"python {SCRIPT} " + " ".join(argv), "model": args.model.name,
              "backend": args.backend, "img_size": size, "max_batch": args.max_batch,
              "queue_delay_us": args.queue_delay_us, "machine": machine_record(), "rows": rows}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    chart(rows, args.out.with_suffix(".png"))


if __name__ == "__main__":
    main()

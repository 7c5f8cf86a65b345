"""ONNX Runtime CPU latency of the INT8 variants against FP32 at 256 px, light ngf 64 (official size).

    python -m ugatit_deploy.benchmarks.int8_cpu_speed [--ckpt PATH] [--size 256] [--threads 2]
        [--iters 10] [--out benchmarks/results/int8_cpu_speed.json]

Without --ckpt the official light architecture (ngf 64, 4 blocks) is used with seeded random weights:
speed does not depend on the weights, quality does (PSNR is reported, but only the demo model's
figure says something about quality). Calibration: the bundled reference images.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import load_generator, save_generator
from ..export.int8 import calibration_set, quantize
from ..export.onnx_graph import GraphOptions, export_graph
from ..export.validate import ort_session
from ..model import GeneratorConfig
from ..parity import image_parity
from ..reference_images import reference_batch
from .machine import machine_record


def latency_ms(session, x: np.ndarray, warmup: int, iters: int) -> list[float]:
    for _ in range(warmup):
        session.run(None, {"input": x})
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        session.run(None, {"input": x})
        times.append((time.perf_counter() - start) * 1e3)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ckpt", type=Path, default=None)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/int8_cpu_speed.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        ckpt = args.ckpt
        if ckpt is None:
            torch.manual_seed(0)
            ckpt = Path(tmp) / "official_light_random.pt"
            save_generator(GeneratorConfig(64, 4, args.size, light=True).build(), ckpt)
        generator = load_generator(ckpt)
        fp32 = export_graph(generator, GraphOptions(adailn="function"))
        calibration = calibration_set(None, 32, {}, "a2b", args.size)
        models = {"fp32": fp32}
        for variant in ("int8", "int8-cpu"):
            models[variant] = quantize(fp32, calibration.batches, variant, cache_dir=Path(tmp))

    images = reference_batch(args.size)
    with torch.no_grad():
        reference = generator(images)[0].numpy()
    x = images[:1].numpy()
    results = {}
    for name, model in models.items():
        session = ort_session(model, threads=args.threads)
        times = latency_ms(session, x, args.warmup, args.iters)
        out = np.concatenate([session.run(None, {"input": images[i : i + 1].numpy()})[0] for i in range(len(images))])
        results[name] = {
            "ms_p50": statistics.median(times),
            "ms_all": times,
            "parity_vs_torch_fp32": image_parity(reference, out),
        }
    base = results["fp32"]["ms_p50"]
    for name, record in results.items():
        record["speedup_vs_ort_fp32"] = base / record["ms_p50"]
        print(f"{name:>9}: {record['ms_p50']:7.1f} ms  x{record['speedup_vs_ort_fp32']:.2f}  "
              f"PSNR {record['parity_vs_torch_fp32']['psnr_db']:.1f} dB")  # fmt: skip
    report = {
        "checkpoint": str(args.ckpt) if args.ckpt else "official light architecture, random weights (seed 0)",
        "size": args.size,
        "threads": args.threads,
        "batch": 1,
        "calibration": calibration.source,
        "machine": machine_record(),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

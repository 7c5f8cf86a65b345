"""Where an ncnn model spends its time: each Convolution's share, timed from outside (the PyPI wheel has no
per-layer profiler). For each convolution, the time to compute its output minus the time to compute its
input (fresh extractors, best of ``--repeat``); the rest of the run is every other layer (norms, pads,
element-wise ops, upsampling). Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/studies/ncnn_layer_profile.py --threads 2 \\
        --out benchmarks/results/ncnn_profile_light256.json MODEL_fp32.ncnn.param MODEL_int8-cpu.ncnn.param

The net is the package's ncnn runtime (``formats.ncnn_runtime.NcnnNet``), the timing loop
``benchmarks.latency.time_interleaved``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from ugatit_deploy.benchmarks.latency import time_interleaved
from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.formats.ncnn import weights_path
from ugatit_deploy.formats.ncnn_int8 import NcnnLayer, read_model
from ugatit_deploy.formats.ncnn_runtime import OUTPUT_BLOB, NcnnNet

SCRIPT = "benchmarks/studies/ncnn_layer_profile.py"


def profile(param: Path, threads: int, repeat: int) -> dict:
    """The whole run's ms and each Convolution's (best of ``repeat``), split into int8 / float / other."""
    weights = weights_path(param)
    model = read_model(param, weights)
    net = NcnnNet(param, weights, threads=threads)
    image = reference_batch(read_sidecar(param).model.img_size).numpy()[0]

    def ms_to(blob: str) -> float:
        """Best ms of ``repeat`` fresh extractions up to ``blob``."""
        samples = time_interleaved({blob: lambda: net.blobs(image, [blob])}, rounds=1, iters=repeat, warmup=0)
        return min(samples[blob])

    return {"model": param.name, **shares(model.convolutions(), ms_to)}


def shares(convolutions: list[NcnnLayer], ms_to: Callable[[str], float]) -> dict:
    """Each convolution's ms (time to its output minus time to its input, never below 0) and the totals."""
    total = ms_to(OUTPUT_BLOB)
    layers = []
    for conv in convolutions:
        ms = max(0.0, ms_to(conv.tops[0]) - ms_to(conv.bottoms[0]))
        layers.append({"layer": conv.name, "out_channels": conv.get(0), "kernel": conv.get(1), "stride": conv.get(3, 1),
                       "int8": conv.get(8) > 0, "ms": round(ms, 2)})  # fmt: skip
    int8_ms = sum(layer["ms"] for layer in layers if layer["int8"])
    float_ms = sum(layer["ms"] for layer in layers if not layer["int8"])
    return {"total_ms": round(total, 1), "int8_conv_ms": round(int8_ms, 1), "float_conv_ms": round(float_ms, 1),
            "other_layers_ms": round(total - int8_ms - float_ms, 1), "layers": layers}  # fmt: skip


def _print(param: Path, result: dict) -> None:
    print(f"{param.name}: {result['total_ms']} ms = int8 convolutions {result['int8_conv_ms']} + float "
          f"convolutions {result['float_conv_ms']} + other layers {result['other_layers_ms']}")  # fmt: skip
    for layer in sorted(result["layers"], key=lambda item: -item["ms"])[:4]:
        print(f"  {layer['layer']:<12} {layer['out_channels']:>4} out, {layer['kernel']}x{layer['kernel']}, "
              f"{'int8' if layer['int8'] else 'float'}: {layer['ms']} ms")  # fmt: skip


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (``argv``; ``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", type=Path, help=".ncnn.param files (their .bin and sidecar beside)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Profile each model and write one record with every profile (and the machine)."""
    args = parse_args(argv)
    results = []
    for param in args.models:
        result = profile(param, args.threads, args.repeat)
        results.append(result)
        _print(param, result)
    command = f"OMP_WAIT_POLICY=PASSIVE python {SCRIPT} " + " ".join(
        [f"--threads {args.threads}", f"--repeat {args.repeat}", f"--out {args.out}", *map(str, args.models)]
    )
    record = {"command": command, "threads": args.threads, "machine": machine_record(), "profiles": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()

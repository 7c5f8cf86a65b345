"""Where an ncnn model spends its time: each Convolution's share, timed from outside (the PyPI wheel has no
per-layer profiler). For each convolution, the time to compute its output minus the time to compute its
input (fresh extractors, best of ``--repeat``); the rest of the run is every other layer (norms, pads,
element-wise ops, upsampling). Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/ncnn_layer_profile.py --threads 2 \\
        --out benchmarks/results/ncnn_profile_light256.json MODEL_fp32.ncnn.param MODEL_int8-cpu.ncnn.param
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ugatit_deploy.export.ncnn_format import weights_path
from ugatit_deploy.export.ncnn_int8 import read_model
from ugatit_deploy.metadata import read_sidecar
from ugatit_deploy.ncnn_runtime import OUTPUT_BLOB, NcnnNet
from ugatit_deploy.reference_images import reference_batch


def profile(param: Path, threads: int, repeat: int) -> dict:
    weights = weights_path(param)
    model = read_model(param, weights)
    net = NcnnNet(param, weights, threads=threads)
    size = int(read_sidecar(param)["model"]["img_size"])
    image = reference_batch(size).numpy()[0]

    def ms_to(blob: str) -> float:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            net.blobs(image, [blob])
            best = min(best, time.perf_counter() - start)
        return best * 1000

    total = ms_to(OUTPUT_BLOB)
    layers = []
    for conv in model.convolutions():
        ms = max(0.0, ms_to(conv.tops[0]) - ms_to(conv.bottoms[0]))
        layers.append({"layer": conv.name, "out_channels": conv.get(0), "kernel": conv.get(1), "stride": conv.get(3, 1),
                       "int8": conv.get(8) > 0, "ms": round(ms, 2)})  # fmt: skip
    int8_ms = sum(layer["ms"] for layer in layers if layer["int8"])
    float_ms = sum(layer["ms"] for layer in layers if not layer["int8"])
    return {"model": param.name, "total_ms": round(total, 1), "int8_conv_ms": round(int8_ms, 1),
            "float_conv_ms": round(float_ms, 1), "other_layers_ms": round(total - int8_ms - float_ms, 1),
            "layers": layers}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", type=Path, help=".ncnn.param files (their .bin and sidecar beside)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    results = []
    for param in args.models:
        result = profile(param, args.threads, args.repeat)
        results.append(result)
        print(f"{param.name}: {result['total_ms']} ms = int8 convolutions {result['int8_conv_ms']} + float "
              f"convolutions {result['float_conv_ms']} + other layers {result['other_layers_ms']}")  # fmt: skip
        for layer in sorted(result["layers"], key=lambda item: -item["ms"])[:4]:
            print(f"  {layer['layer']:<12} {layer['out_channels']:>4} out, {layer['kernel']}x{layer['kernel']}, "
                  f"{'int8' if layer['int8'] else 'float'}: {layer['ms']} ms")  # fmt: skip
    command = "OMP_WAIT_POLICY=PASSIVE python benchmarks/ncnn_layer_profile.py " + " ".join(
        [f"--threads {args.threads}", f"--repeat {args.repeat}", f"--out {args.out}", *map(str, args.models)]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": command, "threads": args.threads, "profiles": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()

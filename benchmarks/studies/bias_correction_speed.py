"""Bias correction two ways on one model, side by side in one process: ``correct_biases`` (each node once, the
corrections added to the kept convolution outputs, ``forms.transforms.segments``) and its definition
``correct_biases_by_rerunning`` (the graph run again up to every quantized convolution).

    python benchmarks/studies/bias_correction_speed.py --ckpt official_light_256.pt --calib-images 16 --name light256

Both correct the same int8-cpu graph (default recipe, bias correction off) on the same calibration images. Writes
``<out-dir>/bias_correction_speed_<name>.json``: the command, the machine, both wall times and how many int32 steps
apart the two sets of biases are at most.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.checkpoint import open_generator
from ugatit_deploy.export.onnx_graph import GraphOptions, export_graph
from ugatit_deploy.forms import FORMS
from ugatit_deploy.forms.transforms.bias_correction import (
    conv_biases,
    correct_biases,
    correct_biases_by_rerunning,
    reference_means,
)
from ugatit_deploy.forms.transforms.int8 import calibration_set
from ugatit_deploy.forms.transforms.int8_options import QuantRecipe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", type=Path, required=True)
    parser.add_argument("--direction", default="a2b")
    parser.add_argument("--calib-images", type=int, default=16)
    parser.add_argument("--name", required=True)
    parser.add_argument("--out-dir", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args(argv)
    info, generator = open_generator(args.ckpt, args.direction)
    fp32 = export_graph(generator, GraphOptions())
    size = info.config_for(args.direction).img_size
    batches = calibration_set(None, args.calib_images, info.metadata, args.direction, size).batches
    plain = FORMS["int8-cpu"].quantize(fp32, batches, None, recipe=QuantRecipe(bias_correction=False))
    reference_means(fp32, batches)  # the FP32 means both ways share, kept by the process
    start = time.perf_counter()
    one_pass = correct_biases(fp32, plain, batches)
    one_pass_s = time.perf_counter() - start
    start = time.perf_counter()
    rerun = correct_biases_by_rerunning(fp32, plain, batches)
    rerun_s = time.perf_counter() - start
    fast, slow = conv_biases(one_pass), conv_biases(rerun)
    record = {
        "command": shlex.join(["python", "benchmarks/studies/bias_correction_speed.py", *(argv or sys.argv[1:])]),
        "date": datetime.date.today().isoformat(),
        "machine": machine_record(),
        "checkpoint": args.ckpt.name,
        "size": size,
        "calibration_images": len(batches),
        "quantized_convolutions": len(fast),
        "one_pass_s": round(one_pass_s, 1),
        "rerunning_s": round(rerun_s, 1),
        "max_bias_steps_apart": max(int(np.abs(fast[k].astype(np.int64) - slow[k]).max()) for k in fast),
    }
    path = args.out_dir / f"bias_correction_speed_{args.name}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

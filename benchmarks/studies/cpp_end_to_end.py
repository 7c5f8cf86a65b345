"""The C++ runner against `ugatit-deploy infer`, end to end: the same inline ONNX on OpenVINO's CPU device,
the same folder of images, each run a fresh process (start-up, model read and compile, decode, resize,
inference, encode, write), interleaved over ``--rounds``. Writes a JSON record. Usage::

    python benchmarks/studies/cpp_end_to_end.py --build build/cpp --model exports/demo_shapes_a2b_a2b_fp32.onnx \\
        --images 20 --out benchmarks/results/cpp_end_to_end_demo.json

Each process is one timed call of ``benchmarks.latency.time_interleaved`` (no warm-up: start-up is measured).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from ugatit_deploy.benchmarks.latency import summarize, time_interleaved
from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.core.reference_images import demo_images, photo_paths

SCRIPT = "benchmarks/studies/cpp_end_to_end.py"
CPP = "c++ ugatit-infer"
PYTHON = "python ugatit-deploy infer --backend openvino"


def write_images(folder: Path, count: int, size: int) -> None:
    """The bundled photos, then demo images at the model's size, ``count`` files in all."""
    photos = photo_paths()[:count]
    for photo in photos:
        shutil.copy(photo, folder / photo.name)
    for index, image in enumerate(demo_images(count - len(photos), size, seed=11)):
        image.save(folder / f"demo_{index:02d}.png")


def run_checked(command: list[str]) -> None:
    """Run one process to the end; SystemExit with its last error line where it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {(done.stderr or done.stdout).strip().splitlines()[-1]}")


def commands(build: Path, model: Path, images: Path, out: Path) -> dict[str, list[str]]:
    """The two command lines, by runner name: each reads ``images`` and writes under ``out``."""
    ugatit_deploy = str(Path(sys.executable).with_name("ugatit-deploy"))
    return {
        CPP: [str(build / "ugatit-infer"), "--model", str(model), "--in", str(images), "--out", str(out / "cpp")],
        PYTHON: [ugatit_deploy, "infer", "--model", str(model), "--backend", "openvino", "--out", str(out / "py"),
                 str(images)],
    }  # fmt: skip


def rows(seconds: dict[str, list[float]], images: int) -> list[dict]:
    """Median and best seconds per runner, ms per image and the ratio to the C++ runner."""
    cpp = summarize(seconds[CPP], 1).ms_per_batch.p50
    table = []
    for name, samples in seconds.items():
        stats = summarize(samples, 1).ms_per_batch  # in seconds here: the statistics do not care
        per_image = round(1000 * stats.p50 / images, 1)
        table.append({"runner": name, "seconds_p50": round(stats.p50, 3), "seconds_min": round(stats.min, 3),
                      "ms_per_image": per_image, "vs_cpp": round(stats.p50 / cpp, 2)})  # fmt: skip
        print(f"{name:<48} {stats.p50:7.2f} s for {images} images ({1000 * stats.p50 / images:.0f} ms/image)")
    return table


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (``argv``; ``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, required=True, help="the CMake build folder (holds ugatit-infer)")
    parser.add_argument("--model", type=Path, required=True, help="an inline ONNX file (export --adailn inline)")
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Time both runners on one folder of images, fresh processes interleaved, and write the record."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    size = read_sidecar(args.model).model.img_size
    with tempfile.TemporaryDirectory(prefix="ugatit_e2e_") as tmp:
        images = Path(tmp) / "images"
        images.mkdir()
        write_images(images, args.images, size)
        runs = {
            name: partial(run_checked, line)
            for name, line in commands(args.build, args.model, images, Path(tmp)).items()
        }
        ms = time_interleaved(runs, rounds=args.rounds, iters=1, warmup=0)
    seconds = {name: [value / 1000 for value in samples] for name, samples in ms.items()}
    result = {"command": f"python {SCRIPT} " + " ".join(argv), "model": args.model.name, "img_size": size,
              "images": args.images, "rounds": args.rounds, "machine": machine_record(),
              "rows": rows(seconds, args.images)}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

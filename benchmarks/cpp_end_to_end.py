"""The C++ runner against `ugatit-deploy infer`, end to end: the same inline ONNX on OpenVINO's CPU device,
the same folder of images, each run a fresh process (start-up, model read and compile, decode, resize,
inference, encode, write), interleaved over ``--rounds``. Writes a JSON record. Usage::

    python benchmarks/cpp_end_to_end.py --build build/cpp --model exports/demo_shapes_a2b_a2b_fp32.onnx \\
        --images 20 --out benchmarks/results/cpp_end_to_end_demo.json
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ugatit_deploy.metadata import read_sidecar
from ugatit_deploy.reference_images import demo_images, photo_paths


def write_images(folder: Path, count: int, size: int) -> None:
    """The bundled photos, then demo images at the model's size, ``count`` files in all."""
    photos = photo_paths()[:count]
    for photo in photos:
        shutil.copy(photo, folder / photo.name)
    for index, image in enumerate(demo_images(count - len(photos), size, seed=11)):
        image.save(folder / f"demo_{index:02d}.png")


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {(done.stderr or done.stdout).strip().splitlines()[-1]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, required=True, help="the CMake build folder (holds ugatit-infer)")
    parser.add_argument("--model", type=Path, required=True, help="an inline ONNX file (export --adailn inline)")
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    size = int(read_sidecar(args.model)["model"]["img_size"])
    ugatit_deploy = str(Path(sys.executable).with_name("ugatit-deploy"))
    with tempfile.TemporaryDirectory(prefix="ugatit_e2e_") as tmp:
        images = Path(tmp) / "images"
        images.mkdir()
        write_images(images, args.images, size)
        commands = {
            "c++ ugatit-infer": [str(args.build / "ugatit-infer"), "--model", str(args.model), "--in", str(images),
                                 "--out", str(Path(tmp) / "cpp")],
            "python ugatit-deploy infer --backend openvino": [ugatit_deploy, "infer", "--model", str(args.model),
                                                              "--backend", "openvino", "--out", str(Path(tmp) / "py"),
                                                              str(images)],
        }  # fmt: skip
        seconds: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                seconds[name].append(timed(command))
    rows = []
    cpp = statistics.median(seconds["c++ ugatit-infer"])
    for name, samples in seconds.items():
        median = statistics.median(samples)
        per_image = round(1000 * median / args.images, 1)
        rows.append({"runner": name, "seconds_p50": round(median, 3), "seconds_min": round(min(samples), 3),
                     "ms_per_image": per_image, "vs_cpp": round(median / cpp, 2)})  # fmt: skip
        print(f"{name:<48} {median:7.2f} s for {args.images} images ({1000 * median / args.images:.0f} ms/image)")
    result = {"command": "python benchmarks/cpp_end_to_end.py " + " ".join(sys.argv[1:]), "model": args.model.name,
              "img_size": size, "images": args.images, "rounds": args.rounds, "machine": platform.processor() or
              platform.machine(), "rows": rows}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

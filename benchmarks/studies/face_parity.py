"""One face pipeline in three places: Python (``infer --faces``), C++ (``ugatit-infer --faces``) and Triton
(``serve --faces``, a photo sent over HTTP), on the same real photos with faces, with the built-in model as an
inline ONNX on OpenVINO, FP32 and the fast CPU mode (int8-cpu). Boxes, landmarks and pixels are compared with
Python's; faces per second are timed for each.

    python benchmarks/studies/face_parity.py --selfies ../shared/datasets/selfie2anime/trainA \\
        --scenes ../shared/datasets/cat2dog/trainA --out benchmarks/results/face_parity.json

The photos: the 4 bundled ones, and composites made here of training selfies (their faces cut out with a soft
oval) pasted into scenes: 2 to 5 faces each at 70 to 320 px, some turned by up to 25 degrees, one with a face too
small to translate, one with 30 faces, one with none. faces/s: the faces translated over the seconds each took
after start-up (Python and C++: the whole command less the same command on one photo without a face; the server:
the requests, sent one after another, once it is up).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ugatit_deploy.assets import default_model_path
from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.core.reference_images import photo_paths

ROOT = Path(__file__).resolve().parents[2]
LEVELS, SHARE = 2, 0.999  # the acceptance: within 2 levels on at least 99.9 % of the pixels


def _face(selfie: Path, side: int, angle: float) -> Image.Image:
    """A selfie's face and hair cut out with a soft oval (RGBA), ``side`` px, turned by ``angle`` degrees."""
    image = Image.open(selfie).convert("RGB").resize((side, side), Image.BICUBIC)
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse((side * 0.12, side * 0.05, side * 0.88, side * 0.97), fill=255)
    image.putalpha(mask.filter(ImageFilter.GaussianBlur(side / 40)))
    return image.rotate(angle, Image.BICUBIC, expand=True) if angle else image


def _scene(background: Path, size: tuple[int, int]) -> Image.Image:
    return Image.open(background).convert("RGB").resize(size, Image.BICUBIC)


def composites(selfies: list[Path], scenes: list[Path], count: int, seed: int) -> dict[str, Image.Image]:
    """``count`` scenes with faces; the last three: a face too small, 30 faces, none."""
    rng = np.random.default_rng(seed)
    photos: dict[str, Image.Image] = {}
    picks = iter(rng.permutation(len(selfies)).tolist())
    for index in range(count - 3):
        canvas = _scene(scenes[index % len(scenes)], (1024, 768))
        n = int(rng.integers(2, 6))
        for slot in range(n):
            side = int(rng.integers(70, 321))
            angle = float(rng.uniform(-25, 25)) if rng.random() < 0.4 else 0.0
            face = _face(selfies[next(picks)], side, angle)
            x = int(slot * 1024 / n + rng.integers(0, max(1024 // n - face.width, 1)))
            y = int(rng.integers(0, max(768 - face.height, 1)))
            canvas.paste(face, (x, y), face)
        photos[f"scene{index + 1:02d}.png"] = canvas
    small = _scene(scenes[-1], (1024, 768))
    for x, side in ((100, 40), (600, 220)):  # eyes ~12 px apart in the first: too small
        face = _face(selfies[next(picks)], side, 0.0)
        small.paste(face, (x, 200), face)
    photos["small_face.png"] = small
    crowd = _scene(scenes[-2], (1200, 1000))
    for slot in range(30):
        face = _face(selfies[next(picks)], 190, 0.0)
        crowd.paste(face, ((slot % 6) * 200, (slot // 6) * 200), face)
    photos["thirty_faces.png"] = crowd
    photos["no_face.png"] = _scene(scenes[-3], (1024, 768))
    return photos


def _timed(command: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {done.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - start


def export_models(work: Path) -> dict[str, Path]:
    out = work / "exports"
    _timed([sys.executable, "-m", "ugatit_deploy", "export", "--adailn", "inline", "--precision", "fp32,int8-cpu",
            "--with-faces", "--out", str(out)])  # fmt: skip
    stem = default_model_path().stem
    return {p: out / f"{stem}_a2b_{p}.onnx" for p in ("fp32", "int8-cpu")}


def run_python(model: Path, photos: Path, out: Path) -> float:
    return _timed([sys.executable, "-m", "ugatit_deploy", "infer", "--model", str(model), "--backend", "openvino",
                   "--faces", "paste", "--out", str(out), str(photos)])  # fmt: skip


def run_cpp(tool: Path, model: Path, photos: Path, out: Path) -> float:
    return _timed([str(tool), "--model", str(model), "--in", str(photos), "--out", str(out), "--faces", "paste"])


def run_server(model: Path, photos: Path, out: Path, port: int) -> float:
    """``serve --faces`` with the model; each photo sent in turn over HTTP (tritonclient.http); seconds taken."""
    import tritonclient.http as http

    command = [sys.executable, "-m", "ugatit_deploy", "serve", str(model), "--backend", "openvino", "--faces", "paste",
               "--http-port", str(port), "--grpc-port", str(port + 1), "--metrics-port", str(port + 2)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = http.InferenceServerClient(f"127.0.0.1:{port}", network_timeout=600)
        for _ in range(600):
            if server.poll() is not None:
                raise SystemExit(f"serve exited with {server.returncode} before it was ready")
            try:
                if client.is_model_ready("ugatit_faces"):
                    break
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            time.sleep(0.5)
        out.mkdir(parents=True, exist_ok=True)
        lines, start = [], time.perf_counter()
        for path in sorted(photos.glob("*.png")):
            data = np.frombuffer(path.read_bytes(), np.uint8)
            request = http.InferInput("image", [len(data)], "UINT8")
            request.set_data_from_numpy(data, binary_data=True)
            name = http.InferInput("name", [len(path.name)], "UINT8")
            name.set_data_from_numpy(np.frombuffer(path.name.encode(), np.uint8), binary_data=True)
            result = client.infer("ugatit_faces", [request, name])
            (out / path.name).write_bytes(result.as_numpy("image").tobytes())
            lines.append(result.as_numpy("faces").tobytes().decode())
        seconds = time.perf_counter() - start
        (out / "faces.jsonl").write_text("".join(line.rstrip("\n") + "\n" for line in lines))
        return seconds
    finally:
        server.terminate()
        server.wait(60)


def _records(folder: Path) -> dict[str, dict]:
    return {r["image"]: r for r in map(json.loads, (folder / "faces.jsonl").read_text().splitlines())}


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def compare(python: Path, other: Path) -> dict:
    """Per photo: faces found, the smallest IoU of matched boxes, the largest landmark distance, the share of
    pixels more than LEVELS apart; and the worst of each over all photos."""
    ours, theirs = _records(python), _records(other)
    rows = {}
    for name, record in ours.items():
        mine, yours = record["faces"], theirs.get(name, {"faces": []})["faces"]
        ious, marks = [], []
        for face in mine:
            best = max(yours, key=lambda f: _iou(face["box"], f["box"]), default=None)
            ious.append(_iou(face["box"], best["box"]) if best else 0.0)
            if best:
                marks.append(float(np.abs(np.subtract(face["landmarks"], best["landmarks"])).max()))
        a = np.asarray(Image.open(python / name).convert("RGB"), dtype=int)
        b = np.asarray(Image.open(other / name).convert("RGB"), dtype=int)
        apart = float((np.abs(a - b) > LEVELS).mean()) if a.shape == b.shape else 1.0
        rows[name] = {"faces": len(mine), "faces_other": len(yours), "min_iou": min(ious, default=1.0),
                      "max_landmark_px": max(marks, default=0.0), "share_over_2_levels": apart,
                      "max_level_diff": int(np.abs(a - b).max()) if a.shape == b.shape else 255,
                      "same_pixels": a.shape == b.shape and bool((a == b).all()),
                      "same_record": record == theirs.get(name)}  # fmt: skip
    worst = {"min_iou": min(r["min_iou"] for r in rows.values()),
             "max_landmark_px": max(r["max_landmark_px"] for r in rows.values()),
             "max_share_over_2_levels": max(r["share_over_2_levels"] for r in rows.values()),
             "identical_records": sum(r["same_record"] for r in rows.values()),
             "identical_images": sum(r["same_pixels"] for r in rows.values()), "photos": len(rows)}  # fmt: skip
    worst["passes"] = (worst["min_iou"] >= 0.98 and worst["max_landmark_px"] <= 1.0
                       and worst["max_share_over_2_levels"] <= 1 - SHARE)  # fmt: skip
    return {"worst": worst, "photos": rows}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--selfies", type=Path, required=True, help="Folder of face-centred selfies.")
    parser.add_argument("--scenes", type=Path, required=True, help="Folder of photos without people (backgrounds).")
    parser.add_argument("--composites", type=int, default=20, help="Composite photos (the last 3: small, 30, none).")
    parser.add_argument("--cpp-build", type=Path, default=ROOT / "build" / "cpp", help="The C++ runner's build.")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "face_parity", help="Scratch folder.")
    parser.add_argument("--port", type=int, default=8470, help="The server's HTTP port (and the next two).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="Results JSON.")
    args = parser.parse_args(argv)
    tool = args.cpp_build / "ugatit-infer"
    if not tool.is_file():
        raise SystemExit(f"no {tool}: cmake -S cpp -B {args.cpp_build} && cmake --build {args.cpp_build} -j2")
    shutil.rmtree(args.work, ignore_errors=True)
    photos = args.work / "photos"
    photos.mkdir(parents=True)
    for path in photo_paths():
        shutil.copy(path, photos / path.name)
    selfies, scenes = sorted(args.selfies.glob("*.jpg")), sorted(args.scenes.glob("*.jpg"))
    for name, image in composites(selfies, scenes, args.composites, args.seed).items():
        image.save(photos / name)
    models = export_models(args.work)
    first = args.work / "first"  # one photo without a face: what a command costs before its first face
    first.mkdir()
    shutil.copy(photos / "no_face.png", first)
    results = {}
    for number, (precision, model) in enumerate(models.items()):
        outs = {w: args.work / precision / w for w in ("python", "cpp", "server")}
        seconds = {"python": run_python(model, photos, outs["python"]),
                   "cpp": run_cpp(tool, model, photos, outs["cpp"]),
                   "server": run_server(model, photos, outs["server"], args.port + 10 * number)}  # fmt: skip
        start = {"python": run_python(model, first, args.work / precision / "python_first"),
                 "cpp": run_cpp(tool, model, first, args.work / precision / "cpp_first")}  # fmt: skip
        records = _records(outs["python"]).values()
        faces = sum(f["status"] == "translated" for r in records for f in r["faces"])
        steady = {k: v - start.get(k, 0.0) for k, v in seconds.items()}
        results[precision] = {
            "faces_translated": faces, "photos": len(records), "command_seconds": seconds,
            "start_seconds": start, "faces_per_s": {k: round(faces / v, 2) for k, v in steady.items()},
            "cpp_vs_python": compare(outs["python"], outs["cpp"]),
            "server_vs_python": compare(outs["python"], outs["server"]),
        }  # fmt: skip
        print(precision, json.dumps({k: v for k, v in results[precision].items() if "vs" not in k}),
              {k: results[precision][k]["worst"] for k in ("cpp_vs_python", "server_vs_python")})  # fmt: skip
    record = {"command": "python " + " ".join(["benchmarks/studies/face_parity.py", *(argv or sys.argv[1:])]),
              "machine": machine_record(), "model": default_model_path().name, "results": results}  # fmt: skip
    args.out.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()

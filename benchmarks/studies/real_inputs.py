"""Speed on real inputs with the built-in model (docs/faces.md): faces per second through ``infer --faces``
(detection, alignment, translation and pasting back included) and frames per second through a video.

    python benchmarks/studies/real_inputs.py --threads 2 --out benchmarks/results/real_inputs_cpu.json

The photos are the bundled ones (the astronaut; a 1280 x 720 group photo of her head pasted three times
into the coffee photo); the video is made here: 640 x 360, 30 fps, 90 frames, H.264, with an AAC track (the
astronaut turning), translated whole and with ``--faces``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from ugatit_deploy.assets import default_model_path
from ugatit_deploy.backends import create_backend
from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.inference.faces import FacePipeline
from ugatit_deploy.inference.video import translate_video


def group_photo() -> np.ndarray:
    astronaut = Image.open(photo_paths()[0]).convert("RGB")
    head = astronaut.crop((70, 15, 155, 105))
    canvas = Image.open(photo_paths()[2]).convert("RGB").resize((1280, 720))
    for x, y, scale in ((100, 120, 1.5), (520, 90, 2.2), (950, 300, 2.8)):
        canvas.paste(head.resize((round(85 * scale), round(90 * scale))), (x, y))
    return np.asarray(canvas)


def faces_per_second(pipeline: FacePipeline, photos: list[np.ndarray], rounds: int) -> dict:
    pipeline.process(photos[0], "warmup")
    faces, start = 0, time.perf_counter()
    for _ in range(rounds):
        for photo in photos:
            faces += len(pipeline.process(photo, "photo").record.faces)
    seconds = time.perf_counter() - start
    detect_start = time.perf_counter()
    for photo in photos:
        pipeline.detector.detect(photo)
    return {"photos": len(photos) * rounds, "faces": faces, "seconds": round(seconds, 2),
            "faces_per_second": round(faces / seconds, 2),
            "detection_seconds_per_photo": round((time.perf_counter() - detect_start) / len(photos), 3)}  # fmt: skip


def make_video(path: Path, frames: int = 90, size: tuple[int, int] = (640, 360)) -> Path:
    from ugatit_deploy.core.optional import av as pyav

    av = pyav()
    photo = Image.open(photo_paths()[0]).convert("RGB")
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=30)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        audio = out.add_stream("aac", rate=44100, layout="stereo")
        for index in range(frames):
            frame = photo.resize((size[1], size[1])).rotate(index * 2)
            canvas = Image.new("RGB", size, (40, 60, 90))
            canvas.paste(frame, ((size[0] - size[1]) // 2, 0))
            for packet in video.encode(av.VideoFrame.from_image(canvas)):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        samples = np.zeros((2, 44100 * frames // 30), np.float32)
        for start in range(0, samples.shape[1], 1024):
            chunk = av.AudioFrame.from_ndarray(samples[:, start : start + 1024], format="fltp", layout="stereo")
            chunk.sample_rate, chunk.pts = 44100, start
            for packet in audio.encode(chunk):
                out.mux(packet)
        for packet in audio.encode(None):
            out.mux(packet)
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    with create_backend("torch-cpu", default_model_path(), threads=args.threads) as backend, \
            tempfile.TemporaryDirectory() as tmp:  # fmt: skip
        pipeline = FacePipeline(backend, "paste", batch=args.batch)
        photos = [np.asarray(Image.open(photo_paths()[0]).convert("RGB")), group_photo()]
        faces = faces_per_second(pipeline, photos, args.rounds)
        clip = make_video(Path(tmp) / "clip.mp4")
        start = time.perf_counter()
        summary = translate_video(backend, clip, Path(tmp) / "out.mp4", batch=args.batch)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        translate_video(backend, clip, Path(tmp) / "faces.mp4", batch=args.batch, faces=pipeline)
        faces_seconds = time.perf_counter() - start
    result = {
        "command": "python "
        + " ".join(["benchmarks/studies/real_inputs.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine_record(),
        "model": default_model_path().name,
        "backend": "torch-cpu fp32",
        "threads": args.threads,
        "faces": faces,
        "video": {
            "frames": summary.frames,
            "size": list(summary.size),
            "seconds": round(seconds, 2),
            "frames_per_second": round(summary.frames / seconds, 2),
            "batch": args.batch,
            "faces_frames_per_second": round(summary.frames / faces_seconds, 2),
        },  # fmt: skip
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

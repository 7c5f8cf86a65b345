"""The web bundle in headless Chromium against Python's ONNX Runtime on the same graph, photo by photo, and a
screenshot of its page with a translated photo.

    python benchmarks/studies/web_bundle.py --images photos8/ --out web.json --screenshot docs/images/web_page.png

Exports the bundle (``export --format web``; default the built-in model), then for every photo: the model input as
Python makes it, the page's output (the onnxruntime-web runner: the page's own ``session.run``) against ONNX
Runtime's on ``model.onnx``, as max abs error; the page's cold start (opening to the first image) and its warm
milliseconds per image. The screenshot chooses the first photo on the page, as a person would.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx

from ugatit_deploy.assets import default_model_path
from ugatit_deploy.backends import create_backend
from ugatit_deploy.backends.browser import BundlePage
from ugatit_deploy.core.imaging import IMAGE_EXTENSIONS, image_to_tensor, read_image, resize
from ugatit_deploy.core.optional import ort_session
from ugatit_deploy.export import export_checkpoint


def measure(bundle: Path, photos: list[Path], size: int) -> dict:
    """Per photo: the page's output against ONNX Runtime's (max abs); the page's cold start and warm ms."""
    inputs = np.stack([image_to_tensor(resize(read_image(p), (size, size))).numpy() for p in photos])
    native = ort_session(onnx.load(bundle / "model.onnx")).run(["output"], {"input": inputs})[0]
    runner = create_backend("onnxruntime-web", bundle)
    runner.load()
    try:
        page = [runner.run(inputs[i : i + 1]) for i in range(len(photos))]
        cold_ms, info = runner.cold_start_ms, dict(runner.page.info)
        staged = runner.stage(inputs[:1])
        warm = [runner.execute(staged) for _ in range(10)]
    finally:
        runner.close()
    errors = {p.name: float(np.abs(out - ref).max()) for p, out, ref in zip(photos, page, native, strict=True)}
    return {"max_abs_vs_onnxruntime": errors, "worst": max(errors.values()), "cold_start_ms": round(cold_ms or 0, 1),
            "warm_ms_per_image_median": round(float(np.median(warm)), 1), "page": info}  # fmt: skip


def screenshot(bundle: Path, photo: Path, target: Path) -> None:
    page = BundlePage(bundle).open()
    try:
        page.page.set_input_files("#file", str(photo))
        page.page.wait_for_function("document.querySelector('#caption').textContent.includes(' ms')")
        page.page.screenshot(path=str(target), full_page=True)
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ckpt", type=Path, default=default_model_path())
    parser.add_argument("--images", type=Path, required=True, help="a folder of photos")
    parser.add_argument("--out", type=Path, required=True, help="the JSON record")
    parser.add_argument("--screenshot", type=Path, default=None, help="a PNG of the page with the first photo")
    args = parser.parse_args()
    photos = sorted(p for p in args.images.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        (bundle,) = export_checkpoint(args.ckpt, out=folder, precisions=("fp32",), fmt="web", log=lambda _: None)
        export_s = time.perf_counter() - started
        size = json.loads((bundle / "manifest.json").read_text())["input"]["size"]
        record = {"checkpoint": args.ckpt.name, "size": size, "photos": [p.name for p in photos],
                  "export_s": round(export_s, 1), **measure(bundle, photos, size)}  # fmt: skip
        if args.screenshot is not None:
            screenshot(bundle, photos[0], args.screenshot)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({k: v for k, v in record.items() if k != "max_abs_vs_onnxruntime"}, indent=2))


if __name__ == "__main__":
    main()

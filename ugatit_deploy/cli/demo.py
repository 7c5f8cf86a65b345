"""``ugatit-deploy demo``: the main job, end to end on the built-in model."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from ..backends.base import Backend
from .options import checkpoint_options, resolve_checkpoint


@click.command("demo")
@checkpoint_options("The model to run the pipeline on (official PyTorch or TensorFlow checkpoint, or generator file).",
                    "Which generator of the checkpoint.")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("reports/demo"),
              show_default=True, help="Report folder.")  # fmt: skip
@click.option("--iters", default=10, show_default=True, help="Timed runs per backend and batch.")
@click.option("--batch", "batches", type=click.IntRange(min=1), multiple=True, default=(1,), show_default=True,
              help="Batch sizes to time (repeat it: --batch 1 --batch 8). The choice is made at batch 1; a batch of 2 "
              "or more adds the throughput modes (OpenVINO's throughput hint) to the table.")  # fmt: skip
def demo_command(ckpt: Path | None, direction: str, out: Path, iters: int, batches: tuple[int, ...]) -> None:
    """Run the whole pipeline on the built-in photo -> cartoon model (or --ckpt) and write a report folder.

    Exports the graph forms that can win on this machine (each validated against PyTorch before it is
    written; INT8 keeps in float the fewest of the layers that add the most error with which its images reach
    PSNR >= 36 dB and SSIM >= 0.985),
    benchmarks the backends and modes that can win on this machine at batch 1 (parity and latency; what it
    leaves out is listed with the reason), translates the demo images with the fastest one whose images
    pass (FP32: max abs 1e-3; lossy modes: PSNR >= 35 dB and SSIM >= 0.98), and writes the table, chart,
    image grids (grid.png: that mode; grid_all_modes.png: every mode) and translations into OUT. Exports,
    peaks and choices are cached: a second run reuses them.
    """
    from PIL import Image
    from tqdm import tqdm

    from ..backends import BACKENDS, open_model
    from ..benchmarks.choose import choose_fastest
    from ..benchmarks.report import format_table
    from ..benchmarks.suite import BenchSettings, run_bench, write_outputs
    from ..core.gates import FAST_PATH_GATE
    from ..core.parity import to_uint8
    from ..forms import lossy_labels
    from ..forms.transforms.int8_options import QUICK_CALIB_IMAGES, Int8Options, KeepFp
    from ..inference.translate import translate_files

    checkpoint = resolve_checkpoint(ckpt)
    given = ["--ckpt", str(ckpt), "--direction", direction] if ckpt else []
    batches = tuple(dict.fromkeys((1, *batches)))  # batch 1 is what the choice is made at
    sizes = [arg for batch in batches for arg in ("--batch", str(batch))]
    command = shlex.join(["ugatit-deploy", "demo", *given, "--out", str(out), "--iters", str(iters), *sizes])
    # Lossy modes (fp16, bf16, int8) must produce images a viewer cannot tell from FP32 to be chosen; the
    # INT8 exports keep the fewest sensitive layers in float that make them so (--keep-fp auto).
    lossy = {name: FAST_PATH_GATE for name in lossy_labels()}
    int8 = Int8Options(calib_images=QUICK_CALIB_IMAGES, keep_fp=KeepFp(auto=True))
    settings = BenchSettings(checkpoint=checkpoint, direction=direction, out=out, batches=batches, warmup=3,
                             iters=iters, command=command, gates=lossy, int8=int8)  # fmt: skip
    run = run_bench(settings, log=click.echo)
    files = write_outputs(run, out)
    inputs = out / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    for name, image in zip(run.results.inputs.names, to_uint8(run.inputs).transpose(0, 2, 3, 1), strict=True):
        Image.fromarray(image).save(inputs / f"{Path(name).stem}.png")
    click.echo("")
    click.echo(format_table(run.results))
    best = choose_fastest(run.results.records, FAST_PATH_GATE)
    chosen = run.cases.get(best.label) if best is not None else None
    if chosen is not None and chosen.artifact is not None:
        heatmap = BACKENDS[chosen.backend].runs == "checkpoint"  # the CAM heatmap comes with the checkpoint
        with open_model(chosen.artifact, chosen.backend, **chosen.options) as runner:
            translate_files(runner, [inputs], out / "translated", heatmap=heatmap,
                            progress=lambda jobs: tqdm(jobs, desc="translating", unit="img"))  # fmt: skip
            faces = _faces_example(runner, out)
        click.echo(f"\ntranslated the demo images with {runner.info.label} (fastest passing backend): "
                   f"{out / 'translated'}")  # fmt: skip
        if faces is not None:
            click.echo(f"faces: the astronaut's face found, translated and pasted back (infer --faces): {faces}")
    images = ", ".join(str(files[key]) for key in ("chart", "grid", "grid_all_modes") if key in files)
    click.echo(f"report: {files['report']}  (table, {images or 'no images'})")


def _faces_example(runner: Backend, out: Path) -> Path | None:
    """OUT/faces.png: the astronaut photo beside ``infer --faces``' result (None without the detector)."""
    import numpy as np
    from PIL import Image

    from ..core.errors import UnavailableError
    from ..core.reference_images import photo_paths
    from ..inference.faces import FacePipeline

    photo = np.asarray(Image.open(photo_paths()[0]).convert("RGB"))
    try:
        result = FacePipeline(runner, "paste").process(photo, "astronaut.png")
    except UnavailableError as exc:
        click.echo(f"faces: skipped ({exc})")
        return None
    path = out / "faces.png"
    Image.fromarray(np.hstack([photo, result.images[".png"]])).save(path)
    return path

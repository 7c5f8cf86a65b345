"""``ugatit-deploy demo``: the main job, end to end on the built-in demo model."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from ..assets import default_model_path


def _fastest_passing(results: dict, out: Path) -> tuple[Path, str, dict] | None:
    """(model file, backend, options) of the fastest batch-1 record that passed its parity gate."""
    passing = [r for r in results["records"] if r["status"] == "ok" and r["batch"] == 1 and r["latency"]]
    if not passing:
        return None
    best = min(passing, key=lambda r: r["latency"]["ms_per_image"]["p50"])
    model = default_model_path() if best["backend"].startswith("torch") else out / "onnx" / best["artifact"]
    options = {"inference_precision": "bf16"} if best["precision"] == "bf16" else {}
    return model, best["backend"], options


@click.command("demo")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("reports/demo"),
              show_default=True, help="Report folder.")  # fmt: skip
@click.option("--iters", default=20, show_default=True, help="Timed runs per backend and batch.")
def demo_command(out: Path, iters: int) -> None:
    """Run the whole pipeline on the built-in demo model and write a report folder.

    Exports FP32, FP16 and both INT8 variants (each validated against PyTorch before it is written;
    INT8 keeps the fewest sensitive layers in float that reach PSNR >= 35 dB and SSIM >= 0.98),
    benchmarks every backend and CPU mode available here at batch 1 and 8 (parity and latency),
    translates the demo images with the fastest one whose images pass (FP32: max abs 1e-3; lossy
    modes: PSNR >= 35 dB and SSIM >= 0.98), and writes the table, chart, image grid and translations
    into OUT. A few minutes on 2 CPU cores.
    """
    from PIL import Image
    from tqdm import tqdm

    from ..backends import open_model
    from ..benchmarks.report import format_table
    from ..benchmarks.suite import BenchSettings, run_bench, write_outputs
    from ..inference import translate_files
    from ..parity import FAST_PATH_GATE, to_uint8

    command = shlex.join(["ugatit-deploy", "demo", "--out", str(out), "--iters", str(iters)])
    # Lossy modes (fp16, bf16, int8) must produce images a viewer cannot tell from FP32 to be chosen; the
    # INT8 exports keep the fewest sensitive layers in float that make them so (--keep-fp auto).
    lossy = {precision: FAST_PATH_GATE for precision in ("fp16", "bf16", "int8", "int8-cpu")}
    settings = BenchSettings(checkpoint=default_model_path(), out=out, batches=(1, 8), warmup=5, iters=iters,
                             command=command, gates=lossy, keep_fp="auto")  # fmt: skip
    run = run_bench(settings, log=click.echo)
    files = write_outputs(run, out)
    inputs = out / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    for name, image in zip(run.results["inputs"]["names"], to_uint8(run.inputs).transpose(0, 2, 3, 1), strict=True):
        Image.fromarray(image).save(inputs / f"{Path(name).stem}.png")
    click.echo("")
    click.echo(format_table(run.results))
    chosen = _fastest_passing(run.results, out)
    if chosen is not None:
        model, backend, options = chosen
        with open_model(model, backend, **options) as runner:
            translate_files(runner, [inputs], out / "translated", heatmap=backend.startswith("torch"),
                            progress=lambda jobs: tqdm(jobs, desc="translating", unit="img"))  # fmt: skip
        click.echo(f"\ntranslated the demo images with {runner.info.label} (fastest passing backend): "
                   f"{out / 'translated'}")  # fmt: skip
    click.echo(f"report: {files['report']}  (table, {files.get('chart', '-')}, {files.get('grid', '-')})")

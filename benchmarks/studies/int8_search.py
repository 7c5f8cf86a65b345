"""``--keep-fp auto`` two ways on one model, side by side in one process: the per-layer sweep (each quantizable
convolution quantized alone, then the shortest prefix of that ranking that passes, ``export.sensitivity``) and the
search ``--keep-fp`` now runs (one quantized graph ranks the layers by the error each adds, then a bisection,
``export.int8_search``).

    python benchmarks/studies/int8_search.py --ckpt ugatit_deploy/assets/photo2cartoon.pt --calib-images 16 \\
        --name trained
    python benchmarks/studies/int8_search.py --ckpt official_light_256.pt --calib-images 64 --name light256

Both choose on the held-out images of the calibration domain and the turned bundled photos against
``AUTO_KEEP_FP_GATE``, with the default recipe. Writes ``<out-dir>/int8_search_<name>.json`` (the command, the
machine, each way's layers kept in float, its worst set's PSNR / SSIM, per set too, its wall time and the graphs it
quantized) and rewrites ``<out-dir>/int8_search.md`` from every ``int8_search_*.json`` there. The search runs first,
so what the process caches on the way (bias correction's FP32 means) can only favour the sweep.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import onnx

from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.checkpoint import open_generator
from ugatit_deploy.core.optional import ort_session
from ugatit_deploy.core.parity import image_parity
from ugatit_deploy.core.reference_images import photo_variants
from ugatit_deploy.export.int8_search import search_keep_fp
from ugatit_deploy.export.onnx_graph import GraphOptions, export_graph
from ugatit_deploy.export.pipeline import AUTO_KEEP_FP_GATE
from ugatit_deploy.export.sensitivity import (
    ImageSets,
    fewest_float_layers,
    quantizable_layers,
    reference_sets,
    sensitivity_of_generator,
)
from ugatit_deploy.forms import FORMS
from ugatit_deploy.forms.qdq import QdqForm
from ugatit_deploy.forms.transforms.int8 import CalibrationSet, calibration_set
from ugatit_deploy.forms.transforms.int8_options import QuantRecipe

RESULTS = Path(__file__).resolve().parents[1] / "results"


@dataclass(frozen=True)
class Way:
    """One way's answer: the layers it keeps in float and what they measure, its cost."""

    name: str  # sweep or search
    kept: list[str]
    psnr_db: float  # the worse of the two sets
    ssim: float
    per_set: dict[str, dict[str, float]]  # set -> {psnr_db, ssim}
    passes: bool
    graphs: int  # graphs quantized (and run on the images)
    seconds: float
    ranking: list[str]  # worst first


def measure(form: QdqForm, base: onnx.ModelProto, calibration: CalibrationSet, sets: ImageSets,
            kept: Sequence[str]) -> tuple[dict[str, dict[str, float]], bool]:  # fmt: skip
    """Per set PSNR / SSIM of ``base`` quantized with ``kept`` in float, and whether every set meets the gate."""
    session = ort_session(form.quantize(base, calibration.batches, None, kept))
    per_set, passes = {}, True
    for name, (inputs, reference) in sets.items():
        parity = image_parity(reference, session.run(["output"], {"input": inputs})[0])
        per_set[name] = {"psnr_db": round(parity.psnr_db, 2), "ssim": round(parity.ssim, 4)}
        passes = passes and not AUTO_KEEP_FP_GATE.failures(parity)
    return per_set, passes


def way(name: str, kept: list[str], ranking: list[str], graphs: int, seconds: float,
        judged: tuple[dict[str, dict[str, float]], bool]) -> Way:  # fmt: skip
    per_set, passes = judged
    psnr, ssim = min(s["psnr_db"] for s in per_set.values()), min(s["ssim"] for s in per_set.values())
    return Way(name, kept, psnr, ssim, per_set, passes, graphs, round(seconds, 1), ranking)


def rank_correlation(first: Sequence[str], second: Sequence[str]) -> float:
    """Spearman's rank correlation of two orderings of the same layers."""
    position = {layer: i for i, layer in enumerate(second)}
    a, b = np.arange(len(first)), np.array([position[layer] for layer in first])
    return round(float(np.corrcoef(a, b)[0, 1]), 3) if len(first) > 1 else 1.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (``argv``; ``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ckpt", type=Path, default=Path("ugatit_deploy/assets/photo2cartoon.pt"))
    parser.add_argument("--direction", default="a2b")
    parser.add_argument("--variant", default="int8-cpu", choices=("int8-cpu", "int8"))
    parser.add_argument("--calib", type=Path, default=None, help="calibration folder (default: as export chooses)")
    parser.add_argument("--calib-images", type=int, default=64, help="demo: 16; the CPU fast path: 64")
    parser.add_argument("--name", required=True, help="the model's name in the file names and the note")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def compare(args: argparse.Namespace) -> tuple[dict, list[Way]]:
    """Both ways on the model of ``args``: the setup and their answers."""
    from tqdm import tqdm

    info, generator = open_generator(args.ckpt, args.direction)
    size = info.config_for(args.direction).img_size
    calibration = calibration_set(args.calib, args.calib_images, info.metadata, args.direction, size)
    base = export_graph(generator, replace(GraphOptions(), adailn="function"))
    form, photos = FORMS[args.variant], photo_variants(size)
    sets = reference_sets(generator, calibration, photos)
    count = len(quantizable_layers(base))
    print(f"{args.ckpt.name}: {count} quantizable layers; {calibration.source}", flush=True)

    start = time.perf_counter()
    bar = lambda n: tqdm(total=n, desc="search", unit="graph", leave=False)  # noqa: E731
    search = search_keep_fp(base, calibration, form, sets, AUTO_KEEP_FP_GATE, log=tqdm.write, bar=bar)
    new_seconds = time.perf_counter() - start
    print(f"search: {len(search.kept)} in float, {len(search.steps)} graphs, {new_seconds:.0f} s", flush=True)

    start = time.perf_counter()
    progress = lambda layers: tqdm(layers, desc="sweep", unit="layer", leave=False)  # noqa: E731
    sweep = sensitivity_of_generator(generator, base, calibration, form, photos, progress)
    swept = time.perf_counter() - start
    old = fewest_float_layers(generator, base, calibration, form, photos, sweep, AUTO_KEEP_FP_GATE)
    old_seconds = time.perf_counter() - start
    print(f"sweep: {len(old)} in float, {count + len(old) + 1} graphs, {old_seconds:.0f} s", flush=True)

    ranked_old, ranked_new = [r.layer for r in sweep], [e.layer for e in search.ranking]
    ways = [way("sweep", old, ranked_old, count + len(old) + 1, old_seconds,
                measure(form, base, calibration, sets, old)),
            way("search", search.kept, ranked_new, len(search.steps), new_seconds,
                measure(form, base, calibration, sets, search.kept))]  # fmt: skip
    setup = {"checkpoint": args.ckpt.name, "size": size, "variant": args.variant,
             "recipe": form.recipe(QuantRecipe()).describe(), "calibration": calibration.source,
             "gate": AUTO_KEEP_FP_GATE.describe(), "quantizable_layers": count,
             "sweep_ranking_seconds": round(swept, 1),
             "search_steps": [asdict(s) for s in search.steps],
             "rank_correlation": rank_correlation(ranked_old, ranked_new)}  # fmt: skip
    return setup, ways


def main(argv: Sequence[str] | None = None) -> None:
    """Compare the two ways, write the model's JSON record and rewrite the note."""
    args = parse_args(argv)
    setup, ways = compare(args)
    command = ["python", "benchmarks/studies/int8_search.py", *(argv if argv is not None else sys.argv[1:])]
    record = {"command": shlex.join(command), "date": datetime.date.today().isoformat(), "machine": machine_record(),
              "name": args.name, **setup, "ways": [asdict(w) for w in ways],
              "speedup": round(ways[0].seconds / max(ways[1].seconds, 1e-9), 1)}  # fmt: skip
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / f"int8_search_{args.name}.json"
    out.write_text(json.dumps(record, indent=2) + "\n")
    records = [json.loads(p.read_text()) for p in sorted(args.out_dir.glob("int8_search_*.json"))]
    (args.out_dir / "int8_search.md").write_text(note(records))
    print(f"wrote {out} and {args.out_dir / 'int8_search.md'}")


def _cells(w: dict) -> list[str]:
    sets = [f"{s['psnr_db']:.2f} / {s['ssim']:.4f}" for s in w["per_set"].values()]
    kept = f"{len(w['kept'])}: {', '.join(w['kept'])}" if w["kept"] else "0"
    return [w["name"], kept, *sets, "yes" if w["passes"] else "no", str(w["graphs"]), f"{w['seconds']:.0f}"]


def note(records: Sequence[dict]) -> str:
    """The markdown note: for each model its command and both ways' table; the machine of each record."""
    gate = AUTO_KEEP_FP_GATE
    lines = ["# `--keep-fp auto`: the per-layer sweep against the one-graph search", "",
             "The sweep quantizes each quantizable convolution alone, ranks them by the PSNR each costs, then "
             "quantizes with 0, 1, 2, ... of the worst in float until the images pass. The search quantizes every "
             "layer once, ranks them by the error each adds (`ugatit_deploy/export/int8_search.py`), then bisects "
             "over how many of the worst stay float. Both judge against `AUTO_KEEP_FP_GATE` (PSNR >= "
             f"{gate.min_psnr_db:g} dB, SSIM >= {gate.min_ssim:g}) on the held-out images of the calibration domain "
             "and the bundled photos turned by 90 degrees, in one process, the search first. PSNR / SSIM: the chosen "
             "layers in float, against PyTorch FP32. Graphs: quantized (and bias-corrected) graphs run on the images. "
             "Wall times were taken on a machine shared with other work: compare the ratio.", ""]  # fmt: skip
    for r in records:
        m = r["machine"]
        lines += [f"## {r['name']}: {r['checkpoint']} ({r['size']} px, {r['variant']})", "",
                  f"{r['date']}, {m['cpu']} ({m['isa']}), {m['cpu_count']} cores, onnxruntime {m['onnxruntime']}:", "",
                  f"`{r['command']}`", "",
                  f"Calibration: {r['calibration']}; {r['recipe']}. {r['quantizable_layers']} quantizable layers; "
                  f"the two rankings' rank correlation: {r['rank_correlation']}. Sweep {r['speedup']}x the search's "
                  "time.", "",
                  "| way | layers kept in float | held-out PSNR / SSIM | photos PSNR / SSIM | passes | graphs "
                  "| wall s |",
                  "| --- | --- | --- | --- | --- | ---: | ---: |"]  # fmt: skip
        lines += ["| " + " | ".join(_cells(w)) + " |" for w in r["ways"]]
        lines += ["", "Search steps: " + "; ".join(
            f"{s['kept']} float: {s['psnr_db']:.2f} dB / {s['ssim']:.4f} {'pass' if s['passes'] else 'fail'}"
            for s in r["search_steps"]) + ".", ""]  # fmt: skip
    return "\n".join(line if line.startswith(("|", "`")) else _wrap(line) for line in lines)


def _wrap(paragraph: str) -> str:
    return textwrap.fill(paragraph, 116, break_long_words=False, break_on_hyphens=False) if paragraph else ""


if __name__ == "__main__":
    main()

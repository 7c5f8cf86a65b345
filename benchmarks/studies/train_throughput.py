"""Training throughput (iterations/s) of the official step, for the tiny test config and the default
256 px config, on CPU and (when present) CUDA.

    python benchmarks/studies/train_throughput.py [--configs tiny,demo,default] [--devices cpu,cuda]
        [--warmup 1] [--iters 3] [--out benchmarks/results/train_throughput.json]

Each measurement builds a Trainer on a synthetic dataset at the config's size, runs ``--warmup`` steps,
then times ``--iters`` steps (CUDA is synchronised before reading the clock) with
``benchmarks.latency.time_interleaved``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

import torch

from ugatit_deploy.benchmarks.latency import summarize, time_interleaved
from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.training import TrainConfig, Trainer
from ugatit_deploy.training.synth import generate

CONFIGS = {
    "tiny": dict(light=True, img_size=64, ch=4, n_res=1),  # the test suite's config
    "demo": dict(light=True, img_size=64, ch=8, dis_ch=16, n_res=4, batch_size=8),  # the built-in demo model
    "default": dict(light=False, img_size=256, ch=64, n_res=4),  # official defaults
    "default-light": dict(light=True, img_size=256, ch=64, n_res=4),
}


def measure(name: str, device: str, warmup: int, iters: int, amp: bool = False) -> dict:
    """Seconds per training step of config ``name`` on ``device`` (median and every timed step)."""
    options = CONFIGS[name]
    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / "data"
        generate(dataset, n=4, size=options["img_size"], seed=0, n_test=1)
        config = TrainConfig(
            dataset=dataset, name=name, result_dir=Path(tmp) / "runs", iterations=warmup + iters,
            print_freq=10**9, save_freq=10**9, device=device, amp=amp, sample_count=1, **options,
        )  # fmt: skip
        trainer = Trainer(config, progress=False, log=lambda _: None)

        def step() -> None:
            trainer.train_step()
            if device == "cuda":  # the step's kernels inside the timing, none left for the next one
                torch.cuda.synchronize()

        if device == "cuda":
            torch.cuda.synchronize()
        ms = time_interleaved({name: step}, rounds=1, iters=iters, warmup=warmup)[name]
    times = [value / 1e3 for value in ms]
    median = summarize(times, 1).ms_per_batch.p50  # in seconds here: the statistics do not care
    return {
        "config": name,
        **options,
        "device": device,
        "amp": amp,
        "batch_size": options.get("batch_size", 1),
        "iters": iters,
        "seconds_per_iter_median": median,
        "seconds_per_iter_all": times,
        "iters_per_second": 1.0 / median,
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (``argv``; ``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="tiny,demo,default")
    parser.add_argument("--devices", default="cpu,cuda")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/train_throughput.json"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure every config on every available device (CUDA also with bf16 autocast) and write the record."""
    args = parse_args(argv)
    devices = [d for d in args.devices.split(",") if d != "cuda" or torch.cuda.is_available()]
    records = []
    for device in devices:
        for name in args.configs.split(","):
            record = measure(name, device, args.warmup, args.iters)
            records.append(record)
            ms = record["seconds_per_iter_median"] * 1e3
            print(f"{name:>14} {device:>4}: {record['iters_per_second']:.3f} it/s ({ms:.0f} ms/it)")
            if device == "cuda":
                amp = measure(name, device, args.warmup, args.iters, amp=True)
                records.append(amp)
                print(f"{name:>14} cuda bf16: {amp['iters_per_second']:.3f} it/s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine_record(), "results": records}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

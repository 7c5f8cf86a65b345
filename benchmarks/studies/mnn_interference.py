"""What slows MNN down: its batch-1 latency alone, right after another runtime's run in the same process (as
``bench`` interleaves its rows), and beside a busy process, with a pool of 2 threads and with 1 thread.

    python benchmarks/studies/mnn_interference.py --mnn official_light_256_a2b_fp32.mnn \\
        --onnx official_light_256_a2b_fp32.onnx --out benchmarks/results/mnn_interference_light256.json

The other runtime is ONNX Runtime on the same graph (its FP32 ONNX), with its thread pool spinning after a
run (its default) or not (``session.intra_op.allow_spinning`` 0); the busy process is one Python loop that
spins on a core. Every scenario loads its own MNN module and runs it twice untimed first; the scenarios run
in turn, ``--rounds`` times. Writes the JSON record: per scenario and round, MNN's ms (median, min, max).
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ugatit_deploy.backends.base import artifact_record
from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.core.optional import onnxruntime
from ugatit_deploy.formats.mnn import MNN
from ugatit_deploy.formats.mnn_runtime import MnnModule


@dataclass(frozen=True)
class Scenario:
    """One way of running MNN: its threads, what runs before each MNN run, whether a busy process runs beside."""

    name: str
    threads: int
    before: str | None = None  # "ort-spinning" or "ort-no-spinning": one ONNX Runtime run before each MNN run
    busy: bool = False


SCENARIOS = (
    Scenario("alone, 2 threads", 2),
    Scenario("alone, 1 thread", 1),
    Scenario("after ONNX Runtime (spinning pool), 2 threads", 2, "ort-spinning"),
    Scenario("after ONNX Runtime (no spinning), 2 threads", 2, "ort-no-spinning"),
    Scenario("after ONNX Runtime (spinning pool), 1 thread", 1, "ort-spinning"),
    Scenario("beside a busy process, 2 threads", 2, busy=True),
    Scenario("beside a busy process, 1 thread", 1, busy=True),
)


@dataclass(frozen=True)
class Measured:
    """One scenario in one round: MNN's batch-1 ms."""

    scenario: str
    round: int
    median_ms: float
    min_ms: float
    max_ms: float


def ort_runner(onnx_file: Path, spinning: bool, image: np.ndarray) -> Callable[[], object]:
    """One ONNX Runtime run of the graph on ``image``, 2 threads, its pool spinning after a run or not."""
    ort = onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
    return lambda: session.run(None, {"input": image})


def measure(scenario: Scenario, mnn_file: Path, image: np.ndarray, iters: int,
            others: dict[str, Callable[[], object]]) -> list[float]:  # fmt: skip
    """MNN's ms per batch-1 run, ``iters`` times, in ``scenario``."""
    module = MnnModule(mnn_file, ["output"], scenario.threads)
    for _ in range(2):
        module.run(image)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if scenario.busy else None
    times = []
    try:
        for _ in range(iters):
            if scenario.before:
                others[scenario.before]()
            start = time.perf_counter()
            module.run(image)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
    return times


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (``argv``; ``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnn", type=Path, required=True, help="MNN file (export --format mnn)")
    parser.add_argument("--onnx", type=Path, required=True, help="the same model's FP32 ONNX (the other runtime)")
    parser.add_argument("--iters", type=int, default=8, help="timed MNN runs per scenario and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run every scenario ``--rounds`` times; print one line each; write the JSON record."""
    args = parse_args(argv)
    size = artifact_record(args.mnn, MNN).model.img_size
    image = np.random.default_rng(0).uniform(-1, 1, (1, 3, size, size)).astype(np.float32)
    others = {name: ort_runner(args.onnx, spinning, image)
              for name, spinning in (("ort-spinning", True), ("ort-no-spinning", False))}  # fmt: skip
    results = []
    for round_ in range(args.rounds):
        for scenario in SCENARIOS:
            times = measure(scenario, args.mnn, image, args.iters, others)
            result = Measured(scenario.name, round_, round(statistics.median(times), 1), round(min(times), 1),
                              round(max(times), 1))  # fmt: skip
            results.append(result)
            print(f"round {round_} {scenario.name:<46} median {result.median_ms:7.1f} ms, "
                  f"range {result.min_ms:.1f}-{result.max_ms:.1f}", flush=True)  # fmt: skip
    command = ["python", "benchmarks/studies/mnn_interference.py", *(argv if argv is not None else sys.argv[1:])]
    record = {"command": shlex.join(command), "machine": machine_record(), "mnn": args.mnn.name,
              "onnx": args.onnx.name, "size": size, "iters": args.iters,
              "scenarios": [asdict(s) for s in SCENARIOS], "results": [asdict(r) for r in results]}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

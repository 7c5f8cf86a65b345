"""Winograd without a new runtime? The generator's dominant layer (256 -> 256 channels, 3x3, 64 x 64, after
its reflect pad) as a plain ONNX Conv and as a Winograd F(2x2, 3x3) graph form, timed on ONNX Runtime and
OpenVINO (the latter also with the Conv's ``PrimitivesPriority`` set to oneDNN's old Winograd kernel).

The graph form of F(m x m, 3 x 3), m = 2 or 4: the input transform B^T d B as a depthwise (m+2) x (m+2)
stride-m Conv ((m+2)^2 outputs per channel), (m+2)^2 batched MatMuls with the transformed weights G g G^T,
and the output transform A^T m A as one MatMul, then the m x m tiles back into the image. Its MatMuls do
2.25x (m = 2) or 4x (m = 4) fewer multiply-adds than the direct convolution. Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/studies/winograd_graph.py --threads 2 \\
        --out benchmarks/results/winograd_graph_form.json

The sessions are the package runners' own (``backends.onnxruntime_runner.cpu_session``,
``backends.openvino_runner.compile_cpu``), the timing loop is ``benchmarks.latency.time_interleaved``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ugatit_deploy.backends.onnxruntime_runner import cpu_session
from ugatit_deploy.backends.openvino_runner import compile_cpu, shared_core
from ugatit_deploy.benchmarks.latency import summarize, time_interleaved
from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.core.optional import onnxruntime, openvino
from ugatit_deploy.forms.transforms.winograd import (
    TRANSFORMS,  # Lavin & Gray's transforms: output tile m -> (B^T, G, A^T)
)

SCRIPT = "benchmarks/studies/winograd_graph.py"
BASELINE = "onnxruntime direct Conv"
WINOGRAD_PRIORITY = "cpu:jit_avx512_winograd"


Run = Callable[[np.ndarray], np.ndarray]


def _model(nodes: list, name: str, weight: np.ndarray, size: int, consts: dict[str, np.ndarray]) -> onnx.ModelProto:
    """x: 1 x C x (size+2)^2 (the padded input) -> y: 1 x K x size^2."""
    k, c = weight.shape[:2]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, size + 2, size + 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, k, size, size])
    initializers = [numpy_helper.from_array(value, key) for key, value in consts.items()]
    graph = helper.make_graph(nodes, name, [x], [y], initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def direct_graph(weight: np.ndarray, size: int) -> onnx.ModelProto:
    """The layer as one ONNX Conv (``weight``: K x C x 3 x 3, no bias) on the padded input."""
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3])
    return _model([node], "direct", weight, size, {"w": weight})


def winograd_graph(weight: np.ndarray, size: int, m: int = 2) -> onnx.ModelProto:
    """F(m x m, 3 x 3) as ONNX ops (see module doc); ``size`` must be a multiple of ``m``."""
    bt, g, at = (np.array(t, np.float64) for t in TRANSFORMS[m])
    k, c = weight.shape[:2]
    t, tiles, n = m + 2, size // m, (m + 2) ** 2
    # input transform: for each channel, the n values of B^T d B of each t x t tile (stride m)
    basis = np.einsum("ia,jb->ijab", bt, bt).reshape(n, 1, t, t)
    transform_in = np.tile(basis, (c, 1, 1, 1)).astype(np.float32)  # C*n x 1 x t x t, group C
    u = np.einsum("ia,kcab,jb->ijkc", g, weight.astype(np.float64), g).reshape(n, k, c).astype(np.float32)
    a = np.einsum("ia,jb->ijab", at, at).reshape(m * m, n).astype(np.float32)
    shapes = {"s1": [c, n, tiles * tiles], "s2": [n, k * tiles * tiles], "s3": [m, m, k, tiles, tiles],
              "s4": [1, k, size, size]}  # fmt: skip
    consts = {"tin": transform_in, "u": u, "at": a, **{key: np.array(v, np.int64) for key, v in shapes.items()}}
    nodes = [
        helper.make_node("Conv", ["x", "tin"], ["v0"], kernel_shape=[t, t], strides=[m, m], group=c),
        helper.make_node("Reshape", ["v0", "s1"], ["v1"]),
        helper.make_node("Transpose", ["v1"], ["v"], perm=[1, 0, 2]),  # n x C x P
        helper.make_node("MatMul", ["u", "v"], ["m"]),  # n x K x P
        helper.make_node("Reshape", ["m", "s2"], ["m2"]),
        helper.make_node("MatMul", ["at", "m2"], ["y0"]),  # m*m x K*P
        helper.make_node("Reshape", ["y0", "s3"], ["y1"]),
        helper.make_node("Transpose", ["y1"], ["y2"], perm=[2, 3, 0, 4, 1]),  # K x th x m x tw x m
        helper.make_node("Reshape", ["y2", "s4"], ["y"]),
    ]
    return _model(nodes, "winograd", weight, size, consts)


def ort_run(model: onnx.ModelProto, threads: int) -> Run:
    """``x -> y`` of a bare graph on the ONNX Runtime runner's CPU session."""
    session = cpu_session(model, threads)
    return lambda x: session.run(None, {"x": x})[0]


def openvino_run(model: onnx.ModelProto, threads: int, priority: str | None = None) -> Run:
    """``x -> y`` of a bare graph compiled like the OpenVINO runner does (f32), optionally with every
    Convolution's ``PrimitivesPriority`` set (oneDNN's kernel choice)."""
    core = shared_core(openvino())
    ov_model = core.read_model(model.SerializeToString(), b"")
    if priority:
        for op in ov_model.get_ops():
            if op.get_type_name() == "Convolution":
                op.get_rt_info()["PrimitivesPriority"] = priority
    request = compile_cpu(core, ov_model, threads, "f32").create_infer_request()
    return lambda x: next(iter(request.infer({0: x}).values())).copy()


def layer(channels: int = 256, size: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A He-initialised ``channels -> channels`` 3x3 weight and a padded input ``1 x C x (size+2)^2``."""
    rng = np.random.default_rng(seed)
    weight = (rng.standard_normal((channels, channels, 3, 3)) * (2 / (9 * channels)) ** 0.5).astype(np.float32)
    x = rng.standard_normal((1, channels, size + 2, size + 2)).astype(np.float32)
    return weight, x


def forms(weight: np.ndarray, size: int, threads: int) -> dict[str, Run]:
    """Every form of the layer, by the name the record gives it (the baseline first)."""
    direct, f2, f4 = direct_graph(weight, size), winograd_graph(weight, size, 2), winograd_graph(weight, size, 4)
    return {BASELINE: ort_run(direct, threads),
            "onnxruntime Winograd F(2x2,3x3) graph form": ort_run(f2, threads),
            "onnxruntime Winograd F(4x4,3x3) graph form": ort_run(f4, threads),
            "openvino direct Conv": openvino_run(direct, threads),
            f"openvino Conv, PrimitivesPriority {WINOGRAD_PRIORITY}": openvino_run(direct, threads, WINOGRAD_PRIORITY),
            "openvino Winograd F(2x2,3x3) graph form": openvino_run(f2, threads),
            "openvino Winograd F(4x4,3x3) graph form": openvino_run(f4, threads)}  # fmt: skip


def rows(runs: dict[str, Run], x: np.ndarray, samples: dict[str, list[float]], macs: int) -> list[dict]:
    """One row per form: median and best ms, speed-up over ONNX Runtime's Conv, GFLOP/s, error vs it."""
    reference = runs[BASELINE](x)
    base = summarize(samples[BASELINE], 1).ms_per_batch.p50
    table = []
    for name, run in runs.items():
        err = float(np.abs(run(x) - reference).max() / np.abs(reference).max())
        stats = summarize(samples[name], 1).ms_per_batch
        table.append({"form": name, "ms_p50": round(stats.p50, 3), "ms_min": round(stats.min, 3),
                      "speedup_vs_ort_direct": round(base / stats.p50, 3),
                      "direct_gflops": round(2 * macs / stats.p50 / 1e6, 1), "rel_max_error": err})  # fmt: skip
        print(f"{name:<58} {stats.p50:8.2f} ms  {base / stats.p50:5.2f}x  rel err {err:.1e}")
    return table


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (``argv``; ``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Time every form, interleaved over ``--rounds`` (drift hits every form alike), and write the record."""
    args = parse_args(argv)
    size, channels = 64, 256
    weight, x = layer(channels, size)
    runs = forms(weight, size, args.threads)
    samples = time_interleaved({name: partial(run, x) for name, run in runs.items()}, args.rounds, args.iters)
    table = rows(runs, x, samples, macs=channels * channels * 9 * size * size)
    result = {"command": f"OMP_WAIT_POLICY=PASSIVE python {SCRIPT} "
                         f"--threads {args.threads} --rounds {args.rounds} --iters {args.iters} --out {args.out}",
              "layer": f"Conv {channels}->{channels}, 3x3, {size}x{size} output, batch 1", "threads": args.threads,
              "machine": machine_record(), "onnxruntime": onnxruntime().__version__,
              "openvino": openvino().__version__, "rows": table}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

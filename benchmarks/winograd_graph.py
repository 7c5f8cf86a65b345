"""Winograd without a new runtime? The generator's dominant layer (256 -> 256 channels, 3x3, 64 x 64, after
its reflect pad) as a plain ONNX Conv and as a Winograd F(2x2, 3x3) graph form, timed on ONNX Runtime and
OpenVINO (the latter also with the Conv's ``PrimitivesPriority`` set to oneDNN's old Winograd kernel).

The graph form of F(m x m, 3 x 3), m = 2 or 4: the input transform B^T d B as a depthwise (m+2) x (m+2)
stride-m Conv ((m+2)^2 outputs per channel), (m+2)^2 batched MatMuls with the transformed weights G g G^T,
and the output transform A^T m A as one MatMul, then the m x m tiles back into the image. Its MatMuls do
2.25x (m = 2) or 4x (m = 4) fewer multiply-adds than the direct convolution. Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/winograd_graph.py --threads 2 \
        --out benchmarks/results/winograd_graph_form.json
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Lavin & Gray's transforms: tile output m x m -> (B^T, G, A^T)
TRANSFORMS = {
    2: ([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
        [[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]],
        [[1, 1, 1, 0], [0, 1, -1, -1]]),
    4: ([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0],
         [0, 4, 0, -5, 0, 1]],
        [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
         [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
        [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]),
}  # fmt: skip


def _model(nodes: list, name: str, weight: np.ndarray, size: int, consts: dict[str, np.ndarray]) -> onnx.ModelProto:
    """x: 1 x C x (size+2)^2 (the padded input) -> y: 1 x K x size^2."""
    k, c = weight.shape[:2]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, size + 2, size + 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, k, size, size])
    initializers = [numpy_helper.from_array(value, key) for key, value in consts.items()]
    graph = helper.make_graph(nodes, name, [x], [y], initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def direct_graph(weight: np.ndarray, size: int) -> onnx.ModelProto:
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3])
    return _model([node], "direct", weight, size, {"w": weight})


def winograd_graph(weight: np.ndarray, size: int, m: int = 2) -> onnx.ModelProto:
    """F(m x m, 3 x 3) as ONNX ops (see module doc)."""
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


def ort_runner(model: onnx.ModelProto, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return lambda x: session.run(None, {"x": x})[0]


def openvino_runner(model: onnx.ModelProto, threads: int, priority: str | None = None):
    import openvino as ov

    core = ov.Core()
    ov_model = core.read_model(model.SerializeToString(), b"")
    if priority:
        for op in ov_model.get_ops():
            if op.get_type_name() == "Convolution":
                op.get_rt_info()["PrimitivesPriority"] = priority
    properties = {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32"}
    compiled = core.compile_model(ov_model, "CPU", properties)
    request = compiled.create_infer_request()
    return lambda x: next(iter(request.infer({0: x}).values())).copy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    size, channels = 64, 256
    weight = (rng.standard_normal((channels, channels, 3, 3)) * (2 / (9 * channels)) ** 0.5).astype(np.float32)
    x = rng.standard_normal((1, channels, size + 2, size + 2)).astype(np.float32)
    direct, f2, f4 = direct_graph(weight, size), winograd_graph(weight, size, 2), winograd_graph(weight, size, 4)
    runners = {"onnxruntime direct Conv": ort_runner(direct, args.threads),
               "onnxruntime Winograd F(2x2,3x3) graph form": ort_runner(f2, args.threads),
               "onnxruntime Winograd F(4x4,3x3) graph form": ort_runner(f4, args.threads),
               "openvino direct Conv": openvino_runner(direct, args.threads),
               "openvino Conv, PrimitivesPriority cpu:jit_avx512_winograd":
                   openvino_runner(direct, args.threads, "cpu:jit_avx512_winograd"),
               "openvino Winograd F(2x2,3x3) graph form": openvino_runner(f2, args.threads),
               "openvino Winograd F(4x4,3x3) graph form": openvino_runner(f4, args.threads)}  # fmt: skip
    reference = runners["onnxruntime direct Conv"](x)
    samples = {name: [] for name in runners}
    for _ in range(args.rounds):  # interleaved, so drift hits every form alike
        for name, run in runners.items():
            run(x)
            for _ in range(args.iters):
                start = time.perf_counter()
                run(x)
                samples[name].append((time.perf_counter() - start) * 1000)
    macs = channels * channels * 9 * size * size
    base = statistics.median(samples["onnxruntime direct Conv"])
    rows = []
    for name, run in runners.items():
        err = float(np.abs(run(x) - reference).max() / np.abs(reference).max())
        median = statistics.median(samples[name])
        rows.append({"form": name, "ms_p50": round(median, 3), "ms_min": round(min(samples[name]), 3),
                     "speedup_vs_ort_direct": round(base / median, 3),
                     "direct_gflops": round(2 * macs / median / 1e6, 1), "rel_max_error": err})  # fmt: skip
        print(f"{name:<58} {median:8.2f} ms  {base / median:5.2f}x  rel err {err:.1e}")
    import onnxruntime
    import openvino

    result = {"command": "OMP_WAIT_POLICY=PASSIVE python benchmarks/winograd_graph.py "
                         f"--threads {args.threads} --rounds {args.rounds} --iters {args.iters} --out {args.out}",
              "layer": f"Conv {channels}->{channels}, 3x3, {size}x{size} output, batch 1", "threads": args.threads,
              "machine": platform.processor() or platform.machine(), "onnxruntime": onnxruntime.__version__,
              "openvino": openvino.__version__, "rows": rows}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

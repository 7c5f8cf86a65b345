"""The CPU peaks per precision (``benchmarks.peaks``): OpenVINO matmuls checked against the runtime graph,
the BF16 peak only where BF16 runs, torch's FP32 matmul where OpenVINO is missing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import torch

from ugatit_deploy.benchmarks import peaks
from ugatit_deploy.benchmarks.compare import best_peaks
from ugatit_deploy.benchmarks.peaks import (
    CPU_BF16,
    CPU_FP32,
    CPU_INT8,
    Peak,
    describe,
    measure_cpu_peaks,
    torch_threads,
)
from ugatit_deploy.core import cpu_caps
from ugatit_deploy.core.cpu_caps import bf16_unavailable_reason
from ugatit_deploy.core.errors import UnavailableError

AVX2_CAP = {"ONEDNN_MAX_CPU_ISA": "AVX2"}


@pytest.mark.slow
def test_the_peaks_measured_here_are_positive_and_int8_is_at_least_fp32():
    pytest.importorskip("openvino")
    measured = measure_cpu_peaks(threads=2, sizes=(512, 1024))
    fp32, int8 = measured[CPU_FP32], measured[CPU_INT8]
    assert fp32.gflops is not None and fp32.gflops > 0 and int8.gflops is not None
    assert int8.gflops >= fp32.gflops
    form = r"(MatMul|FullyConnected|8 chained FullyConnected|Convolution 1x1)"
    assert re.match(rf"OpenVINO \S+ {form} (512|1024)\^3 f32 \(", fp32.kernel)
    assert " f32 (" in fp32.kernel and fp32.kernel.endswith(", 2 threads")
    assert " int8 u8 x i8 (" in int8.kernel and "I8" in int8.kernel  # the runtime graph's int8 primitive
    if bf16_unavailable_reason() is None:
        bf16 = measured[CPU_BF16]
        assert bf16.gflops is not None and bf16.gflops > 0 and re.search(r"\(brgemm_avx512_(amx_)?bf16\)", bf16.kernel)


@pytest.mark.slow
def test_the_bf16_peak_is_not_measured_under_the_avx2_cap(monkeypatch):
    pytest.importorskip("openvino")
    monkeypatch.setattr(cpu_caps, "read_cpu_flags", lambda: frozenset({"avx2", "avx512f", "avx512_bf16"}))  # any host
    measured = measure_cpu_peaks(threads=1, sizes=(128,), environ=AVX2_CAP)
    assert measured[CPU_BF16] == Peak(None, f"not measured: {bf16_unavailable_reason(environ=AVX2_CAP)}")
    assert "ONEDNN_MAX_CPU_ISA=AVX2" in measured[CPU_BF16].kernel
    assert measured[CPU_FP32].gflops is not None and measured[CPU_INT8].gflops is not None


@pytest.mark.slow
def test_under_the_avx2_cap_every_kernel_is_avx2_class_and_bf16_is_absent():
    # oneDNN reads the cap once, at process start: a fresh process
    pytest.importorskip("openvino")
    code = ("import json; from ugatit_deploy.benchmarks.peaks import measure_cpu_peaks as m; "
            "print(json.dumps({k: [p.gflops, p.kernel] for k, p in m(1, (128,)).items()}))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **AVX2_CAP}, capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    measured = json.loads(done.stdout.splitlines()[-1])
    if bf16_unavailable_reason(environ={}) is None:  # a CPU with BF16: the cap, not the CPU, rules it out
        assert measured[CPU_BF16][0] is None and "caps oneDNN below AVX512_CORE_BF16" in measured[CPU_BF16][1]
    assert "avx512" not in measured[CPU_FP32][1] and "avx512" not in measured[CPU_INT8][1]
    assert "mlas" not in measured[CPU_FP32][1]  # MLAS ignores the cap: its forms are skipped
    assert measured[CPU_INT8][0] is not None and "I8" in measured[CPU_INT8][1]


@pytest.mark.slow
def test_a_matmul_that_did_not_run_in_int8_gives_no_int8_peak(monkeypatch):
    pytest.importorskip("openvino")
    float_model = peaks._matmul_model
    monkeypatch.setattr(peaks, "_matmul_model", lambda ov, n, int8, form: float_model(ov, n, False, form))
    measured = measure_cpu_peaks(threads=1, sizes=(128,))
    assert measured[CPU_INT8].gflops is None
    assert measured[CPU_INT8].kernel.startswith("not measured: OpenVINO ran the int8 u8 x i8 MatMul in f32 (")


@pytest.mark.slow
def test_a_form_that_did_not_run_in_int8_is_skipped_and_the_others_give_the_peak(monkeypatch):
    pytest.importorskip("openvino")
    model = peaks._matmul_model  # the plain MatMul runs in float; the FullyConnected and 1x1 conv in int8
    monkeypatch.setattr(peaks, "_matmul_model", lambda ov, n, int8, form: model(ov, n, int8 and form != "matmul", form))
    measured = measure_cpu_peaks(threads=1, sizes=(128,))
    assert measured[CPU_INT8].gflops is not None and measured[CPU_INT8].gflops > 0
    assert "I8" in measured[CPU_INT8].kernel and "MatMul" not in measured[CPU_INT8].kernel


@pytest.mark.parametrize("int8", [False, True])
def test_the_chain_form_runs_every_layer_in_the_precision_measured(int8):
    ov = pytest.importorskip("openvino")
    from ugatit_deploy.backends.openvino_cpu import compile_cpu, shared_core

    model = peaks._matmul_model(ov, 128, int8, "fc-chain")
    assert [op.get_type_name() for op in model.get_ordered_ops()].count("MatMul") == peaks.CHAIN
    compiled = compile_cpu(shared_core(ov), model, 1, "f32")
    layers = [op.get_rt_info() for op in compiled.get_runtime_model().get_ops()]
    precisions = [str(info["runtimePrecision"].astype(str)) for info in layers
                  if str(info["layerType"].astype(str)) == "FullyConnected"]  # fmt: skip
    assert precisions == (["u8"] * peaks.CHAIN if int8 else ["f32"] * peaks.CHAIN)


@pytest.mark.parametrize("n", [128, 512, 1024, 96])
def test_the_1x1_convolution_does_as_many_multiply_adds_as_the_matmuls(n):
    height, width = peaks._conv_shape(n)
    assert height * width == n and height <= width


@pytest.mark.slow
def test_without_openvino_torch_measures_fp32_and_there_is_no_bf16_or_int8_peak(monkeypatch):
    def missing():
        raise UnavailableError("openvino is not installed: pip install 'ugatit-deploy[openvino]'")

    monkeypatch.setattr(peaks, "openvino", missing)
    measured = measure_cpu_peaks(threads=1)
    assert measured[CPU_FP32].gflops is not None and measured[CPU_FP32].gflops > 0
    assert measured[CPU_FP32].kernel.startswith("torch ")
    assert measured[CPU_FP32].kernel.endswith(" mm 2048^3 fp32, 1 threads (OpenVINO is not installed)")
    hint = "not measured: openvino is not installed: pip install 'ugatit-deploy[openvino]'"
    assert measured[CPU_BF16] == measured[CPU_INT8] == Peak(None, hint)


def test_the_higher_of_two_measurements_keeps_its_kernel():
    first = {CPU_FP32: Peak(100.0, "a"), CPU_BF16: Peak(None, "capped"), CPU_INT8: Peak(400.0, "c")}
    again = {CPU_FP32: Peak(120.0, "b"), CPU_BF16: Peak(None, "capped"), CPU_INT8: Peak(390.0, "d")}
    assert best_peaks(first, again) == {CPU_FP32: Peak(120.0, "b"), CPU_BF16: Peak(None, "capped"),
                                        CPU_INT8: Peak(400.0, "c")}  # fmt: skip


def test_a_peak_is_described_with_its_kernel_or_why_it_is_missing():
    assert describe(CPU_INT8, Peak(812.34, "OpenVINO MatMul")) == "cpu-int8: 812.3 GFLOP/s (OpenVINO MatMul)"
    assert describe(CPU_BF16, Peak(None, "not measured: no BF16")) == "cpu-bf16: not measured: no BF16"


def test_the_matmul_peak_thread_count_is_scoped():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before

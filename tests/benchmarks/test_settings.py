"""What a bench run is asked to do (``benchmarks.settings``): values no stage can run with are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ugatit_deploy.benchmarks.settings import BenchError, BenchSettings

CKPT, FP32, INT8_CPU, PLAN = Path("m.pt"), Path("m_fp32.onnx"), Path("m_int8-cpu.onnx"), Path("m_fp32.plan")


def test_settings_no_stage_can_run_are_refused():
    with pytest.raises(BenchError, match="unknown backend 'tflite'"):
        BenchSettings(checkpoint=CKPT, backends=("tflite",)).check()
    with pytest.raises(BenchError, match="--iters and --rounds >= 1"):
        BenchSettings(checkpoint=CKPT, iters=0).check()

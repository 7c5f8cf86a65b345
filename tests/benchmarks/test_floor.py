"""The FLOP floor (``benchmarks.floor``): model FLOPs and which measured peak each device and precision is
compared with."""

from __future__ import annotations

import pytest

from ugatit_deploy.benchmarks.floor import model_flops, peak_key
from ugatit_deploy.forms import FORMS
from ugatit_deploy.model import GeneratorConfig
from ugatit_deploy.model.cost import count_macs


def test_flops_are_two_per_multiply_accumulate_at_the_benchmarked_size():
    config = GeneratorConfig(ngf=8, n_blocks=2, img_size=64, light=True)
    assert model_flops(config, 96) == 2 * count_macs(config.build("meta"), (1, 3, 96, 96))
    assert model_flops(GeneratorConfig(64, 4, 256, light=True), 256) == 105_009_120_256  # 52.50 GMAC


def test_a_full_model_has_no_flops_at_another_size():
    with pytest.raises(ValueError, match="only runs at 64 px"):
        model_flops(GeneratorConfig(ngf=8, n_blocks=2, img_size=64, light=False), 128)


def test_each_backend_is_compared_with_the_peak_of_its_device_and_precision():
    assert peak_key("cuda", "fp32") == "cuda-fp32"
    assert peak_key("cuda", "fp32-winograd") == "cuda-fp32"
    assert peak_key("cuda", "fp16") == "cuda-fp16"
    assert peak_key("cuda", "int8") == "cuda-fp16"
    assert peak_key("cuda", "fp32", "fp16") == "cuda-fp16"  # torch's autocast


def test_each_cpu_precision_is_compared_with_the_peak_of_its_own_precision():
    assert {form: peak_key("cpu", form) for form in FORMS} == {
        "fp32": "cpu-fp32",
        "fp32-winograd": "cpu-fp32",
        "fp32-int8x3": "cpu-int8",  # three INT8 products per convolution
        "fp16": "cpu-fp32",  # x86 has no FP16 arithmetic
        "int8": "cpu-int8",
        "int8-cpu": "cpu-int8",
    }
    assert peak_key("cpu", "fp32", "bf16") == "cpu-bf16"
    assert peak_key("cpu", "int8-cpu", "bf16") == "cpu-int8"  # its convolutions stay INT8
    assert peak_key("cpu", "fp32", "throughput") == "cpu-fp32"

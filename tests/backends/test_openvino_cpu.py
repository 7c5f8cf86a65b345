"""OpenVINO's CPU compile properties and the throughput mode's split of a batch into jobs (no OpenVINO needed)."""

from __future__ import annotations

import pytest

from ugatit_deploy.backends.openvino_cpu import cpu_properties, job_size


def test_the_latency_hint_has_one_stream_and_the_throughput_hint_leaves_streams_to_openvino():
    assert cpu_properties(2) == {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32", "NUM_STREAMS": 1,
                                 "INFERENCE_NUM_THREADS": 2}  # fmt: skip
    assert cpu_properties(None, "bf16", throughput=True) == {"PERFORMANCE_HINT": "THROUGHPUT",
                                                             "INFERENCE_PRECISION_HINT": "bf16"}  # fmt: skip


@pytest.mark.parametrize(
    ("batch", "requests", "size"),
    [(8, 2, 4), (8, 3, 2), (8, 4, 2), (8, 1, 8), (7, 2, 1), (3, 2, 1), (2, 4, 1), (6, 4, 2), (8, 0, 8)],
)
def test_a_batch_splits_into_equal_jobs_one_per_request_where_it_divides(batch, requests, size):
    assert job_size(batch, requests) == size

"""The machine record of a bench (``benchmarks.machine``): what the timings depend on."""

from __future__ import annotations

from ugatit_deploy.benchmarks.machine import baseline_warning, machine_record, thread_env


def test_the_thread_environment_is_recorded():
    environ = {"OMP_WAIT_POLICY": "passive", "OMP_NUM_THREADS": "2", "HOME": "/root"}
    assert thread_env(environ) == {"OMP_WAIT_POLICY": "passive", "OMP_NUM_THREADS": "2"}
    assert isinstance(machine_record()["thread_env"], dict)


def test_a_passive_wait_policy_is_flagged_as_slowing_the_baseline():
    warning = baseline_warning({"OMP_WAIT_POLICY": "passive"})
    assert warning is not None and warning.startswith("note: OMP_WAIT_POLICY=PASSIVE slows torch eager, the baseline")
    assert baseline_warning({"OMP_WAIT_POLICY": "ACTIVE"}) is None and baseline_warning({}) is None

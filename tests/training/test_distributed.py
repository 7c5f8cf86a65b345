"""Data-parallel training under torchrun, on CPU with the gloo backend and 2 processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
from support.training_helpers import make_dataset, tiny_config

from ugatit_deploy.checkpoint import read_checkpoint_file
from ugatit_deploy.training import Trainer


@pytest.mark.slow
def test_two_process_ddp_equals_one_process_with_the_same_global_batch(tmp_path):
    dataset = make_dataset(tmp_path / "shapes")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "ugatit_deploy", "train", "--dataset", str(dataset), "--name", "tiny", "--light",
        "--img-size", "64", "--ch", "4", "--n-res", "1", "--iterations", "2", "--batch-size", "1",
        "--result-dir", str(tmp_path / "ddp"), "--device", "cpu", "--no-progress",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("done: 2 steps") == 1  # only rank 0 reports and writes

    # One process, batch 2 = the same two samples per step that the two ranks took.
    single = Trainer(tiny_config(dataset, tmp_path / "single", batch_size=2), progress=False, log=lambda _: None)
    single.run()
    ddp = read_checkpoint_file(tmp_path / "ddp" / "tiny" / "model" / "tiny_params_0000002.pt")
    for name, net in single.nets.items():
        for key, value in net.state_dict().items():
            torch.testing.assert_close(ddp[name][key], value, rtol=1e-4, atol=2e-6, msg=f"{name}.{key}")

"""The checkpoints and outputs TensorFlow itself wrote (tests/data/tf), and how the tests compare with them."""

from __future__ import annotations

import numpy as np
import torch
from click.testing import CliRunner

from support.paths import TF_DATA
from ugatit_deploy.cli import main
from ugatit_deploy.core.parity import relative_max_error

FOLDERS = {
    "light": TF_DATA / "checkpoint" / "UGATIT_light_tiny_lsgan_4resblock_6dis_1_1_10_10_1000_sn_smoothing",
    "full": TF_DATA / "checkpoint" / "UGATIT_tiny_lsgan_4resblock_6dis_1_1_10_10_1000_sn_smoothing",
}


SCOPES = {"a2b": "generator_B", "b2a": "generator_A"}


OUTPUTS = np.load(TF_DATA / "outputs.npz")


CASES = [(kind, direction) for kind in FOLDERS for direction in SCOPES]


def tf_inputs(kind: str) -> torch.Tensor:
    return torch.from_numpy(OUTPUTS[f"{kind}/inputs"]).permute(0, 3, 1, 2).float()


def tf_outputs(key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TF's (image NCHW, cam_logit B x 2, heatmap B x 1 x h x w) under ``key`` (e.g. light/generator_B)."""
    image = OUTPUTS[f"{key}/out"].transpose(0, 3, 1, 2)
    cam = OUTPUTS[f"{key}/cam_logit"].reshape(len(image), 2)
    heatmap = OUTPUTS[f"{key}/heatmap"].reshape(len(image), 1, image.shape[2] // 4, image.shape[3] // 4)
    return image, cam, heatmap


def assert_reproduces(got: list[np.ndarray], key: str, image_tolerance: float) -> None:
    image, cam, heatmap = tf_outputs(key)
    assert np.abs(got[0] - image).max() <= image_tolerance
    # cam_logit and the heatmap (a sum over channels) are unbounded: relative to max(1, |TF|)
    assert relative_max_error(cam, got[1]) <= 1e-4
    assert relative_max_error(heatmap, got[2]) <= 1e-4


def cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])

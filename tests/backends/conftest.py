"""Fixtures of the runner tests: one tiny model as a checkpoint and as ONNX files, and real images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.models import TINY, make_generator

from ugatit_deploy import save_generator
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export import GraphOptions, export_checkpoint


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """TINY as a generator file, its FP32 ONNX (dynamic batch) and a static-batch FP32 ONNX."""
    root = tmp_path_factory.mktemp("backends")
    ckpt = root / "tiny.pt"
    save_generator(make_generator(TINY), ckpt)
    (fp32,) = export_checkpoint(ckpt, out=root, log=lambda _: None)
    (static,) = export_checkpoint(ckpt, out=root / "static.onnx", options=GraphOptions(dynamic_batch=False),
                                  log=lambda _: None)  # fmt: skip
    return {"ckpt": ckpt, "fp32": fp32, "static": static}


@pytest.fixture(scope="session")
def images() -> np.ndarray:
    """Three real images at 64 px: photos and a demo circle."""
    return reference_batch(64).numpy()[:3]

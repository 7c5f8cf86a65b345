"""Parity measures (``core.parity``): SSIM, PSNR and the typed ``ImageParity``."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ugatit_deploy.core.parity import ImageParity, image_parity, relative_max_error, ssim


def test_ssim_of_identical_images_is_1():
    images = np.random.default_rng(0).uniform(-1, 1, (2, 3, 32, 32))
    assert ssim(images, images) == pytest.approx(1.0, abs=1e-12)


def test_ssim_of_two_flat_images_is_the_luminance_term():
    a, b = np.full((1, 1, 16, 16), 0.2), np.full((1, 1, 16, 16), -0.3)
    c1 = (0.01 * 2) ** 2
    assert ssim(a, b) == pytest.approx((2 * 0.2 * -0.3 + c1) / (0.2**2 + 0.3**2 + c1), rel=1e-9)


def test_ssim_falls_as_noise_grows():
    rng = np.random.default_rng(1)
    images = np.clip(rng.normal(0, 0.5, (1, 3, 48, 48)), -1, 1)
    scores = [ssim(images, images + rng.normal(0, sigma, images.shape)) for sigma in (0.01, 0.05, 0.2)]
    assert 1 > scores[0] > scores[1] > scores[2] > 0


def test_image_parity_is_one_typed_value_with_exact_measures():
    reference = np.zeros((1, 3, 16, 16), dtype=np.float32)
    candidate = reference.copy()
    candidate[0, 0, 0, 0] = 0.5  # one value off by 0.5: 1 of 768
    candidate[0, 1, 0, 0] = np.nan
    parity = image_parity(reference, candidate)
    assert isinstance(parity, ImageParity)
    assert parity.max_abs == 0.5 and parity.nonfinite == 1
    assert parity.mean_abs == pytest.approx(0.5 / 768)
    assert parity.psnr_db == pytest.approx(10 * np.log10(4 / (0.25 / 768)))
    assert parity.changed_uint8_pct == pytest.approx(200 / 768)  # the NaN pixel changes too
    assert parity.aux == {}


def test_identical_images_have_infinite_psnr_and_no_error():
    images = np.random.default_rng(1).uniform(-1, 1, (2, 3, 16, 16)).astype(np.float32)
    parity = image_parity(images, images)
    assert (parity.max_abs, parity.psnr_db, parity.nonfinite, parity.changed_uint8_pct) == (0.0, math.inf, 0, 0.0)


def test_the_sidecar_form_spells_auxiliary_errors_with_their_suffix_and_reads_back():
    measured = ImageParity(max_abs=1e-4, mean_abs=1e-5, p99_abs=5e-5, psnr_db=80.0, ssim=0.9999, changed_uint8_pct=0.0,
                           nonfinite=0)  # fmt: skip
    parity = measured.with_aux("cam_logit", 2e-6).with_aux("heatmap", 3e-6)
    data = parity.to_dict()
    assert list(data) == ["max_abs", "mean_abs", "p99_abs", "psnr_db", "ssim", "changed_uint8_pct", "nonfinite",
                          "cam_logit_rel_max", "heatmap_rel_max"]  # fmt: skip
    assert ImageParity.from_dict(data) == parity


def test_relative_error_of_unbounded_outputs_is_scaled_by_the_reference():
    reference = np.array([10.0, -20.0])
    assert relative_max_error(reference, reference + [0.0, 2.0]) == pytest.approx(0.1)
    assert relative_max_error(np.array([0.1]), np.array([0.3])) == pytest.approx(0.2)  # scale at least 1

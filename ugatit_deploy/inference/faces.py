"""``infer --faces``: find the faces of a photo, crop each as the model's training data framed faces (eyes
level, ``face_align.SELFIE_FRAMING``), translate the crops at the model's size, and paste them back with a
feathered mask, so the rest of the photo keeps its pixels.

Modes: ``paste`` (faces translated in place; a photo without a face is written as it is, with a note),
``auto`` (the same, but a photo without a face is translated whole), ``crops`` (the translated crops
themselves, ``<name>_face<N>.png``). Every photo gets a record of the faces found (``ImageFaces``), which
``infer`` writes as one JSON line per photo to ``OUT/faces.jsonl``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..backends import Backend
from ..core.face_numbers import face_numbers
from ..core.imaging import image_to_tensor, tensor_to_uint8
from ..core.jsonrecord import JsonRecord
from .face_align import SELFIE_FRAMING, align_matrix, crop, paste
from .face_detect import Face, FaceDetector

FACE_MODES = ("paste", "auto", "crops")
# pixels: a face whose eyes are closer is too small to translate (upscaled > 4x at 256); core/faces.json
MIN_EYE_DISTANCE = face_numbers().min_eye_distance


@dataclass(frozen=True)
class FaceRecord(JsonRecord):
    """One face found: box (x0, y0, x1, y1), score, landmarks, and what was done with it."""

    box: tuple[float, ...]
    score: float
    landmarks: tuple[tuple[float, ...], ...]
    status: str  # "translated" | "too small"


@dataclass(frozen=True)
class ImageFaces(JsonRecord):
    """The faces of one photo, as ``infer --faces`` writes them to ``faces.jsonl``."""

    image: str
    size: tuple[int, ...]
    faces: tuple[FaceRecord, ...] = ()
    note: str | None = None


@dataclass
class FaceResult:
    """What one photo gives: the images to write (suffix -> H x W x 3 uint8) and its record."""

    images: dict[str, np.ndarray] = field(default_factory=dict)
    record: ImageFaces | None = None


def eye_distance(face: Face) -> float:
    """The distance between the eyes, computed as the C++ runner computes it."""
    (lx, ly), (rx, ry) = face.eyes
    return math.sqrt((rx - lx) * (rx - lx) + (ry - ly) * (ry - ly))


def _record(face: Face, status: str) -> FaceRecord:
    return FaceRecord(tuple(round(v, 1) for v in face.box), round(face.score, 4),
                      tuple((round(x, 1), round(y, 1)) for x, y in face.landmarks), status)  # fmt: skip


class FacePipeline:
    """Detect, align, translate and paste back, with one loaded backend and one detector."""

    def __init__(self, backend: Backend, mode: str = "paste", detector: FaceDetector | None = None,
                 batch: int = 1) -> None:  # fmt: skip
        """``batch``: faces translated per call. 1, as the C++ runner and the server translate them: a runtime
        may compute an image a little differently in another batch size (OpenVINO's INT8 kernels do)."""
        if mode not in FACE_MODES:
            raise ValueError(f"--faces must be one of {', '.join(FACE_MODES)}, got {mode!r}")
        self.backend, self.mode, self.batch = backend, mode, max(batch, 1)
        self.detector = detector or FaceDetector()

    def _translate(self, crops: list[np.ndarray]) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for start in range(0, len(crops), self.batch):
            chunk = torch.stack([image_to_tensor(c) for c in crops[start : start + self.batch]]).numpy()
            out += list(tensor_to_uint8(torch.from_numpy(self.backend.run(chunk))))
        return out

    def process(self, pixels: np.ndarray, name: str, faces: list[Face] | None = None) -> FaceResult:
        """One H x W x 3 uint8 RGB photo through the faces pipeline (``faces``: use these instead of detecting,
        as a video does with its smoothed tracks)."""
        size = self.backend.img_size
        faces = self.detector.detect(pixels) if faces is None else faces
        usable = [f for f in faces if eye_distance(f) >= MIN_EYE_DISTANCE]
        records = tuple(_record(f, "translated" if f in usable else "too small") for f in faces)
        skipped = len(faces) - len(usable)
        small = f"{skipped} face(s) too small to translate (eyes under {MIN_EYE_DISTANCE:.0f} px apart)"
        partly = small + ": left as they are" if skipped and usable else None
        result = FaceResult(record=ImageFaces(name, (pixels.shape[1], pixels.shape[0]), records, partly))
        if not usable:
            note = "no face found" if not faces else small
            if self.mode == "auto":
                result.images[".png"] = self._whole(pixels)
                note += ": translated whole (--faces auto)"
            elif self.mode == "paste":
                result.images[".png"] = pixels
                note += ": written unchanged"
            result.record = ImageFaces(name, result.record.size, records, note)
            return result
        matrices = [align_matrix(*f.eyes, size, SELFIE_FRAMING) for f in usable]
        translated = self._translate([crop(pixels, m, size) for m in matrices])
        if self.mode == "crops":
            result.images.update({f"_face{i + 1}.png": t for i, t in enumerate(translated)})
            return result
        out = pixels
        for matrix, face in zip(matrices, translated, strict=True):
            out = paste(out, face, matrix)
        result.images[".png"] = out
        return result

    def _whole(self, pixels: np.ndarray) -> np.ndarray:
        from PIL import Image

        from ..core.imaging import resize

        size = self.backend.img_size
        picture = Image.fromarray(pixels)
        small = resize(picture, (size, size), self.backend.resize_method)
        (result,) = self._translate([np.asarray(small)])
        return np.asarray(Image.fromarray(result).resize(picture.size, Image.BILINEAR))

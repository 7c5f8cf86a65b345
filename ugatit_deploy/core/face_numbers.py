"""The numbers that define the faces pipeline: detector thresholds, pyramid, non-maximum suppression, the
framing of the aligned crop, the paste-back's feather, the smallest face translated, and the detector files'
SHA-256.

The one definition is ``faces.json`` beside this module: the C++ runner's build reads the same file
(cpp/CMakeLists.txt turns it into a header), so ``ugatit-infer --faces`` and ``infer --faces`` cannot drift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFINITION = Path(__file__).with_name("faces.json")


@dataclass(frozen=True)
class DetectorFile:
    """One of the detector's ONNX files and its pinned SHA-256."""

    name: str
    sha256: str


@dataclass(frozen=True)
class DetectorNumbers:
    """MTCNN's settings: scores each stage keeps (P-Net, R-Net, O-Net), NMS overlaps (per pyramid level,
    over the pyramid, after R-Net, after O-Net by the smaller box), the pyramid, the input scaling."""

    source: str
    files: tuple[DetectorFile, ...]
    thresholds: tuple[float, float, float]
    nms: tuple[float, float, float, float]
    pyramid_step: float  # each level's scale: about half the area of the one before
    min_face: int  # pixels: the smallest face the pyramid looks for
    max_side: int  # pixels: larger photos are searched downscaled to this
    pixel_mean: float
    pixel_scale: float
    patch_fill: int  # the grey of a patch's part outside the image


@dataclass(frozen=True)
class Framing:
    """Where a face sits in a square crop: the eyes' midpoint (fractions of the side, from the top left) and
    the distance between the eyes (fraction of the side)."""

    eyes_x: float
    eyes_y: float
    eye_distance: float


@dataclass(frozen=True)
class FaceNumbers:
    """``faces.json``, parsed."""

    detector: DetectorNumbers
    framing: Framing
    feather: float  # the paste mask's soft border, as a fraction of the crop's side
    footprint_margin: int  # pixels around a crop's corners that a paste may touch (bilinear reach)
    min_eye_distance: float  # pixels: a face whose eyes are closer is too small to translate


@cache
def face_numbers(path: Path = DEFINITION) -> FaceNumbers:
    """The faces pipeline's numbers (read once)."""
    raw = json.loads(path.read_text())
    detector = dict(raw["detector"])
    detector["files"] = tuple(DetectorFile(**f) for f in detector["files"])
    for key in ("thresholds", "nms"):
        detector[key] = tuple(float(v) for v in detector[key])
    return FaceNumbers(DetectorNumbers(**detector), Framing(**raw["framing"]), float(raw["feather"]),
                       int(raw["footprint_margin"]), float(raw["min_eye_distance"]))  # fmt: skip

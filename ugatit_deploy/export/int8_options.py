"""The INT8 export options as one value, parsed once at the boundary (CLI flags or Python arguments):
calibration images and the convolutions to leave in float (``--keep-fp``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .onnx_graph import ExportError

DEFAULT_CALIB_IMAGES = 64


@dataclass(frozen=True)
class KeepFp:
    """INT8 convolutions to leave in float: none, ``auto`` (the fewest of the most sensitive layers that
    meet the fast-path gate), a count N (the N most sensitive layers), or layer names (module paths such
    as ``UpBlock2.2``). Exactly one of the three forms, or none."""

    auto: bool = False
    count: int = 0
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ExportError(f"--keep-fp: a count must be >= 0, got {self.count}")
        if sum((self.auto, self.count > 0, bool(self.names))) > 1:
            raise ExportError("--keep-fp takes one of auto, a count or layer names")

    @classmethod
    def parse(cls, value: str | int | Iterable[str] | KeepFp | None) -> KeepFp:
        """``"auto"``, ``"3"`` / ``3``, ``"UpBlock2.2,DownBlock.9"`` or a sequence of names; None: none."""
        if isinstance(value, KeepFp):
            return value
        if value is None:
            return cls()
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(count=value)
        if isinstance(value, str):
            text = value.strip()
            if text.lower() == "auto":
                return cls(auto=True)
            if text.isdigit():
                return cls(count=int(text))
            value = text.split(",")
        names = tuple(dict.fromkeys(str(name).strip() for name in value if str(name).strip()))
        if not names and not isinstance(value, (list, tuple)):
            raise ExportError("--keep-fp: expected auto, a count or layer names, e.g. 3 or UpBlock2.2,DownBlock.9")
        return cls(names=names)

    def __bool__(self) -> bool:
        return self.auto or self.count > 0 or bool(self.names)

    def __str__(self) -> str:
        return "auto" if self.auto else str(self.count) if self.count else ",".join(self.names)

    def check_names(self, layers: Iterable[str]) -> None:
        """Refuse names that are not convolutions of the graph (the one place this is checked)."""
        known = list(layers)
        if unknown := sorted(set(self.names) - set(known)):
            raise ExportError(f"--keep-fp: no convolution named {unknown[0]!r}; layers: {', '.join(known)}")


@dataclass(frozen=True)
class Int8Options:
    """How INT8 variants are calibrated and which convolutions stay float."""

    calib: Path | None = None  # image folder (str accepted); None: the recorded test split, else bundled images
    calib_images: int = DEFAULT_CALIB_IMAGES
    keep_fp: KeepFp = field(default_factory=KeepFp)

    def __post_init__(self) -> None:
        if self.calib is not None and not isinstance(self.calib, Path):
            object.__setattr__(self, "calib", Path(self.calib))
        if self.calib_images < 1:
            raise ExportError(f"--calib-images must be >= 1, got {self.calib_images}")

    @classmethod
    def parse(cls, calib: str | os.PathLike[str] | None = None, calib_images: int = DEFAULT_CALIB_IMAGES,
              keep_fp: str | int | Iterable[str] | KeepFp | None = None) -> Int8Options:  # fmt: skip
        return cls(Path(calib) if calib is not None else None, int(calib_images), KeepFp.parse(keep_fp))

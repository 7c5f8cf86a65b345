"""The face parity study: its composites (faces pasted into scenes, a small one, 30, none) and its comparison of
two runs' faces.jsonl and images, on the bundled photos (the real run reads the selfie2anime and cat2dog
folders, which tests never do)."""

from __future__ import annotations

import json
import shutil

import numpy as np
from PIL import Image
from support.studies import load_study

from ugatit_deploy.core.reference_images import photo_paths

_study = load_study("face_parity")


def test_the_composites_are_the_scenes_asked_for_and_the_last_three_are_small_crowd_and_none():
    photos = _study.composites([photo_paths()[0]] * 80, photo_paths()[1:], 6, seed=0)
    assert list(photos)[-3:] == ["small_face.png", "thirty_faces.png", "no_face.png"] and len(photos) == 6
    assert photos["thirty_faces.png"].size == (1200, 1000) and photos["scene01.png"].size == (1024, 768)
    assert not np.array_equal(np.asarray(photos["scene01.png"]), np.asarray(photos["scene02.png"]))


def _run(folder, records, image):
    folder.mkdir()
    (folder / "faces.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    Image.fromarray(image).save(folder / "a.png")


def test_the_comparison_gives_the_worst_iou_landmark_and_pixel_share(tmp_path):
    face = {"box": [10.0, 10.0, 50.0, 50.0], "score": 0.99, "landmarks": [[20.0, 20.0]] * 5, "status": "translated"}
    moved = {**face, "box": [10.0, 10.0, 50.0, 54.0], "landmarks": [[20.0, 20.5]] * 5}
    image = np.zeros((100, 100, 3), np.uint8)
    other = image.copy()
    other[0, :20] = 3  # 20 of 10,000 pixels 3 levels apart: 0.2 %
    _run(tmp_path / "python", [{"image": "a.png", "size": [100, 100], "faces": [face]}], image)
    _run(tmp_path / "cpp", [{"image": "a.png", "size": [100, 100], "faces": [moved]}], other)
    worst = _study.compare(tmp_path / "python", tmp_path / "cpp")["worst"]
    assert worst["min_iou"] == 1600 / 1760 and worst["max_landmark_px"] == 0.5
    assert worst["max_share_over_2_levels"] == 0.002 and worst["identical_images"] == 0 and not worst["passes"]
    shutil.rmtree(tmp_path / "cpp")
    _run(tmp_path / "cpp", [{"image": "a.png", "size": [100, 100], "faces": [face]}], image)
    assert _study.compare(tmp_path / "python", tmp_path / "cpp")["worst"]["passes"]

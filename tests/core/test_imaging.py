"""Pre- and post-processing (``core.imaging``)."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from support.hostile_files import jpeg_claiming, png_claiming

from ugatit_deploy.core.imaging import ImageReadError, ImageTooLargeError, read_image, read_image_bytes, resize
from ugatit_deploy.core.limits import Limits
from ugatit_deploy.core.reference_images import photo_paths

PIL_DEFAULT_LIMIT = Image.MAX_IMAGE_PIXELS


def test_opencv_resize_blends_the_two_nearest_pixels_without_antialiasing():
    stripes = np.zeros((4, 8, 3), dtype=np.uint8)
    stripes[:, 1::2] = 255  # one-pixel stripes: a 2x shrink blends each pair; PIL's wider filter spreads them
    opencv = np.asarray(resize(Image.fromarray(stripes), (4, 2), "opencv"))
    assert np.array_equal(opencv, np.full((2, 4, 3), 128, dtype=np.uint8))


def test_opencv_and_pil_resize_differ_when_shrinking_a_photo_like_image():
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8))
    opencv, pil = (np.asarray(resize(image, (256, 256), m)).astype(int) for m in ("opencv", "pil"))
    assert opencv.shape == pil.shape == (256, 256, 3) and np.abs(opencv - pil).mean() > 1


# --- reading hostile and damaged files (issue 23: P1, the 65500 x 65500 JPEG) ---


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_jpeg_whose_header_claims_16384_squared_is_refused_by_the_pixel_limit(tmp_path):
    path = _write(tmp_path, "claims.jpg", jpeg_claiming(16384, 16384, progressive=False))
    with pytest.raises(ImageTooLargeError, match=r"16384 x 16384 \(268,435,456 pixels\): over the limit"):
        read_image(path)


def test_a_png_whose_header_claims_65535_squared_is_refused_by_the_side_limit(tmp_path):
    path = _write(tmp_path, "claims.png", png_claiming(65535, 65535, bit_depth=8, rows=1))
    with pytest.raises(ImageTooLargeError, match="a side over the limit of 32,768 pixels"):
        read_image(path)


def test_bytes_are_read_as_their_file_is_with_the_same_refusals_named_by_the_given_name():
    photo = photo_paths()[0]
    assert np.array_equal(np.asarray(read_image_bytes(photo.read_bytes())), np.asarray(read_image(photo)))
    with pytest.raises(ImageTooLargeError, match=r"^image up.png is 65535 x 65535: a side over the limit of 32,768"):
        read_image_bytes(png_claiming(65535, 65535, bit_depth=8, rows=1), "up.png")
    with pytest.raises(ImageReadError, match=r"^cannot read image up.png: cannot identify image file$"):
        read_image_bytes(b"not an image", "up.png")
    with pytest.raises(ImageReadError, match=r"^cannot read image up.png: it is empty \(0 bytes\)$"):
        read_image_bytes(b"", "up.png")


def test_an_oversized_image_is_an_image_read_error_so_folders_skip_it(tmp_path):
    path = _write(tmp_path, "claims.jpg", jpeg_claiming(40000, 40000))
    with pytest.raises(ImageReadError):
        read_image(path)


@pytest.mark.slow
def test_the_1_kb_jpeg_claiming_65500_squared_is_refused_with_under_100_mb_of_peak_memory(tmp_path):
    path = _write(tmp_path, "bomb.jpg", jpeg_claiming(65500, 65500))
    assert path.stat().st_size < 1500
    probe = (
        "import resource, sys\n"
        "from ugatit_deploy.core.imaging import ImageTooLargeError, read_image\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    read_image(sys.argv[1])\nexcept ImageTooLargeError as exc:\n    print(exc)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True)
    message, added_mb = result.stdout.splitlines()
    assert "65500 x 65500: a side over the limit" in message
    assert int(added_mb) < 100


def test_a_raised_limit_lets_a_large_real_image_through(tmp_path):
    path = _write(tmp_path, "wide.png", b"")
    Image.new("RGB", (3000, 200), (10, 20, 30)).save(path)
    with pytest.raises(ImageTooLargeError, match="over the limit of 100,000 pixels"):
        read_image(path, Limits(100_000, 32768, 1024, 64))
    assert read_image(path, Limits(1_000_000, 32768, 1024, 64)).size == (3000, 200)


def test_the_environment_limit_applies_when_none_is_passed(tmp_path, monkeypatch):
    path = _write(tmp_path, "small.png", b"")
    Image.new("RGB", (64, 64)).save(path)
    monkeypatch.setenv("UGATIT_MAX_IMAGE_PIXELS", "1000")
    with pytest.raises(ImageTooLargeError, match="--max-image-pixels or UGATIT_MAX_IMAGE_PIXELS"):
        read_image(path)


def test_pil_keeps_its_own_bomb_limit_outside_read_image():
    read_image(photo_paths()[0])
    assert Image.MAX_IMAGE_PIXELS == PIL_DEFAULT_LIMIT


def _jpeg_of_photo() -> bytes:
    buffer = io.BytesIO()
    Image.open(photo_paths()[1]).convert("RGB").resize((96, 64)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


PHOTO_BYTES = photo_paths()[1].read_bytes()  # chelsea the cat, PNG
JPEG_BYTES = _jpeg_of_photo()


@pytest.mark.slow
@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(st.data())
def test_a_damaged_photo_reads_or_is_refused_in_one_line(data):
    """Byte flips, truncation and inserted garbage: an RGB image or an ImageReadError, never another error."""
    raw = bytearray(PHOTO_BYTES if data.draw(st.booleans()) else JPEG_BYTES)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.img"
        path.write_bytes(bytes(raw))
        try:
            image = read_image(path)
        except ImageReadError as exc:
            assert "\n" not in str(exc)
        else:
            assert image.mode == "RGB"


SMALL = Limits(max_image_pixels=1_000_000, max_image_side=2048, max_model_size=1024, max_batch=64)


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(st.integers(1, 65535), st.integers(1, 65535), st.booleans())
def test_any_claimed_jpeg_size_is_read_or_refused_before_decoding(width, height, progressive):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "claims.jpg"
        path.write_bytes(jpeg_claiming(width, height, progressive))
        try:
            read_image(path, SMALL)  # small limits keep the decodes that pass them cheap
        except ImageTooLargeError:
            assert max(width, height) > 2048 or width * height > 1_000_000
        except ImageReadError:
            assert max(width, height) <= 2048 and width * height <= 1_000_000  # decoded and found short


def test_reading_from_many_threads_leaves_pil_its_own_limit():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        sizes = list(pool.map(lambda path: read_image(path).size, photo_paths() * 8))
    assert len(sizes) == 32 and Image.MAX_IMAGE_PIXELS == PIL_DEFAULT_LIMIT

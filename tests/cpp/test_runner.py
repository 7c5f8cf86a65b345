"""The C++ runner (cpp/): it builds, its ctest suite passes, and its pre- and post-processing are
bit-exact with ugatit_deploy.core.imaging on photos and on every image kind the Python code converts.

One CMake build for the module (Release, in a pytest tmp dir); the C++ side is driven through its CLIs
(ugatit-preprocess / ugatit-postprocess) and, for non-square sizes, through its C API with ctypes.
"""

from __future__ import annotations

import ctypes
import os
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import PIL
import pytest
import torch
from PIL import Image
from support.cpp_build import CPP, NO_TOOLCHAIN, NO_TOOLCHAIN_REASON, SKIPPED_TRT, Build

from ugatit_deploy.core.imaging import image_to_tensor, preprocess, read_image, resize, tensor_to_uint8
from ugatit_deploy.core.reference_images import photo_paths

# Pillow 13 runs the vertical pass first when the height shrinks by more than twice as many pixels as
# the width (python-pillow/Pillow#9549); the C++ resize does too. Older Pillow always went horizontal
# first, which moves a few pixels of those resizes by one level.
PILLOW_13 = int(PIL.__version__.split(".")[0]) >= 13


pytestmark = [
    pytest.mark.cpp,
    pytest.mark.slow,  # one CMake build per session (cpp_build.py): about 35 s on 2 busy cores
    pytest.mark.skipif(NO_TOOLCHAIN, reason=NO_TOOLCHAIN_REASON),
]


@pytest.fixture
def build(cpp_build: Build) -> Build:
    return cpp_build


def cpp_preprocess(build: Build, image: Path, size: int, tmp_path: Path) -> np.ndarray:
    out = tmp_path / "input.bin"
    result = subprocess.run([build.tool("ugatit-preprocess"), image, str(size), out], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return np.fromfile(out, dtype="<f4").reshape(1, 3, size, size)


def assert_bit_exact(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    if not np.array_equal(got, expected):
        diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
        raise AssertionError(f"{what}: {int((diff > 0).sum())} values differ, max abs difference {diff.max():.3g}")


def write_png(path: Path, samples: np.ndarray, color_type: int, bit_depth: int, palette=None, trns=None) -> Path:
    """A PNG that PIL cannot write (16-bit RGB/RGBA/LA, 2-bit gray, 4-bit palette with tRNS)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width = samples.shape[:2]
    rows = []
    for row in samples.reshape(height, -1):
        if bit_depth == 16:
            data = row.astype(">u2").tobytes()
        elif bit_depth == 8:
            data = row.astype(np.uint8).tobytes()
        else:  # pack the samples MSB first, rows padded to whole bytes
            bits = np.unpackbits(row.astype(np.uint8)[:, None], axis=1)[:, 8 - bit_depth :].reshape(-1)
            data = np.packbits(bits).tobytes()
        rows.append(b"\0" + data)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0))
    if palette is not None:
        png += chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
    if trns is not None:
        png += chunk(b"tRNS", trns)
    path.write_bytes(png + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))
    return path


def sample_images(folder: Path) -> list[Path]:
    """Every conversion imaging.to_rgb makes, at odd sizes, from smooth (photo) and noisy content."""
    rng = np.random.default_rng(7)
    photo = np.asarray(read_image(photo_paths()[0]))
    smooth = np.asarray(Image.fromarray(photo).resize((37, 91)))  # odd, portrait
    wide = np.asarray(Image.fromarray(photo).resize((301, 123)))
    noise = rng.integers(0, 256, (45, 29, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, smooth.shape[:2], dtype=np.uint8)
    paths: list[Path] = []

    def save(name: str, image: Image.Image, **options) -> None:
        image.save(folder / name, **options)
        paths.append(folder / name)

    save("rgb_37x91.png", Image.fromarray(smooth))
    save("noise_29x45.png", Image.fromarray(noise))
    save("wide_301x123.png", Image.fromarray(wide))
    save("one_pixel.png", Image.fromarray(noise[:1, :1]))
    save("one_row.png", Image.fromarray(noise[:1, :]))
    save("one_column.png", Image.fromarray(noise[:, :1]))
    save("gray.png", Image.fromarray(smooth[..., 0]))
    save("rgba_partial_alpha.png", Image.fromarray(np.dstack([smooth, alpha])))
    save("gray_alpha.png", Image.fromarray(np.dstack([smooth[..., 1], alpha])))
    save("bilevel.png", Image.fromarray(smooth[..., 2] > 128))
    palette = Image.fromarray(smooth).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    save("palette.png", palette)
    save("palette_one_transparent.png", palette, transparency=3)
    save("palette_alpha.png", palette, transparency=bytes(rng.integers(0, 256, 16, dtype=np.uint8)))
    gray16 = smooth[..., 0].astype(np.uint16) * 257 + rng.integers(0, 257, smooth.shape[:2]).astype(np.uint16)
    save("gray16.png", Image.fromarray(gray16))  # PIL: mode I;16
    save("gray16_dark.png", Image.fromarray((gray16 // 300).astype(np.uint16)))  # all values < 256
    save("photo_420.jpg", Image.fromarray(wide), quality=85)
    save("photo_444.jpg", Image.fromarray(smooth), quality=95, subsampling=0)
    save("photo_progressive.jpg", Image.fromarray(photo), quality=80, progressive=True)
    save("gray.jpg", Image.fromarray(np.ascontiguousarray(wide[..., 1])), quality=90)
    save("cmyk.jpg", Image.fromarray(smooth).convert("CMYK"), quality=90)
    save("pixmap.ppm", Image.fromarray(smooth))
    save("graymap.pgm", Image.fromarray(smooth[..., 0]))
    save("graymap16.pgm", Image.fromarray(gray16))  # PIL reads it back as mode I
    save("graymap16_dark.pgm", Image.fromarray((gray16 // 300).astype(np.uint16)))  # to_rgb divides by 255
    shape = (33, 47)
    palette16, trns = rng.integers(0, 256, (16, 3)), bytes([255, 0, 128, 7])
    paths += [
        write_png(folder / "rgb16.png", rng.integers(0, 65536, (*shape, 3)), 2, 16),
        write_png(folder / "rgba16.png", rng.integers(0, 65536, (*shape, 4)), 6, 16),
        write_png(folder / "gray_alpha16.png", rng.integers(0, 65536, (*shape, 2)), 4, 16),
        write_png(folder / "gray2.png", rng.integers(0, 4, shape), 0, 2),
        write_png(folder / "gray2_trns.png", rng.integers(0, 4, shape), 0, 2, trns=b"\0\1"),  # tRNS ignored
        write_png(folder / "gray16_trns.png", rng.integers(0, 65536, shape), 0, 16, trns=b"\x12\x34"),
        write_png(folder / "rgb_trns.png", rng.integers(0, 256, (*shape, 3)), 2, 8, trns=b"\0\1\0\2\0\3"),
        write_png(folder / "palette4_trns.png", rng.integers(0, 16, shape), 3, 4, palette=palette16, trns=trns),
    ]
    return paths


def test_ctest_passes(build: Build) -> None:
    result = subprocess.run(["ctest", "--output-on-failure"], cwd=build.dir, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "100% tests passed" in result.stdout


def test_cmake_reports_whether_tensorrt_is_built(build: Build) -> None:
    folders = ["/usr/include", "/usr/include/x86_64-linux-gnu", "/usr/include/aarch64-linux-gnu", "/usr/local/include"]
    has_headers = any(Path(d, "NvInfer.h").exists() for d in folders) or bool(os.environ.get("TensorRT_ROOT"))
    if not has_headers:
        assert SKIPPED_TRT in build.configure_log
    skipped = SKIPPED_TRT in build.configure_log
    assert skipped != ("TensorRT found:" in build.configure_log)
    assert build.tool("ugatit-infer").exists() == (not skipped or build.has_openvino)


def test_without_an_engine_cmake_builds_the_rest_and_says_what_it_left_out(tmp_path: Path) -> None:
    options = ["-DUGATIT_WITH_OPENVINO=OFF", "-DUGATIT_WITH_TENSORRT=OFF", "-DUGATIT_BUILD_TESTS=OFF"]
    configure = subprocess.run(["cmake", "-S", str(CPP), "-B", str(tmp_path), *options], capture_output=True, text=True)
    assert configure.returncode == 0, configure.stderr
    for line in ("OpenVINO not found: building without the OpenVINO engine (UGATIT_WITH_OPENVINO=OFF)",
                 "no engine (OpenVINO or TensorRT) found: ugatit-infer and the examples are not built"):  # fmt: skip
        assert line in configure.stdout
    built = subprocess.run(["cmake", "--build", str(tmp_path), "--target", "ugatit_runner", "--parallel", "2"],
                           capture_output=True, text=True)  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:]
    library = ctypes.CDLL(str(next(tmp_path.glob("libugatit_runner.so*"))))
    assert library.ugatit_has_openvino() == 0 and library.ugatit_has_tensorrt() == 0


@pytest.mark.parametrize("size", [64, 256])
def test_photos_preprocess_bit_exact(build: Build, tmp_path: Path, size: int) -> None:
    build.require("libpng")
    for photo in photo_paths():
        expected = preprocess(photo, size).numpy()
        assert_bit_exact(cpp_preprocess(build, photo, size, tmp_path), expected, f"{photo.name} at {size}")


@pytest.mark.parametrize("size", [64, 256])
def test_every_image_kind_preprocess_bit_exact(build: Build, tmp_path: Path, size: int) -> None:
    build.require("libpng", "libjpeg")
    for image in sample_images(tmp_path):
        assert_bit_exact(cpp_preprocess(build, image, size, tmp_path), preprocess(image, size).numpy(), image.name)


def test_compositing_over_white_is_exact_for_every_value_and_alpha(build: Build, tmp_path: Path) -> None:
    build.require("libpng")
    value, alpha = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8), indexing="ij")
    rgba = np.dstack([value, 255 - value, value // 2, alpha])
    gray_alpha = np.ascontiguousarray(rgba[..., ::3])
    for name, image in [("rgba.png", Image.fromarray(rgba)), ("la.png", Image.fromarray(gray_alpha))]:
        image.save(tmp_path / name)  # 256 x 256: preprocessing at 256 does not resize
        expected = preprocess(tmp_path / name, 256).numpy()
        assert_bit_exact(cpp_preprocess(build, tmp_path / name, 256, tmp_path), expected, name)


def test_resize_bit_exact_for_non_square_sizes(build: Build, tmp_path: Path) -> None:
    library = ctypes.CDLL(str(next(build.dir.glob("libugatit_runner.so*"))))
    library.ugatit_preprocess_file.argtypes = [
        ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_float), ctypes.c_size_t,
    ]  # fmt: skip
    library.ugatit_last_error.restype = ctypes.c_char_p
    rng = np.random.default_rng(11)
    sizes = [(1, 1, 5, 7), (5, 1, 1, 3), (7, 9, 1, 1), (1, 300, 64, 64), (300, 1, 64, 64), (3, 1000, 256, 256),
             (64, 64, 63, 65), (100, 100, 90, 80), (100, 100, 90, 79), (97, 111, 101, 18), (15, 65, 3, 15)]  # fmt: skip
    sizes += [tuple(int(v) for v in rng.integers(1, 160, 4)) for _ in range(120)]
    mismatches = []
    for in_w, in_h, out_w, out_h in sizes:
        path = tmp_path / "noise.ppm"
        Image.fromarray(rng.integers(0, 256, (in_h, in_w, 3), dtype=np.uint8)).save(path)
        got = np.empty((3, out_h, out_w), np.float32)
        status = library.ugatit_preprocess_file(
            str(path).encode(), out_h, out_w, got.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), got.size
        )
        assert status == 0, library.ugatit_last_error().decode()
        expected = image_to_tensor(resize(read_image(path), (out_w, out_h))).numpy()
        vertical_first = out_h < in_h and in_h - out_h > 2 * (in_w - out_w) and out_w != in_w
        if not np.array_equal(got, expected) and (PILLOW_13 or not vertical_first):
            mismatches.append(((in_w, in_h), (out_w, out_h), float(np.abs(got - expected).max())))
    assert not mismatches, f"{len(mismatches)} of {len(sizes)} resizes differ from PIL: {mismatches[:5]}"


def test_postprocess_bit_exact(build: Build, tmp_path: Path) -> None:
    build.require("libpng")
    height, width = 37, 64
    rng = np.random.default_rng(3)
    values = rng.uniform(-1.3, 1.3, 3 * height * width).astype(np.float32)
    # Exact ties of (x + 1) * 127.5 (round half to even) near every k + 0.5, extremes and both ends.
    ties = []
    for k in range(255):
        x = np.float32((k + 0.5) / 127.5 - 1)
        for _ in range(8):
            x = np.nextafter(x, np.float32(-2))
        for _ in range(16):
            if (x + np.float32(1)) * np.float32(127.5) == np.float32(k + 0.5):
                ties.append(x)
            x = np.nextafter(x, np.float32(2))
    special = np.array([0.0, -1.0, 1.0, -0.0, 5.0, -5.0, np.inf, -np.inf, 1e-8, -1e-8] + ties, np.float32)
    assert len(ties) > 10
    values[: len(special)] = special
    tensor = torch.from_numpy(values.reshape(3, height, width))
    tensor_file = tmp_path / "output.bin"
    tensor.numpy().astype("<f4").tofile(tensor_file)
    for name in ("output.png", "output.ppm"):
        result = subprocess.run(
            [build.tool("ugatit-postprocess"), tensor_file, str(height), str(width), tmp_path / name],
            capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        with Image.open(tmp_path / name) as image:
            got = np.asarray(image.convert("RGB"))
        assert_bit_exact(got, tensor_to_uint8(tensor), name)


def test_tools_fail_with_one_line(build: Build, tmp_path: Path) -> None:
    (tmp_path / "text.png").write_text("not an image")
    (tmp_path / "short.bin").write_bytes(b"\0" * 10)
    cases = [
        ([build.tool("ugatit-preprocess"), tmp_path / "missing.png", "64", tmp_path / "o.bin"], "cannot open"),
        ([build.tool("ugatit-preprocess"), tmp_path / "text.png", "64", tmp_path / "o.bin"], "not a PNG, JPEG"),
        ([build.tool("ugatit-preprocess"), tmp_path / "text.png", "-3", tmp_path / "o.bin"], "SIZE must be"),
        ([build.tool("ugatit-postprocess"), tmp_path / "short.bin", "2", "2", tmp_path / "o.ppm"], "has 10 bytes"),
        ([build.tool("ugatit-postprocess"), tmp_path / "short.bin", "2", "2", tmp_path / "o.gif"], ".png or .ppm"),
    ]
    for command, fragment in cases:
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 1, command
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and ": error: " in lines[0] and fragment in lines[0], result.stderr
    assert not any(tmp_path.glob("o.*"))

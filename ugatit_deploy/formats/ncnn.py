"""ncnn (``export --format ncnn``): the validated ONNX graph, in the form pnnx converts correctly
(``ncnn_graph``), through ncnn's converter; the ncnn model itself validated against PyTorch on ncnn before
it is written (no half files), as ``.ncnn.param`` (the artifact) + ``.ncnn.bin`` (its weights, hashed in
the sidecar's ``weights``). ``int8-cpu`` is the FP32 model with ncnn's INT8 scales (``ncnn_int8``): ncnn
quantizes its convolutions itself at load, so it takes the FP32 graph and the calibration images."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import onnx

from ..core.fileio import atomic_output, file_sha256
from ..core.metadata import FileRef, ValidationReport, write_sidecar
from ..core.onnx_contract import conv_layers
from ..core.optional import availability_of, ncnn, pnnx
from .base import ArtifactFormat, WriteJob
from .ncnn_graph import ncnn_graph
from .ncnn_int8 import quantize_files
from .ncnn_runtime import BIN_SUFFIX, PARAM_SUFFIX, NcnnSession, convert_onnx


def weights_path(param: Path) -> Path:
    """The ``.ncnn.bin`` beside a ``.ncnn.param``."""
    return param.with_name(param.name.removesuffix(PARAM_SUFFIX) + BIN_SUFFIX)


class NcnnFormat(ArtifactFormat):
    name = "ncnn"
    kind = "ncnn"
    suffixes = (PARAM_SUFFIX,)
    describes = "an ncnn model (export --format ncnn)"
    summary = ".ncnn.param + .ncnn.bin for ncnn, Tencent's edge runtime with Winograd CPU convolutions (fp32, int8-cpu)"
    precisions = ("fp32", "int8-cpu")
    # Measured: benchmarks/results/mnn_ncnn.md.
    refusal = ("ncnn's fp16 only changes storage on x86 (measured no faster); its CPU INT8 is int8-cpu (int8 is "
               "TensorRT's Q/DQ form)")  # fmt: skip
    quantizes_itself = True
    winograd = True  # fp32 and int8: ncnn's x86 Convolution has Winograd 3x3 kernels for both
    # ncnn's float kernel for a 3-channel output runs at ~18 GFLOP/s (60-74 ms of a 280 ms run of the 256 px
    # light generator, benchmarks/studies/ncnn_layer_profile.py) and its int8 kernel makes the whole model ~50 ms
    # faster, for 0.2-0.7 dB (ncnn rounds that layer more finely than the Q/DQ graph: 47-49 dB alone, measured).
    float_rgb_out = False
    image_output_only = True

    def companions(self, path: Path) -> tuple[Path, ...]:
        return (weights_path(path),)

    def unavailable_reason(self) -> str | None:
        for loader in (ncnn, pnnx):
            ok, reason = availability_of(loader)
            if not ok:
                return reason
        return None

    def write(self, job: WriteJob) -> ValidationReport:
        """Rewrite, convert, quantize (int8-cpu, from the FP32 ``job.model``), validate, then write the weights,
        the param file and the sidecar."""
        with tempfile.TemporaryDirectory(prefix="ugatit_ncnn_", ignore_cleanup_errors=True) as tmp:
            param, weights = self._convert(job, Path(tmp))
            report = job.validate(NcnnSession(param, weights))
            target_weights = weights_path(job.path)
            with atomic_output(target_weights) as handle:
                handle.write(weights.read_bytes())
            with atomic_output(job.path) as handle:
                handle.write(param.read_bytes())
        reference = FileRef(target_weights.name, file_sha256(target_weights), target_weights.stat().st_size)
        converter = f"pnnx {metadata.version('pnnx')}"
        record = replace(job.record, validation=report, converter=converter, weights=reference)
        write_sidecar(record.describing(job.path), job.path)
        return report

    @staticmethod
    def _convert(job: WriteJob, tmp: Path) -> tuple[Path, Path]:
        """The converted (and, for INT8, quantized) param and weights files in ``tmp``."""
        source = tmp / "model.onnx"
        onnx.save(ncnn_graph(job.model), str(source))
        convert_onnx(source, tmp / "model", (job.size, job.size))  # the graph runs at any size afterwards
        param, weights = tmp / f"model{PARAM_SUFFIX}", tmp / f"model{BIN_SUFFIX}"
        if job.record.quantization is None:
            return param, weights
        floating = set(job.record.quantization.float_layers)
        quantize_files(param, weights, job.model, conv_layers(job.model), floating, job.calibration, tmp / "int8")
        return tmp / f"int8{PARAM_SUFFIX}", tmp / f"int8{BIN_SUFFIX}"


NCNN = NcnnFormat()

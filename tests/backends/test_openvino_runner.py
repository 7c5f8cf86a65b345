"""The OpenVINO runner: our ONNX files (norm functions inlined) at fp32, int8 and, where the CPU has it,
bf16 compute (of fp32 and int8 files); one static-shape compilation per batch shape; the throughput hint's
parallel requests. The tests that need OpenVINO skip without it; the argument checks, labels, the missing-package
and the BF16-cap messages run everywhere."""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import onnx
import pytest
from support.hostile_models import crafted, drop_outputs, fix_input_dims, set_metadata, without_sidecar
from support.models import TINY, make_generator, reference_outputs
from support.records import artifact_record

from ugatit_deploy import save_generator
from ugatit_deploy.backends import Availability, BackendError, create_backend, open_model, openvino_runner
from ugatit_deploy.backends.openvino_runner import THROUGHPUT_BATCH_1, OpenVinoBackend
from ugatit_deploy.core import cpu_caps
from ugatit_deploy.core.cpu_caps import bf16_unavailable_reason
from ugatit_deploy.core.errors import UnavailableError
from ugatit_deploy.core.limits import LimitError
from ugatit_deploy.core.metadata import read_sidecar, write_sidecar
from ugatit_deploy.core.parity import image_parity
from ugatit_deploy.export import GraphOptions, export_checkpoint

pytestmark = pytest.mark.slow  # its fixtures export (seconds each): not the inner loop

NO_OPENVINO = "the OpenVINO runner needs openvino: pip install 'ugatit-deploy[openvino]'"
# int8-cpu TINY, bf16 hint against the f32 hint: measured 39.6 dB (34.3 dB with an earlier calibration); against
# PyTorch FP32 37.9 dB, the f32 hint's 38.3 dB (35.98 and 36.26 dB).
BF16_INT8_PSNR_DB = 32.0


def _fake_onnx(tmp_path, precision, keep_fp=()):
    """An ONNX path with a sidecar: enough for everything that happens before ``load``."""
    path = tmp_path / f"model_{precision}.onnx"
    path.write_bytes(b"not read before load")
    write_sidecar(artifact_record("onnx", precision, keep_fp), path)
    return path


# -- no OpenVINO needed --------------------------------------------------------------------------------


def test_missing_openvino_is_unavailable_with_the_install_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openvino", None)  # makes `import openvino` fail
    status = create_backend("openvino-cpu", _fake_onnx(tmp_path, "fp32")).availability()
    assert not status.ok and "pip install 'ugatit-deploy[openvino]'" in status.reason


def _fake_openvino(devices, capabilities):
    class Core:
        available_devices = devices

        def get_property(self, device, name):
            return {"OPTIMIZATION_CAPABILITIES": capabilities, "FULL_DEVICE_NAME": "Fake Xeon"}[name]

    return types.SimpleNamespace(__version__="2099.1", Core=Core)


@pytest.mark.parametrize(
    ("precision", "options", "devices", "capabilities", "reason"),
    [
        ("fp32", {"inference_precision": "bf16"}, ["CPU"], ["FP32", "INT8"],
         "this CPU (Fake Xeon) has no native BF16: OpenVINO reports FP32, INT8; bf16 needs AVX512_BF16 or AMX"),
        ("int8-cpu", {}, ["CPU"], ["FP32", "BF16"], "this CPU (Fake Xeon) has no INT8 support: OpenVINO reports FP32"),
        ("fp32", {}, ["GPU"], ["FP32"], "OpenVINO 2099.1 sees no CPU device (it has: GPU)"),
        ("fp32", {"inference_precision": "bf16"}, ["CPU"], ["FP32", "BF16"], None),
    ],
)  # fmt: skip
def test_what_the_cpu_lacks_is_unavailable_with_a_reason(tmp_path, monkeypatch, precision, options, devices,
                                                         capabilities, reason):  # fmt: skip
    monkeypatch.setitem(sys.modules, "openvino", _fake_openvino(devices, capabilities))
    # The host's own CPU check answers before OpenVINO's: fake a CPU with BF16, so only the fake OpenVINO speaks.
    monkeypatch.setattr(openvino_runner, "bf16_unavailable_reason", lambda: None)
    status = create_backend("openvino-cpu", _fake_onnx(tmp_path, precision), **options).availability()
    assert status.ok == (reason is None)
    if reason:
        assert reason in status.reason


@pytest.mark.parametrize(
    ("precision", "options", "message"),
    [
        ("fp32", {"inference_precision": "int8"}, "must be one of fp32, bf16, got 'int8'"),
        (
            "fp16",
            {"inference_precision": "bf16"},
            "^openvino bf16 runs fp32, int8-cpu ONNX files only; model_fp16.onnx is fp16$",
        ),
    ],
)
def test_precisions_openvino_cannot_give_are_one_line_errors(tmp_path, precision, options, message):
    with pytest.raises(BackendError, match=message) as caught:
        create_backend("openvino-cpu", _fake_onnx(tmp_path, precision), **options)
    assert "\n" not in str(caught.value)


def test_threads_and_the_latency_hint_show_in_the_options_and_label(tmp_path):
    backend = create_backend("openvino-cpu", _fake_onnx(tmp_path, "int8-cpu"), threads=2)
    assert isinstance(backend, OpenVinoBackend)
    assert backend.info.options == {"threads": 2, "latency_hint": True}
    assert backend.info.label == "openvino-cpu int8-cpu (latency_hint)"
    bf16 = create_backend("openvino-cpu", _fake_onnx(tmp_path, "fp32"), inference_precision="bf16")
    assert bf16.info.label == "openvino-cpu bf16 (latency_hint)"


def test_an_int8_file_with_the_bf16_hint_keeps_its_precision_and_says_bf16_in_its_label(tmp_path):
    path = _fake_onnx(tmp_path, "int8-cpu", keep_fp=("UpBlock2.7", "UpBlock2.2"))
    backend = create_backend("openvino-cpu", path, inference_precision="bf16")
    assert (backend.info.precision, backend.info.variant) == ("int8-cpu", "keep-fp 2 +bf16")
    assert backend.info.options == {"inference_precision": "bf16", "latency_hint": True}
    assert backend.info.label == "openvino-cpu int8-cpu keep-fp 2 +bf16 (latency_hint)"
    refused = "^openvino bf16 runs fp32, int8-cpu ONNX files only; model_int8.onnx is int8$"
    with pytest.raises(BackendError, match=refused):
        create_backend("openvino-cpu", _fake_onnx(tmp_path, "int8"), inference_precision="bf16")  # TensorRT's graph


def test_the_throughput_mode_says_throughput_hint_in_its_options_and_label(tmp_path):
    backend = create_backend("openvino-cpu", _fake_onnx(tmp_path, "fp32"), threads=2, throughput=True)
    assert backend.info.options == {"threads": 2, "throughput_hint": True}
    assert backend.info.label == "openvino-cpu fp32 (throughput_hint)"
    bf16 = create_backend("openvino-cpu", _fake_onnx(tmp_path, "int8-cpu"), inference_precision="bf16", throughput=True)
    assert bf16.info.label == "openvino-cpu int8-cpu +bf16 (throughput_hint)"


@pytest.mark.parametrize("precision", ["fp32", "int8-cpu"])
def test_bf16_under_the_avx2_cap_is_unavailable_with_the_cap_as_reason(tmp_path, monkeypatch, precision):
    # OpenVINO reports BF16 under the cap, then fails inside ("object is not initialized"): the runner says why first.
    monkeypatch.setitem(sys.modules, "openvino", _fake_openvino(["CPU"], ["FP32", "BF16", "INT8"]))
    monkeypatch.setattr(cpu_caps, "read_cpu_flags", lambda cpuinfo=None: frozenset({"avx512f", "avx512_bf16"}))
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    path = _fake_onnx(tmp_path, precision)
    status = create_backend("openvino-cpu", path, inference_precision="bf16").availability()
    assert status == Availability.no(
        "ONEDNN_MAX_CPU_ISA=AVX2 caps oneDNN below AVX512_CORE_BF16: no BF16 kernels in this class"
    )
    assert create_backend("openvino-cpu", path).availability().ok  # the f32 hint runs under the cap


def test_openvino_on_a_checkpoint_says_it_needs_an_onnx_file(tmp_path):
    ckpt = tmp_path / "tiny.pt"
    save_generator(make_generator(TINY), ckpt)
    with pytest.raises(BackendError, match="cannot run tiny.pt: it is a checkpoint file .openvino needs an ONNX file"):
        open_model(ckpt, "openvino")


# -- with OpenVINO -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ov():
    return pytest.importorskip("openvino", reason=NO_OPENVINO)


@pytest.fixture(scope="module")
def ov_tiny(ov, tmp_path_factory):
    """TINY exported once, with all three outputs: fp32, int8-cpu, and the fp32 graph with a static batch."""
    root = tmp_path_factory.mktemp("openvino")
    ckpt = root / "ov_tiny.pt"
    save_generator(make_generator(TINY), ckpt)
    fp32, int8 = export_checkpoint(ckpt, out=root, precisions=("fp32", "int8-cpu"),
                                   options=GraphOptions(outputs="all"), log=lambda _: None)  # fmt: skip
    static = root / "static.onnx"
    model = onnx.load(fp32)
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 1
    onnx.save(model, static)
    write_sidecar(read_sidecar(fp32).describing(static), static)  # the changed file's own hash
    return {"ckpt": ckpt, "fp32": fp32, "int8-cpu": int8, "static": static}


@pytest.fixture(scope="module")
def reference(ov_tiny, images):
    return reference_outputs(ov_tiny["ckpt"], images)


@pytest.fixture(scope="module")
def ort_outputs(ov_tiny, images):
    """ONNX Runtime's outputs for both files (the runner every other ONNX backend is compared with)."""
    outputs = {}
    for precision in ("fp32", "int8-cpu"):
        with create_backend("onnxruntime-cpu", ov_tiny[precision]) as backend:
            outputs[precision] = backend.run_outputs(images)
    return outputs


def test_fp32_matches_torch_within_1e4_at_batch_1_and_3(ov_tiny, images, reference):
    with create_backend("openvino-cpu", ov_tiny["fp32"], threads=2) as backend:
        assert backend.info.precision == "fp32" and backend.img_size == 64
        for batch in (1, 3):
            out = backend.run(images[:batch])
            assert out.shape == images[:batch].shape and out.dtype == np.float32
            assert np.abs(out - reference[:batch]).max() <= 1e-4


def test_run_outputs_match_onnxruntime_within_1e4(ov_tiny, images, ort_outputs):
    with create_backend("openvino-cpu", ov_tiny["fp32"]) as backend:
        outputs = backend.run_outputs(images)
    assert set(outputs) == {"output", "cam_logit", "heatmap"}
    for name, value in outputs.items():
        assert value.dtype == np.float32 and value.shape == ort_outputs["fp32"][name].shape
        assert np.abs(value - ort_outputs["fp32"][name]).max() <= 1e-4, name


def test_int8_cpu_runs_as_int8_as_close_to_torch_as_onnxruntime(ov_tiny, images, reference, ort_outputs):
    with create_backend("openvino-cpu", ov_tiny["int8-cpu"]) as backend:
        assert backend.info.precision == "int8-cpu"
        staged = backend.stage(images)
        out = backend.fetch(backend.execute(staged))
        runtime = staged.entry.compiled.get_runtime_model()
    kinds = {(op.get_rt_info()["layerType"].astype(str), op.get_rt_info()["runtimePrecision"].astype(str))
             for op in runtime.get_ordered_ops()}  # fmt: skip
    assert ("Convolution", "u8") in kinds  # OpenVINO's low-precision path took the Q/DQ convolutions
    ours = image_parity(reference, out).psnr_db
    theirs = image_parity(reference, ort_outputs["int8-cpu"]["output"]).psnr_db
    assert abs(ours - theirs) <= 1.0, (ours, theirs)


def test_another_batch_shape_compiles_again_and_still_matches(ov_tiny, images):
    with create_backend("openvino-cpu", ov_tiny["int8-cpu"]) as backend:
        three = backend.run(images)
        two = backend.run(images[:2])
        assert set(backend._compiled) == {(3, 3, 64, 64), (2, 3, 64, 64)}
    assert two.shape == (2, 3, 64, 64)
    assert np.abs(two - three[:2]).max() <= 1e-4


@pytest.mark.parametrize("throughput", [False, True])
def test_fetch_returns_a_copy_the_next_run_leaves_alone(ov_tiny, images, throughput):
    with create_backend("openvino-cpu", ov_tiny["fp32"], throughput=throughput) as backend:
        first = backend.run(images)
        kept = first.copy()
        second = backend.run(-images)
    np.testing.assert_array_equal(first, kept)
    assert np.abs(second - first).max() > 0.1


def test_a_static_batch_onnx_refuses_other_batches(ov_tiny, images):
    with create_backend("openvino-cpu", ov_tiny["static"]) as backend:
        assert backend.accepts((1, 3, 64, 64)) is None
        assert "static batch of 1" in backend.accepts((2, 3, 64, 64))
        with pytest.raises(BackendError, match="static batch of 1"):
            backend.run(images[:2])


def _batch_of_8(images):
    return np.ascontiguousarray(np.resize(images, (8, *images.shape[1:])))


@pytest.mark.parametrize("precision", ["fp32", "int8-cpu"])
def test_throughput_mode_gives_the_latency_modes_outputs_at_batch_8(ov_tiny, images, precision):
    batch = _batch_of_8(images)
    with create_backend("openvino-cpu", ov_tiny[precision], threads=2) as latency:
        expected = latency.run_outputs(batch)
    with create_backend("openvino-cpu", ov_tiny[precision], threads=2, throughput=True) as backend:
        outputs = backend.run_outputs(batch)
    assert set(outputs) == {"output", "cam_logit", "heatmap"}
    for name, value in outputs.items():
        assert value.shape == expected[name].shape and value.dtype == np.float32
        assert np.abs(value - expected[name]).max() <= 1e-5, name


def test_throughput_mode_declines_batch_1_with_a_reason(ov_tiny, images):
    with create_backend("openvino-cpu", ov_tiny["fp32"], throughput=True) as backend:
        assert backend.accepts((1, 3, 64, 64)) == THROUGHPUT_BATCH_1
        assert backend.accepts((2, 3, 64, 64)) is None
        with pytest.raises(BackendError, match="^the throughput hint runs a batch as parallel infer requests: batch 1"):
            backend.run(images[:1])
        assert backend.run(images[:2]).shape == (2, 3, 64, 64)


def test_throughput_mode_declines_a_static_batch_onnx(ov_tiny):
    with create_backend("openvino-cpu", ov_tiny["static"], throughput=True) as backend:
        reason = backend.accepts((2, 3, 64, 64))
    assert reason == ("this ONNX has a static batch of 1: the throughput hint splits a batch into parallel requests; "
                      "re-export with dynamic axes")  # fmt: skip


def _cpu_capabilities(ov) -> list[str]:
    return [str(c) for c in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")]


def _runtime_convolutions(compiled) -> set[str]:
    """The runtime precisions of a compiled model's convolutions (OpenVINO's executable graph)."""
    layers = [op.get_rt_info() for op in compiled.get_runtime_model().get_ordered_ops()]
    convolutions = [layer for layer in layers if layer["layerType"].astype(str) == "Convolution"]
    return {layer["runtimePrecision"].astype(str) for layer in convolutions}


def test_bf16_on_a_cpu_without_it_is_unavailable_with_a_reason(ov, ov_tiny):
    if "BF16" in _cpu_capabilities(ov):
        pytest.skip("this CPU has native BF16")
    backend = create_backend("openvino-cpu", ov_tiny["fp32"], inference_precision="bf16")
    status = backend.availability()
    assert not status.ok
    assert "no native BF16" in status.reason and "AVX512_BF16 or AMX" in status.reason
    with pytest.raises(UnavailableError, match="BF16"):
        backend.load()


def test_bf16_on_a_cpu_with_it_keeps_40_db(ov, ov_tiny, images, reference):
    if "BF16" not in _cpu_capabilities(ov):
        pytest.skip("this CPU has no native BF16 (needs AVX512_BF16 or AMX)")
    with create_backend("openvino-cpu", ov_tiny["fp32"], inference_precision="bf16") as backend:
        assert backend.info.precision == "bf16"
        out = backend.run(images)
    assert image_parity(reference, out).psnr_db >= 40


def test_int8_with_the_bf16_hint_runs_int8_convolutions_the_float_ones_in_bf16(ov, ov_tiny, images, reference):
    if "BF16" not in _cpu_capabilities(ov) or bf16_unavailable_reason():
        pytest.skip("this CPU has no native BF16 (needs AVX512_BF16 or AMX)")
    with create_backend("openvino-cpu", ov_tiny["int8-cpu"]) as f32:
        expected = f32.run(images)
    with create_backend("openvino-cpu", ov_tiny["int8-cpu"], inference_precision="bf16") as backend:
        assert backend.info.precision == "int8-cpu"
        assert backend.info.label == "openvino-cpu int8-cpu +bf16 (latency_hint)"
        staged = backend.stage(images)
        out = backend.fetch(backend.execute(staged))
        assert _runtime_convolutions(staged.entry.compiled) == {"u8", "bf16"}  # no f32 convolution left
    assert out.shape == images.shape and out.dtype == np.float32
    assert image_parity(expected, out).psnr_db >= BF16_INT8_PSNR_DB
    # BF16 float layers cost INT8 next to nothing against PyTorch FP32.
    assert image_parity(reference, out).psnr_db >= image_parity(reference, expected).psnr_db - 1.0


def test_create_backend_and_open_model_give_the_openvino_runner(ov_tiny):
    assert isinstance(create_backend("openvino-cpu", ov_tiny["fp32"]), OpenVinoBackend)
    runner = open_model(ov_tiny["fp32"], "openvino", threads=1)
    assert isinstance(runner, OpenVinoBackend) and runner.info.options["threads"] == 1


def test_a_silent_fallback_from_bf16_to_f32_is_refused(ov, ov_tiny, images, monkeypatch):
    """OpenVINO compiles a bf16 hint as f32 where the CPU lacks BF16, without a word: the runner checks."""
    if "BF16" in _cpu_capabilities(ov):
        pytest.skip("this CPU has native BF16")
    backend = create_backend("openvino-cpu", ov_tiny["fp32"], inference_precision="bf16")
    monkeypatch.setattr(backend, "availability", lambda: Availability.yes())
    with backend, pytest.raises(BackendError, match="in f32, not bf16"):
        backend.run(images[:1])


def test_ctrl_c_after_several_runners_were_released_is_a_signal_not_a_crash(ov, ov_tiny, tmp_path):
    # OpenVINO's CPU plugin gives the compiling thread an alternate signal stack and hands back the previous one
    # when its Core goes: with one Core per runner, released out of order, the main thread kept a freed stack
    # and the next SIGINT (Ctrl-C in bench, demo or serve) died with SIGSEGV. Runners now share one Core.
    script = tmp_path / "ctrl_c.py"
    script.write_text(f"""
import gc, os, signal, time
import numpy as np
from ugatit_deploy.backends import create_backend
runners = [create_backend("openvino-cpu", {str(ov_tiny["fp32"])!r}, threads=t) for t in (1, 2, 1, 2)]
for runner in runners:
    runner.load()
    runner.run(np.zeros((1, 3, 64, 64), np.float32))
for runner in runners:
    runner.close()
del runners, runner
gc.collect()
seen = []
signal.signal(signal.SIGINT, lambda *_: seen.append("SIGINT"))
os.kill(os.getpid(), signal.SIGINT)
time.sleep(0.1)
print(seen)
""")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "['SIGINT']", (done.returncode, done.stderr[-500:])


# --- hostile files (issue 23: P5) ---


def test_a_graph_with_no_outputs_is_one_backend_error(ov_tiny, tmp_path):
    path = crafted(ov_tiny["fp32"], tmp_path / "no_outputs.onnx", drop_outputs)
    missing = r"\(output, cam_logit, heatmap missing; outputs \[\]\)$"
    with pytest.raises(BackendError, match=r"^no_outputs.onnx is not a U-GAT-IT generator graph: .*" + missing):
        create_backend("openvino-cpu", path).load()


@pytest.mark.parametrize("value", ['{"ngf": "x"', "[1, 2]", '{"ngf": 8}', "null", '"x"' * 50])
def test_a_corrupted_model_entry_in_the_onnx_metadata_is_one_line(ov_tiny, tmp_path, value):
    path = without_sidecar(crafted(ov_tiny["fp32"], tmp_path / "meta.onnx", set_metadata("ugatit.model", value)))
    with pytest.raises(BackendError, match=r"meta.onnx: metadata") as caught:
        create_backend("openvino-cpu", path)
    assert "\n" not in str(caught.value)


def test_fixed_input_dims_over_the_limit_are_refused_before_compiling(ov_tiny, tmp_path):
    path = crafted(ov_tiny["fp32"], tmp_path / "huge.onnx", fix_input_dims(1, 3, 100000, 100000))
    with pytest.raises(LimitError, match="huge.onnx: graph input size is 100000: over the limit of 1024"):
        create_backend("openvino-cpu", path).load()

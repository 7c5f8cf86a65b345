"""What one process makes once across several exports of one checkpoint (``export.reuse``): the opened generator,
its FP32 graph and PyTorch's outputs, kept by content and handed out as copies; and a quantized graph the
``--keep-fp`` search made, which the export then writes without quantizing again."""

from __future__ import annotations

import shutil

import numpy as np
import onnx
import pytest
import torch

from ugatit_deploy import load_generator, save_generator
from ugatit_deploy.core.errors import CheckpointError
from ugatit_deploy.core.gates import Gate
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export import GraphOptions, export_checkpoint, reuse
from ugatit_deploy.export.onnx_graph import export_graph
from ugatit_deploy.forms.transforms import int8
from ugatit_deploy.forms.transforms.int8_options import Int8Options, KeepFp, QuantRecipe
from ugatit_deploy.model import GeneratorConfig
from ugatit_deploy.model.generator import ResnetGenerator


@pytest.fixture
def counted(monkeypatch):
    """How often the checkpoint was opened and the graph exported (the reuse's stores start empty)."""
    calls = {"open": 0, "export": 0}
    monkeypatch.setattr(reuse, "_GENERATORS", type(reuse._GENERATORS)())
    monkeypatch.setattr(reuse, "_GRAPHS", type(reuse._GRAPHS)())
    open_generator, export_graph = reuse.open_generator, reuse.export_graph

    def opening(*args, **kwargs):
        calls["open"] += 1
        return open_generator(*args, **kwargs)

    def exporting(*args, **kwargs):
        calls["export"] += 1
        return export_graph(*args, **kwargs)

    monkeypatch.setattr(reuse, "open_generator", opening)
    monkeypatch.setattr(reuse, "export_graph", exporting)
    return calls


def _tiny(path, seed: int = 0):
    torch.manual_seed(seed)
    save_generator(GeneratorConfig(ngf=4, n_blocks=1, img_size=64, light=True).build(), path)
    return path


@pytest.mark.slow  # whole exports
def test_two_forms_of_one_checkpoint_open_it_and_export_its_graph_once(tmp_path, counted):
    ckpt = _tiny(tmp_path / "m.pt")
    export_checkpoint(ckpt, out=tmp_path / "a", precisions=("fp32",), log=lambda _: None)
    export_checkpoint(ckpt, out=tmp_path / "b", precisions=("fp32-winograd",), log=lambda _: None)
    assert counted == {"open": 1, "export": 1}


@pytest.mark.slow  # whole exports
def test_the_same_content_under_another_name_is_the_same_checkpoint(tmp_path, counted):
    ckpt = _tiny(tmp_path / "m.pt")
    shutil.copy(ckpt, tmp_path / "copy.pt")
    export_checkpoint(ckpt, out=tmp_path / "a", log=lambda _: None)
    export_checkpoint(tmp_path / "copy.pt", out=tmp_path / "b", log=lambda _: None)
    assert counted == {"open": 1, "export": 1}


@pytest.mark.slow  # whole exports
def test_a_changed_checkpoint_is_opened_and_exported_again(tmp_path, counted):
    ckpt = _tiny(tmp_path / "m.pt")
    export_checkpoint(ckpt, out=tmp_path / "a", log=lambda _: None)
    _tiny(ckpt, seed=1)
    export_checkpoint(ckpt, out=tmp_path / "b", log=lambda _: None)
    assert counted == {"open": 2, "export": 2}


@pytest.mark.slow  # whole exports
def test_other_graph_options_export_again(tmp_path, counted):
    ckpt = _tiny(tmp_path / "m.pt")
    export_checkpoint(ckpt, out=tmp_path / "a", log=lambda _: None)
    export_checkpoint(ckpt, out=tmp_path / "b", options=GraphOptions(outputs="all"), log=lambda _: None)
    assert counted["export"] == 2


def test_each_caller_gets_its_own_copy_of_the_graph(tmp_path, counted):
    ckpt = _tiny(tmp_path / "m.pt")
    _, generator = reuse.opened_generator(str(ckpt), "a2b")
    first = reuse.fp32_graph(str(ckpt), "a2b", generator, GraphOptions())
    first.graph.node.pop()
    second = reuse.fp32_graph(str(ckpt), "a2b", generator, GraphOptions())
    assert len(second.graph.node) == len(first.graph.node) + 1 and counted["export"] == 1


def test_only_the_last_checkpoints_are_kept(tmp_path, counted):
    paths = [_tiny(tmp_path / f"m{i}.pt", seed=i) for i in range(reuse.KEEP + 1)]
    for path in paths:
        reuse.opened_generator(str(path), "a2b")
    reuse.opened_generator(str(paths[0]), "a2b")  # dropped by the last one: opened again
    assert counted["open"] == reuse.KEEP + 2


def test_torch_outputs_are_computed_once_per_image_whatever_the_batches(monkeypatch):
    torch.manual_seed(0)
    generator = GeneratorConfig(ngf=4, n_blocks=1, img_size=64, light=True).build().eval()
    batches = []
    forward = ResnetGenerator.forward
    monkeypatch.setattr(ResnetGenerator, "forward", lambda self, x: batches.append(len(x)) or forward(self, x))
    images = torch.rand(3, 3, 64, 64) * 2 - 1
    first = reuse.torch_outputs(generator, images[:2])
    again = reuse.torch_outputs(generator, images[:2].clone())
    mixed = reuse.torch_outputs(generator, images[[2, 0, 2]])  # one new image, asked twice
    assert batches == [1, 1, 1]  # each image alone, once
    assert all((a == b).all() for a, b in zip(first, again, strict=True))
    with torch.no_grad():
        expected = generator(images[[2, 0, 2]])
    for got, want in zip(mixed, expected, strict=True):
        np.testing.assert_allclose(got, want.numpy(), atol=1e-5)


@pytest.mark.slow  # whole exports
def test_the_keep_fp_search_and_the_export_quantize_the_graph_once(tmp_path, monkeypatch):
    """--keep-fp auto's ranking graph (every layer quantized) is the graph written when no layer stays float."""
    calls = []
    quantize = int8._quantize
    monkeypatch.setattr(int8, "_quantize", lambda *args: calls.append(args[4]) or quantize(*args))
    ckpt = _tiny(tmp_path / "m.pt")
    auto = Int8Options(calib_images=4, keep_fp=KeepFp(auto=True))
    export_checkpoint(ckpt, out=tmp_path, precisions=("int8-cpu",), int8=auto, log=lambda _: None,
                      gates={"int8-cpu": Gate(min_psnr_db=0.0)})  # fmt: skip
    assert calls and len(calls) == len(set(map(tuple, calls)))  # each set of float layers quantized once


def test_a_quantized_graph_handed_out_is_a_copy(tmp_path):
    ckpt = _tiny(tmp_path / "m.pt")
    model = export_graph(load_generator(ckpt), GraphOptions())
    batches = [reference_batch(64)[:1].numpy()]
    recipe = QuantRecipe("minmax").with_bits(7)
    first = int8.quantize(model, batches, False, tmp_path, recipe=recipe)
    first.graph.node.pop()
    second = int8.quantize(model, batches, False, tmp_path, recipe=recipe)
    assert isinstance(second, onnx.ModelProto) and len(second.graph.node) == len(first.graph.node) + 1


def test_a_graph_run_again_on_the_same_batch_reads_the_kept_outputs(tmp_path, monkeypatch):
    """ncnn validates the FP32 graph that the ONNX export validated: ONNX Runtime opens and runs it once."""
    opened = []
    session = reuse.ort_session
    monkeypatch.setattr(reuse, "ort_session", lambda model: opened.append(1) or session(model))
    model = export_graph(load_generator(_tiny(tmp_path / "m.pt")), GraphOptions())
    batch = reference_batch(64)[:2].numpy()
    reuse._RUNS.clear()  # an earlier test of this worker may have validated the same tiny graph on these images
    first = reuse.graph_runs(model).run(["output"], {"input": batch})
    again = reuse.graph_runs(onnx.ModelProto.FromString(model.SerializeToString())).run(["output"], {"input": batch})
    other = reuse.graph_runs(model).run(["output"], {"input": batch[:1]})
    assert len(opened) == 2  # the first graph_runs, and the one that met a new batch
    assert (first[0] == again[0]).all() and other[0].shape[0] == 1


def test_a_missing_checkpoint_is_refused_in_the_loaders_words(tmp_path):
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        reuse.opened_generator(str(tmp_path / "missing.pt"), "a2b")
